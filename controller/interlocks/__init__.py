"""Interlocks: each module watches one thing and returns None (ok) or a `Trip`.

The controller sends every trip down one e-stop path (`Controller._trip`); an interlock
never stops the belt itself. Each trip names its cause, and the cause's `present()` check is
what reset (S7) asks before it lets the machine leave `estop`/`fault`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: The interlock flags a trace line carries, in order (`Controller.interlock_flags`).
TRACE_KEYS = ("safety_key", "fall_stop", "drive_comms", "drive_ok")


class Severity(enum.Enum):
    ESTOP = "estop"  # a person may be at risk: category-1 stop, latched
    FAULT = "fault"  # the machine is not trustworthy: same stop, latched as a fault


@dataclass(frozen=True, slots=True)
class Trip:
    """One interlock's verdict: which cause, how severe, and a sentence for the operator."""

    cause: str  # stable id: "safety_key", "fall_stop", "drive_comms", "drive_fault", ...
    severity: Severity
    reason: str
