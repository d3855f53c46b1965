"""How long a program really runs: its steps, and the ramps, dwells and countdowns around them.

Pure: from the flattened program and the profile it runs under, the sequence the controller
runs (controller/core.py):
- a countdown before the first step (`countdown_s`);
- a step's clock runs from its start, ramps included: the belt starts at the start speed and
  ramps to the step's speed within the step's own time, so a step in the same direction as
  the one before adds nothing;
- a change of direction comes between two steps' clocks: the ramp down from the speed the
  belt had at the end of the step (v / decel), the moment the belt takes to read standstill
  after the command reaches zero (`settle_s`), the dwell (`dwell_s`) and the countdown
  (`countdown_s`); the new step starts at the start speed;
- after the last step, the ramp down to standstill (and the settle).
The speed at the end of a step is the ramp from the speed it started at toward its target
(accel or decel, never beyond the target or the cap); an HR-guided step is taken at its
minimum speed (where it starts, and where it goes when the signal is lost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

from controller.limits import SpeedProfile
from controller.program import Program, ProgramStep
from controller.ramps import step_toward, stopping_time_s
from drivers.base import Direction
from drivers.units import KMH_PER_MPS

#: A belt follows its drive's speed with a lag (the simulator's: first order, 0.1 s). Ramping
#: down at `decel` it is decel x lag behind when the command reaches zero, and it reads
#: standstill (`STANDSTILL_KMH`) lag x ln(behind / standstill) later: 0.09 s at the rehab
#: profile's 0.35 m/s², 0.15 s at 0.6, 0.18 s at 0.8.
BELT_LAG_S = 0.1
STANDSTILL_KMH = 0.05  # the site's standstill_kmh as shipped (config/default.toml)

COUNTDOWN, RUNNING, REVERSING = "countdown", "running", "reversing"
RAMP_DOWN, DWELL = "ramp_down", "dwell"


@dataclass(frozen=True, slots=True)
class Timeline:
    """A program's time, part by part: `before_s[i]` runs before step i's clock starts (the first
    countdown, or a change of direction), `steps_s[i]` is its clock, `end_s` the last ramp down."""

    before_s: tuple[float, ...]
    steps_s: tuple[float, ...]
    end_s: float
    #: after_s[i]: everything after step i's clock (the changes, the later steps, the end)
    after_s: tuple[float, ...]

    @property
    def total_s(self) -> float:
        return self.before_s[0] + self.steps_s[0] + self.after_s[0] if self.steps_s else 0.0

    @property
    def extra_s(self) -> float:
        """What the steps' own durations leave out."""
        return self.total_s - sum(self.steps_s)


def timeline(program: Program, profile: SpeedProfile) -> Timeline:
    """The program's timeline under `profile` (its caps tighten nothing here: a checked program
    stays within them; they cap the targets all the same)."""
    steps = program.steps
    before, ends_kmh = [], []
    speed_kmh = 0.0
    previous: Direction | None = None
    for step in steps:
        if step.direction is not previous:
            before.append(profile.countdown_s if previous is None else
                          _change_s(speed_kmh, profile))
            speed_kmh = profile.start_speed_kmh
        else:
            before.append(0.0)
        speed_kmh = end_speed_kmh(step, speed_kmh, profile)
        ends_kmh.append(speed_kmh)
        previous = step.direction
    end_s = _stop_s(speed_kmh, profile) if steps else 0.0
    steps_s = tuple(step.duration_s for step in steps)
    # after_s[i] = before_s[i+1] + steps_s[i+1] + after_s[i+1]; after_s[last] = end_s
    tail = list(accumulate(reversed([b + d for b, d in zip(before[1:], steps_s[1:])]), initial=end_s))
    return Timeline(tuple(before), steps_s, end_s, tuple(reversed(tail)))


def program_duration_s(program: Program, profile: SpeedProfile) -> float:
    """How long `program` runs under `profile`, from start to standstill."""
    return cached_timeline(program, profile).total_s


