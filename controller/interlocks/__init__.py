"""Interlocks: each module watches one thing and returns None (ok) or a `Trip`.

The controller sends every trip down one e-stop path (`Controller._trip`); an interlock
never stops the belt itself. Each trip names its cause, and the interlock's `still_present`
is what reset (S7) asks before it lets the machine leave `estop`/`fault`. Every interlock has
the shape of `base.Interlock` and is listed once, in `registry.INTERLOCKS`.
"""

from __future__ import annotations

from controller.interlocks.base import Interlock, Phase, Reset, Setup, Severity, TickView, Trip
from controller.interlocks.registry import INTERLOCKS, LABELS, TRACE_KEYS

__all__ = ["INTERLOCKS", "LABELS", "TRACE_KEYS", "Interlock", "Phase", "Reset", "Setup", "Severity",
           "TickView", "Trip"]
