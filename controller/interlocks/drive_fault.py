"""The drive's own fault code: any non-zero code latches a fault."""

from __future__ import annotations

from controller.interlocks import Severity, Trip
from drivers.base import DriveStatus

CAUSE = "drive_fault"


def check(status: DriveStatus) -> Trip | None:
    if status.fault_code:
        return Trip(CAUSE, Severity.FAULT, f"drive reports fault code 0x{status.fault_code:02X}")
    return None


def present(status: DriveStatus | None) -> str | None:
    if status is not None and status.fault_code:
        return f"drive still reports fault code 0x{status.fault_code:02X}"
    return None
