"""S1: the magnetic safety key. Key out while anything is active: e-stop on this tick."""

from __future__ import annotations

from controller.interlocks import Severity, Trip
from drivers.base import DriveStatus

CAUSE = "safety_key"
TRIP = Trip(CAUSE, Severity.ESTOP, "safety key removed")


def check(status: DriveStatus, active: bool) -> Trip | None:
    """Trip when the key is out while the machine is doing anything but idling or latched."""
    if active and not status.safety_key:
        return TRIP
    return None


def present(status: DriveStatus | None) -> str | None:
    """Why start or reset must wait, or None when the key is in."""
    if status is not None and not status.safety_key:
        return "safety key is out: put the key back"
    return None
