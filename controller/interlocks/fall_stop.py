"""S2 and S8: the fall-stop harness switch (a chest belt on a safety arch).

The switch is "armed" once it reads OK during a session. An armed switch that opens while
the machine is active trips an e-stop on the same tick. A forward session that starts with
the harness unclipped is allowed ("forward only") and is not tripped by it, but nothing may
run in reverse unless the switch is fitted and reads OK (checked by `reverse_refusal`).
"""

from __future__ import annotations

from controller.interlocks.base import Interlock, Reset, Severity, Trip, TickView
from controller.states import ACTIVE, IDLE
from drivers.base import Direction, DriveStatus

CAUSE = "fall_stop"
#: A switch cannot tell a fall from a released harness: the person comes first (S8).
TRIP = Trip(CAUSE, Severity.ESTOP, "fall-stop harness opened: check the person first (a fall, or the "
                                   "harness released); reverse is disarmed")
REVERSE = Direction.REVERSE


class FallStop(Interlock):
    """Tracks whether the harness has been seen clipped in this session."""

    name = CAUSE
    label = "Fall-stop harness"
    causes = {CAUSE: Severity.ESTOP}
    trace_key = "fall_stop"
    blocks_reset = Reset.IF_LATCHED
    __slots__ = ("armed",)

    def __init__(self) -> None:
        super().__init__()
        self.armed = False

    def check(self, view: TickView) -> Trip | None:
        switch = view.status.fall_stop
        self.trace_flags[self.trace_slot] = switch is True
        state = view.interlock_state
        if switch is None or state == IDLE:
            return None
        if switch:
            self.armed = True
            return None
        if self.armed or (state in ACTIVE and view.direction is REVERSE):
            return TRIP
        return None

    def disarm(self) -> None:
        """Called when the session ends (idle): the next session arms afresh."""
        self.armed = False

    def still_present(self, view: TickView) -> str | None:
        status = view.status
        if status is not None and status.fall_stop is False:
            return "fall-stop harness is open: check the person, then clip the harness on"
        return None

    def panel(self, view: TickView) -> tuple[bool, str]:
        status = view.status
        if status is None:
            return (False, "no status")
        if status.fall_stop is None:
            return (False, "no fall-stop sensor fitted")
        return (status.fall_stop, self.still_present(view) or "")


def reverse_refusal(status: DriveStatus | None, reverse_armed: bool) -> str | None:
    """Why the belt may not start in reverse now, or None (S2)."""
    if not reverse_armed:
        return "reverse is not armed for this session (operator confirmation needed)"
    if status is None:
        return "drive status unknown"
    if status.fall_stop is None:
        return "reverse needs a fall-stop harness, and none is fitted"
    if not status.fall_stop:
        return "fall-stop harness is open: clip the harness on before reverse"
    return None
