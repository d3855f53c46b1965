"""S9: the controller-side comms watchdog. The drive's own watchdog is the other end."""

from __future__ import annotations

from controller.interlocks import Severity, Trip

CAUSE = "drive_comms"


class CommsWatchdog:
    """Latches a fault once no good exchange has happened for `timeout_s`."""

    __slots__ = ("timeout_s", "last_ok_s", "ok")

    def __init__(self, timeout_s: float, now_s: float = 0.0) -> None:
        self.timeout_s = timeout_s
        self.last_ok_s = now_s
        self.ok = True

    def update(self, exchange_ok: bool, now_s: float) -> Trip | None:
        if exchange_ok:
            self.last_ok_s = now_s
            self.ok = True
            return None
        silent_s = now_s - self.last_ok_s
        if silent_s > self.timeout_s:
            self.ok = False
            return Trip(CAUSE, Severity.FAULT, f"drive silent for more than {self.timeout_s:g} s")
        return None

    def present(self) -> str | None:
        return None if self.ok else "drive is not answering: check the cable and the drive"
