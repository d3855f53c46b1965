"""The read-only per-tick view of a session: what sinks may see, never the controller itself.

One `TickView` is built per session. The host sets the tick's own values (time, the fresh
status, the command written); everything else reads through to the controller's public
attributes and properties at the moment a sink asks. The getters are `operator.attrgetter`
(C code): the trace reads about ten of them per tick, 180,000 ticks per simulated hour.
A sink that keeps a tick for later (one behind a queue) takes `freeze()`, a `TickRecord`
with the same names, since the view itself moves on with the next tick.
"""

from __future__ import annotations

from operator import attrgetter
from typing import NamedTuple

from drivers.base import DriveCommand, DriveStatus


def _read(name: str) -> property:
    return property(attrgetter("_controller." + name))


class TickView:
    """Read-only: the session at the latest tick (see the module docstring)."""

    __slots__ = ("_controller", "t0_s", "now_s", "status", "command")

    def __init__(self, controller, t0_s: float) -> None:
        self._controller = controller
        self.t0_s = t0_s  # when the session (the run, the console's engine) began
        self.now_s = t0_s  # this tick's time
        self.status: DriveStatus | None = None  # this tick's read; None when it failed (no news)
        self.command: DriveCommand | None = None  # what this tick wrote

    state = _read("state")
    target_kmh = _read("target_kmh")
    command_kmh = _read("command_kmh")  # the ramped command (0 at once when the drive stops itself)
    step_index = _read("step_index")
    step_count = _read("step_count")
    step = _read("step")  # the current ProgramStep, or None
    step_elapsed_s = _read("step_elapsed_s")
    program = _read("program")
    program_complete = _read("program_complete")
    profile = _read("profile")  # the effective SpeedProfile
    last_status = _read("status")  # the newest good read (stale while reads fail)
    #: In the order of controller.interlocks.TRACE_KEYS; True = OK. Updated in place: copy to keep.
    interlock_flags = _read("interlock_flags")
    comms_ok = _read("comms_ok")
    commands_pending = _read("commands_pending")
    reset_pending = _read("reset_pending")
    stop_reason = _read("stop_reason")
    upcoming_direction = _read("upcoming_direction")
    countdown_end_s = _read("countdown_end_s")
    reverse_phase = _read("reverse_phase")

    #: What a trace line needs, in one C call (it is read 180,000 times per simulated hour):
    #: (state, target_kmh, step_index, step_count, interlock_flags, last_status).
    trace_values = property(attrgetter(*("_controller." + name for name in (
        "state", "target_kmh", "step_index", "step_count", "interlock_flags", "status"))))

    @property
    def elapsed_s(self) -> float:
        return self.now_s - self.t0_s

    @property
    def belt_kmh(self) -> float:
        """Measured, never negative; 0 before the first good read."""
        last = self._controller.status
        return last.belt_kmh if last is not None else 0.0

    heart_rate_bpm = _read("heart_rate_bpm")  # valid readings only (S13); None without one

    @property
    def direction(self) -> str:
        """The commanded direction: forward, reverse or none."""
        return self.command.direction.value if self.command is not None else "none"

    @property
    def incline_pct(self) -> float:
        return self.command.incline_pct if self.command is not None else 0.0

    def freeze(self) -> TickRecord:
        """This tick's values, kept: for a sink that reads them later on another thread."""
        values = [getattr(self, name) for name in TickRecord._fields]
        flags = tuple(self.interlock_flags)
        values[TickRecord._fields.index("interlock_flags")] = flags
        state, target_kmh, step_index, step_count, _, last = self.trace_values
        values[TickRecord._fields.index("trace_values")] = (state, target_kmh, step_index, step_count, flags, last)
        return TickRecord(*values)


class TickRecord(NamedTuple):
    """A frozen `TickView` (same names, less what a later reader has no use for)."""

    t0_s: float
    now_s: float
    status: DriveStatus | None
    command: DriveCommand | None
    state: str
    target_kmh: float
    command_kmh: float
    step_index: int
    step_count: int
    step: object
    step_elapsed_s: float
    program: object
    program_complete: bool
    profile: object
    last_status: DriveStatus | None
    interlock_flags: tuple[bool, ...]
    comms_ok: bool
    commands_pending: bool
    reset_pending: bool
    stop_reason: str | None
    upcoming_direction: object
    countdown_end_s: float | None
    reverse_phase: str | None
    elapsed_s: float
    belt_kmh: float
    heart_rate_bpm: float | None
    direction: str
    incline_pct: float
    trace_values: tuple
