"""Operator commands. The UI and the CLI put them in the controller's queue; the control loop
applies them at the next tick boundary, in order, on its own thread."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Op(enum.Enum):
    START = "start"
    STOP = "stop"  # controlled stop at the normal deceleration
    ESTOP = "estop"  # operator e-stop: latched, needs reset
    PAUSE = "pause"
    RESUME = "resume"
    RESET = "reset"
    ARM_REVERSE = "arm_reverse"  # value: bool
    ADJUST_SPEED = "adjust_speed"  # value: delta km/h
    ADJUST_INCLINE = "adjust_incline"  # value: delta %
    SET_DIRECTION = "set_direction"  # value: Direction (manual mode only)
    LOAD_PROGRAM = "load_program"  # value: (Program | None, SpeedProfile)
    UI_HEARTBEAT = "ui_heartbeat"
    LOCK = "lock"  # the console is locked: nothing starts until UNLOCK (after the operator PIN)
    UNLOCK = "unlock"


@dataclass(frozen=True, slots=True)
class Command:
    op: Op
    value: Any = None
    source: str = "operator"  # "operator", "console", "cli", "inject": shown in the event log


#: The `--inject` names of operator events and the commands they stand for: the one list of
#: them (sim/faults.py derives its OPERATOR_EVENTS from it; world events are sim/faults.py's).
INJECTED_OPS = {
    "op-stop": Op.STOP,
    "op-estop": Op.ESTOP,
    "pause": Op.PAUSE,
    "resume": Op.RESUME,
    "reset": Op.RESET,
    "start": Op.START,
}
