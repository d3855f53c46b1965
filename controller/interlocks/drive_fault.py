"""The drive's own fault code: any non-zero code latches a fault."""

from __future__ import annotations

from controller.interlocks.base import Interlock, Reset, Severity, Trip, TickView

CAUSE = "drive_fault"


class DriveFault(Interlock):
    """Latches a fault while the drive reports one; a reset pulses the drive's fault-reset."""

    name = CAUSE
    label = "Drive"
    causes = {CAUSE: Severity.FAULT}
    trace_key = "drive_ok"
    blocks_start = True
    blocks_reset = Reset.ALWAYS
    cleared_by_drive_reset = True
    __slots__ = ()

    def check(self, view: TickView) -> Trip | None:
        fault_code = view.status.fault_code
        self.trace_flags[self.trace_slot] = fault_code == 0
        if fault_code:
            return Trip(CAUSE, Severity.FAULT, f"drive reports fault code 0x{fault_code:02X}")
        return None

    def still_present(self, view: TickView) -> str | None:
        status = view.status
        if status is not None and status.fault_code:
            return f"drive still reports fault code 0x{status.fault_code:02X}"
        return None
