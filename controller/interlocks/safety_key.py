"""S1: the magnetic safety key. Key out while anything is active: e-stop on this tick."""

from __future__ import annotations

from controller.states import IDLE
from controller.interlocks.base import Interlock, Reset, Severity, Trip, TickView

CAUSE = "safety_key"
TRIP = Trip(CAUSE, Severity.ESTOP, "safety key removed")


class SafetyKey(Interlock):
    """Trips when the key is out while the machine does anything but idle."""

    name = CAUSE
    label = "Safety key"
    causes = {CAUSE: Severity.ESTOP}
    trace_key = "safety_key"
    blocks_start = True
    blocks_reset = Reset.IF_LATCHED
    __slots__ = ()

    def check(self, view: TickView) -> Trip | None:
        key_in = view.status.safety_key
        self.trace_flags[self.trace_slot] = key_in
        if not key_in and view.interlock_state != IDLE:
            return TRIP
        return None

    def still_present(self, view: TickView) -> str | None:
        status = view.status
        if status is not None and not status.safety_key:
            return "safety key is out: put the key back"
        return None
