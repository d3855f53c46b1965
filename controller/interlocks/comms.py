"""S9: the controller-side comms watchdog. The drive's own watchdog is the other end."""

from __future__ import annotations

from controller.interlocks.base import Interlock, Phase, Reset, Setup, Severity, Trip, TickView

CAUSE = "drive_comms"


class CommsWatchdog(Interlock):
    """Latches a fault once no good exchange has happened for `timeout_s`."""

    name = CAUSE
    label = "Drive comms"
    causes = {CAUSE: Severity.FAULT}
    trace_key = "drive_comms"
    phase = Phase.EXCHANGE  # it judges the exchange, and needs no status to do so
    blocks_start = True
    blocks_reset = Reset.ALWAYS  # without it, no status can be trusted: asked first
    __slots__ = ("timeout_s", "last_ok_s", "ok")

    def __init__(self, timeout_s: float, now_s: float = 0.0) -> None:
        super().__init__()
        self.timeout_s = timeout_s
        self.last_ok_s = now_s
        self.ok = True

    @classmethod
    def from_setup(cls, setup: Setup) -> CommsWatchdog:
        return cls(setup.site.comms_timeout_s, setup.now_s)

    def bind_trace(self, flags: list[bool], slot: int) -> None:
        super().bind_trace(flags, slot)
        flags[slot] = self.ok

    def check(self, view: TickView) -> Trip | None:
        now_s = view.now_s
        if view.exchange_ok:
            self.last_ok_s = now_s
            self.ok = self.trace_flags[self.trace_slot] = True
            return None
        silent_s = now_s - self.last_ok_s
        if silent_s > self.timeout_s:
            self.ok = self.trace_flags[self.trace_slot] = False
            return Trip(CAUSE, Severity.FAULT, f"drive silent for more than {self.timeout_s:g} s")
        self.trace_flags[self.trace_slot] = self.ok
        return None

    def still_present(self, view: TickView) -> str | None:
        return None if self.ok else "drive is not answering: check the cable and the drive"
