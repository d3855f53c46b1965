"""The console's heartbeat: if the UI thread dies or hangs, the belt stops.

The console sends a heartbeat command several times a second; when none has arrived for
`timeout_s` while the machine is active, this trips an e-stop. Headless runs have no UI and
do not enable it.
"""

from __future__ import annotations

from controller.states import IDLE
from controller.interlocks.base import Interlock, Phase, Reset, Setup, Severity, Trip, TickView

CAUSE = "ui_heartbeat"


class UiHeartbeat(Interlock):
    """Trips an e-stop when the console has not beaten for `timeout_s` while not idle."""

    name = CAUSE
    label = "Console heartbeat"
    causes = {CAUSE: Severity.ESTOP}
    phase = Phase.AFTER_COMMANDS  # a beat queued for this tick counts
    blocks_reset = Reset.IF_LATCHED
    __slots__ = ("timeout_s", "last_s")

    def __init__(self, timeout_s: float, now_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.last_s = now_s

    @classmethod
    def from_setup(cls, setup: Setup) -> UiHeartbeat | None:
        timeout_s = setup.ui_heartbeat_timeout_s
        return cls(timeout_s, setup.now_s) if timeout_s else None

    def beat(self, now_s: float) -> None:
        self.last_s = now_s

    def check(self, view: TickView) -> Trip | None:
        if view.state != IDLE and view.now_s - self.last_s > self.timeout_s:
            return Trip(CAUSE, Severity.ESTOP, f"console not responding for {self.timeout_s:g} s")
        return None

    def still_present(self, view: TickView) -> str | None:
        if view.now_s - self.last_s > self.timeout_s:
            return "console is not responding"
        return None
