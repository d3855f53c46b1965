"""An immutable picture of the controller for a UI: everything a screen shows, nothing live."""

from __future__ import annotations

from dataclasses import dataclass

from controller.duration import time_left_s


@dataclass(frozen=True, slots=True)
class StepView:
    index: int
    name: str
    direction: str
    speed_kmh: float
    to_speed_kmh: float | None
    incline_pct: float
    duration_s: float
    cue: str | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    t_s: float
    state: str
    direction: str  # direction of the current run command: forward / reverse / none
    upcoming_direction: str  # where the belt runs or will run next (countdown, reversal)
    reverse_phase: str | None  # during `reversing`: ramp_down / dwell / countdown
    countdown_left_s: float | None  # before a start or a direction change
    target_kmh: float
    command_kmh: float
    belt_kmh: float
    incline_pct: float
    incline_target_pct: float
    profile: str
    max_forward_kmh: float
    max_reverse_kmh: float
    reverse_armed: bool
    forward_only: bool  # harness fitted but not clipped: reverse unavailable
    program_name: str | None
    step: StepView | None
    next_step: StepView | None
    step_left_s: float | None
    program_left_s: float | None
    program_complete: bool
    interlocks: dict[str, tuple[bool, str]]  # interlock name -> (ok, why not), as on the panel
    latched: tuple[str, ...]  # reasons of the latched causes, in order
    stop_reason: str | None
    heart_rate_bpm: float | None
    belt_direction: str = "none"  # measured direction of travel
    program_has_reverse: bool = False
    step_count: int = 0
    profile_requires_authorization: bool = False
    locked: bool = False  # Op.LOCK: every start is refused until Op.UNLOCK
    start_speed_kmh: float = 0.0  # every start and every direction change begins here (S6, S14)
    latched_causes: tuple[str, ...] = ()  # the cause ids of `latched`, in the same order
    #: S13: the effective limit (None: no limit); "ok", "warning", "lost", "waiting" (no valid
    #: reading yet) or "none" (no heart-rate source in this session)
    max_hr_bpm: float | None = None
    hr_state: str = "none"
    #: an HR-guided step's target heart rate and speed range
    target_hr_bpm: float | None = None
    hr_speed_range_kmh: tuple[float, float] | None = None


def _view(step) -> StepView | None:
    if step is None:
        return None
    return StepView(step.index, step.name, step.direction.value, step.speed_kmh, step.to_speed_kmh,
                    step.incline_pct, step.duration_s, step.cue)


def take_snapshot(c) -> Snapshot:
    """Build a Snapshot of controller `c` (call on the control thread, between ticks)."""
    status = c.status
    steps = c.program.steps if c.program else ()
    step = c.step
    next_step = steps[c.step_index + 1] if c.step_index + 1 < len(steps) else None
    step_left_s = program_left_s = None
    if step is not None:
        step_left_s = max(0.0, step.duration_s - c.step_elapsed_s)  # the step's own clock
        program_left_s = time_left_s(c)  # with the ramps, dwells and countdowns still to come
    countdown_left_s = None
    if c.countdown_end_s is not None and (c.state == "countdown" or c.reverse_phase == "countdown"):
        countdown_left_s = max(0.0, c.countdown_end_s - c.now_s)
    fitted = status is not None and status.fall_stop is not None
    # every fitted interlock with a console label, in the order of the registry
    interlocks = {i.name: i.panel(c) for i in c.interlocks if i.label is not None}
    return Snapshot(
        t_s=c.now_s,
        state=c.state,
        direction=c.direction.value if c.command_kmh > 0 else "none",
        upcoming_direction=c.upcoming_direction.value,
        reverse_phase=c.reverse_phase if c.state == "reversing" else None,
        countdown_left_s=countdown_left_s,
        target_kmh=c.target_kmh,
        command_kmh=c.command_kmh,
        belt_kmh=status.belt_kmh if status else 0.0,
        incline_pct=status.incline_pct if status else 0.0,
        incline_target_pct=c.incline_target_pct,
        profile=c.profile.name,
        max_forward_kmh=c.profile.forward_max_kmh,
        max_reverse_kmh=c.profile.reverse_max_kmh,
        reverse_armed=c.reverse_armed,
        forward_only=fitted and not c.fall_stop.armed and status.fall_stop is False,
        program_name=c.program.name if c.program else None,
        step=_view(step),
        next_step=_view(next_step),
        step_left_s=step_left_s,
        program_left_s=program_left_s,
        program_complete=c.program_complete,
        interlocks=interlocks,
        latched=tuple(c.latched.values()),
        stop_reason=c.stop_reason,
        heart_rate_bpm=c.heart_rate_bpm,
        belt_direction=status.direction.value if status else "none",
        program_has_reverse=c.program.has_reverse if c.program else False,
        step_count=len(steps),
        profile_requires_authorization=c.base_profile.requires_authorization,
        locked=c.locked,
        start_speed_kmh=c.profile.start_speed_kmh,
        latched_causes=tuple(c.latched),
        max_hr_bpm=c.max_hr_bpm,
        hr_state=c.heart_rate.state_word if c.hr_input != "none" else "none",
        target_hr_bpm=step.target_hr_bpm if step is not None else None,
        hr_speed_range_kmh=(step.speed_kmh, step.max_speed_kmh) if step is not None and step.max_speed_kmh else None,
    )