def end_speed_kmh(step: ProgramStep, start_kmh: float, profile: SpeedProfile) -> float:
    """The commanded speed when `step`'s clock runs out, from `start_kmh` at its start."""
    if step.target_hr_bpm is not None:
        return step.speed_kmh
    target_kmh = min(step.to_speed_kmh if step.to_speed_kmh is not None else step.speed_kmh,
                     profile.max_kmh(step.direction))
    accel_mps2 = profile.accel_reverse_mps2 if step.direction is Direction.REVERSE else profile.accel_forward_mps2
    rate_mps2 = accel_mps2 if target_kmh >= start_kmh else profile.decel_mps2
    # a progression's target moves toward its end; the belt follows it as fast as the ramp allows
    return step_toward(start_kmh, target_kmh, rate_mps2 * KMH_PER_MPS * step.duration_s)


def settle_s(decel_mps2: float) -> float:
    """From the command reaching zero to the belt reading standstill (see BELT_LAG_S)."""
    behind_kmh = decel_mps2 * KMH_PER_MPS * BELT_LAG_S
    return BELT_LAG_S * math.log(behind_kmh / STANDSTILL_KMH) if behind_kmh > STANDSTILL_KMH else 0.0


def _stop_s(speed_kmh: float, profile: SpeedProfile) -> float:
    return stopping_time_s(speed_kmh, profile.decel_mps2) + settle_s(profile.decel_mps2)


def _change_s(speed_kmh: float, profile: SpeedProfile) -> float:
    return _stop_s(speed_kmh, profile) + profile.dwell_s + profile.countdown_s


# --- time left, for a running controller ----------------------------------------------------

_CACHE: dict[tuple[int, int], tuple[Program, SpeedProfile, Timeline]] = {}
_CACHE_SIZE = 16


def cached_timeline(program: Program, profile: SpeedProfile) -> Timeline:
    """`timeline`, remembered for the last few (program, profile) pairs: a screen asks every frame."""
    key = (id(program), id(profile))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is program and hit[1] is profile:
        return hit[2]
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    result = timeline(program, profile)
    _CACHE[key] = (program, profile, result)
    return result


def time_left_s(c) -> float | None:
    """How long the program has left, as the controller `c` stands (None: no program, or done).

    `c` is a Controller, or anything with its attributes (program, profile, state, step_index,
    step_elapsed_s, command_kmh, reverse_phase, countdown_end_s, now_s; status and
    standstill_since_s if it has them): a session's TickView will do.
    Running: the step's time left and everything after it. Counting down or reversing: what is
    left of that, then the step. Held (paused, stopped, idle): what a new start would take.
    """
    program = c.program
    if program is None or c.step_index >= len(program.steps):
        return None
    profile = c.profile
    line = cached_timeline(program, profile)
    i = c.step_index
    left_s = max(0.0, line.steps_s[i] - c.step_elapsed_s) + line.after_s[i]
    state = c.state
    if state == RUNNING:
        return left_s
    if state == COUNTDOWN:
        return left_s + _countdown_left_s(c)
    if state == REVERSING:
        return left_s + _reversal_left_s(c, profile)
    moving_s = _stop_s(c.command_kmh, profile) if c.command_kmh > 0.0 else 0.0
    return left_s + moving_s + profile.countdown_s


def _countdown_left_s(c) -> float:
    end_s = c.countdown_end_s
    return max(0.0, end_s - c.now_s) if end_s is not None else c.profile.countdown_s


def _reversal_left_s(c, profile: SpeedProfile) -> float:
    phase = c.reverse_phase
    if phase == RAMP_DOWN and c.command_kmh > 0.0:
        return _change_s(c.command_kmh, profile)
    if phase == RAMP_DOWN:  # the command is at zero: the belt still settling (or a blip of noise)
        status = getattr(c, "status", None)
        behind_kmh = status.belt_kmh if status is not None else 0.0
        settle = BELT_LAG_S * math.log(behind_kmh / STANDSTILL_KMH) if behind_kmh > STANDSTILL_KMH else 0.0
        return settle + profile.dwell_s + profile.countdown_s
    since_s = getattr(c, "standstill_since_s", None)
    if phase == DWELL and since_s is not None:
        return max(0.0, profile.dwell_s - (c.now_s - since_s)) + profile.countdown_s
    if phase == DWELL:
        return profile.dwell_s + profile.countdown_s
    return _countdown_left_s(c)
