"""The console's heartbeat: if the UI thread dies or hangs, the belt stops.

The console sends a heartbeat command several times a second; when none has arrived for
`timeout_s` while the machine is active, this trips an e-stop. Headless runs have no UI and
do not enable it.
"""

from __future__ import annotations

from controller.interlocks import Severity, Trip

CAUSE = "ui_heartbeat"


class UiHeartbeat:
    __slots__ = ("timeout_s", "last_s")

    def __init__(self, timeout_s: float, now_s: float) -> None:
        self.timeout_s = timeout_s
        self.last_s = now_s

    def beat(self, now_s: float) -> None:
        self.last_s = now_s

    def check(self, now_s: float, active: bool) -> Trip | None:
        if active and now_s - self.last_s > self.timeout_s:
            return Trip(CAUSE, Severity.ESTOP, f"console not responding for {self.timeout_s:g} s")
        return None

    def present(self, now_s: float) -> str | None:
        if now_s - self.last_s > self.timeout_s:
            return "console is not responding"
        return None
