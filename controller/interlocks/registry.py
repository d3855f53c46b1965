"""The one list of interlocks. The controller, start refusal, reset, the snapshot, the
console's labels and the trace all iterate it; a new interlock is a module and a line here.

The order is the order of the checks within each phase of a tick (see `Phase`), and when two
trip on one tick it decides which is latched first, so it is part of the trace: append new
interlocks at the end. It is also the order of the console's panel and of `TRACE_KEYS`.
"""

from __future__ import annotations

from controller.interlocks.base import Interlock
from controller.interlocks.comms import CommsWatchdog
from controller.interlocks.drive_fault import DriveFault
from controller.interlocks.estop_escalation import EstopEscalation
from controller.interlocks.fall_stop import FallStop
from controller.interlocks.heart_rate import HeartRate
from controller.interlocks.safety_key import SafetyKey
from controller.interlocks.speed_monitor import SpeedMonitor
from controller.interlocks.ui_heartbeat import UiHeartbeat

INTERLOCKS: tuple[type[Interlock], ...] = (
    SafetyKey,
    FallStop,
    CommsWatchdog,
    DriveFault,
    SpeedMonitor,
    EstopEscalation,
    UiHeartbeat,
    HeartRate,
)

#: The interlock flags a trace line carries, in order (`Controller.interlock_flags`).
TRACE_KEYS: tuple[str, ...] = tuple(i.trace_key for i in INTERLOCKS if i.trace_key is not None)
#: The console's words for each interlock on its panel, keyed like `Snapshot.interlocks`.
LABELS: dict[str, str] = {i.name: i.label for i in INTERLOCKS if i.label is not None}
