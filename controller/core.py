"""The controller: one pure `update(status, now_s) -> DriveCommand` per control tick.

Each tick, in this order: (1) the interlocks of the registry (controller/interlocks/registry.py)
look at the exchange and the fresh status and may trip; (2) queued operator commands are
applied, and the interlocks they feed are checked; (3) the current state advances (program
clock, countdowns, dwell, standstill); (4) the speed and incline commands are ramped toward
their targets. Nothing here sleeps, reads a clock or touches I/O, so a run
is a deterministic function of its inputs.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from controller import states as S
from controller.commands import Command
from controller.operator import OperatorCommands
from controller.interlocks import INTERLOCKS, TRACE_KEYS, Interlock, Phase, Reset, Setup, Severity, Trip, fall_stop
from controller.interlocks.comms import CAUSE as COMMS_CAUSE, CommsWatchdog
from controller.interlocks.estop_escalation import CAUSE as ESCALATION_CAUSE, EstopEscalation
from controller.interlocks.heart_rate import HeartRate
from controller.interlocks.ui_heartbeat import UiHeartbeat
from controller.limits import SpeedProfile, SiteConfig
from controller.program import Program, ProgramStep
from controller.ramps import ramp_incline_pct, ramp_speed_kmh
from drivers.base import Direction, DriveCommand, DriveStatus, StopMode

FORWARD, REVERSE, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE
RAMP_DOWN, DWELL, REVERSE_COUNTDOWN = "ramp_down", "dwell", "countdown"
#: HR-guided steps (DESIGN.md): within this many bpm of the target, leave the speed alone;
#: otherwise 0.1 km/h per 2 bpm of error, at most 0.5 km/h per adjustment.
HR_DEAD_BAND_BPM = 5.0
HR_KMH_PER_BPM = 0.05
HR_MAX_CHANGE_KMH = 0.5
FAULT_RESET_WINDOW_S = 0.5  # how long a reset pulses the drive's fault-reset before giving up


class Controller(OperatorCommands):
    """The brain. Feed it one DriveStatus (or None when the read failed) per tick."""

    def __init__(self, site: SiteConfig, profile: SpeedProfile, program: Program | None = None, *,
                 allow_reverse: bool = False, now_s: float = 0.0,
                 ui_heartbeat_timeout_s: float | None = None,
                 drive_stop_decel_mps2: float | None = None,
                 hr_input: str = "status", max_hr_bpm: float | None = None) -> None:
        self.site = site
        #: The session's own heart-rate limit (the person's, --max-hr); the profile's and the
        #: program's tighten it further (S13). `max_hr_bpm` is the effective one.
        self.session_max_hr_bpm = max_hr_bpm
        self.hr_input = hr_input
        self.fed_heart_rate_bpm: float | None = None
        #: The deceleration of the drive's own quick stop, as configured and read back at
        #: connect (S5). Known: an e-stop is handed to the drive on its first tick. None: the
        #: drive's stop cannot be set, so the controller ramps e-stops itself.
        self.drive_stop_decel_mps2 = drive_stop_decel_mps2
        self._standstill_kmh = site.standstill_kmh
        self.queue: deque[Command] = deque()  # appended from any thread, drained here
        self.events: list[dict[str, Any]] = []
        self.now_s = now_s
        self._last_s: float | None = None
        self.status: DriveStatus | None = None
        self.fresh_status: DriveStatus | None = None
        self.reverse_armed = allow_reverse
        self.exchange_ok = False  # this tick's read and the last write both succeeded
        self.interlock_state = S.IDLE  # the state as this tick's status checks began
        #: Per tick, in the order of interlocks.TRACE_KEYS: what the last status and the comms
        #: watchdog say (True = OK). Read-only outside; updated in place, no allocation.
        self.interlock_flags = [False] * len(TRACE_KEYS)
        self._build_interlocks(Setup(site, now_s, ui_heartbeat_timeout_s, hr_input))
        self.latched: dict[str, str] = {}  # cause -> reason, in order of arrival
        self.stop_reason: str | None = None
        self._write_failed = False
        self._reset_until_s: float | None = None
        self.incline_cmd_pct = 0.0
        self.last_run_direction = NONE  # survives stops: a start the other way needs the dwell (S3)
        self.standstill_since_s: float | None = None  # belt measured still and nothing commanded
        self._hold_start_speed = False
        self.locked = False  # set by Op.LOCK (the console's lock screen): refuses every start
        self._set_program(program, profile)
        self._motion_reset()
        self._prev_state = S.IDLE
        self._advancers = {state: getattr(self, "_advance_" + state) for state in S.STATES}
        S.build_machine(self)

    # ---- public API -------------------------------------------------------------------
    def submit(self, command: Command) -> None:
        """Queue an operator command; it takes effect at the next tick (thread-safe)."""
        self.queue.append(command)

    def report_write_failure(self) -> None:
        """The loop's write failed: this tick's exchange does not count as good comms."""
        self._write_failed = True

    def note_drive(self, notice: str) -> None:
        """Record something the driver did at connect (e.g. reset a stale comm-loss fault)."""
        self._event("drive_notice", text=notice)

    def heart_rate_input_refusal(self) -> str | None:
        """Why the heart-rate source cannot change now (only between sessions, S13), or None."""
        return None if self.state == S.IDLE else "the heart-rate source can change only between sessions"

    def use_heart_rate_input(self, hr_input: str) -> str | None:
        """Another heart-rate source from now on ("status", "fed", "none"): its readings are judged
        afresh, never as a jump from the old source's (S13). Returns why not, outside idle."""
        if (reason := self.heart_rate_input_refusal()) is not None:
            return reason
        self.hr_input = hr_input
        self.fed_heart_rate_bpm = None
        self.heart_rate.restart(self.now_s)
        return None

    def feed_heart_rate(self, bpm: float | None) -> None:
        """The strap's reading for the next tick (hr_input "fed"); None: nothing valid from it."""
        self.fed_heart_rate_bpm = bpm

    @property
    def raw_heart_rate_bpm(self) -> float | None:
        """This tick's heart-rate reading as it came, before S13 judges it."""
        if self.hr_input == "fed":
            return self.fed_heart_rate_bpm
        status = self.fresh_status  # never the last good read's: a lost signal is not its last value
        return status.heart_rate_bpm if status is not None and self.hr_input == "status" else None

    @property
    def heart_rate_bpm(self) -> float | None:
        """The valid heart rate of the last tick, or None (no sensor, or no valid reading)."""
        return self.heart_rate.bpm

    @property
    def hr_guided(self) -> bool:
        step = self.step
        return step is not None and step.target_hr_bpm is not None

    def drain_events(self) -> list[dict[str, Any]]:
        events, self.events = self.events, []
        return events

    @property
    def step(self) -> ProgramStep | None:
        steps = self._steps
        return steps[self.step_index] if self.step_index < len(steps) else None

    @property
    def comms_ok(self) -> bool:
        """The drive answers (the comms watchdog has not latched)."""
        return self.comms.ok

    @property
    def commands_pending(self) -> bool:
        """Operator commands are queued for the next tick."""
        return bool(self.queue)

    @property
    def reset_pending(self) -> bool:
        """A reset is waiting for the drive to clear its fault (the fault-reset pulse)."""
        return self._reset_until_s is not None

    @property
    def program_complete(self) -> bool:
        return self.program is not None and self.step_index >= len(self.program.steps)

    @property
    def upcoming_direction(self) -> Direction:
        """The direction the belt runs (or will run, after a countdown or reversal) now."""
        if self.state == S.REVERSING or self.state == S.COUNTDOWN:
            return self.next_direction
        if self.direction is not NONE:
            return self.direction
        return self._desired_direction()

    def update(self, status: DriveStatus | None, now_s: float) -> DriveCommand:
        """One control tick: interlocks, operator commands, state, ramps -> the command."""
        # the period actually elapsed, bounded: a stalled loop must not make one giant ramp step
        dt_s = 0.0 if self._last_s is None else now_s - self._last_s
        if dt_s < 0.0:
            dt_s = 0.0
        elif dt_s > 0.1:
            dt_s = 0.1
        self._last_s = self.now_s = now_s
        self.exchange_ok = status is not None and not self._write_failed
        self.fresh_status = status  # this tick's read, or None: no news (the heart rate is then unknown)
        self._write_failed = False
        for check in self._exchange_checks:
            if (trip := check(self)) is not None:
                self._trip(trip)
        if status is not None:
            self.status = status
            self.interlock_state = state = self.state  # a trip on this tick does not change what the rest judge
            for check in self._status_checks_in[state]:
                if (trip := check(self)) is not None:
                    self._trip(trip)
        queue = self.queue
        while queue:
            self._apply(queue.popleft())
        if self._after_command_checks:
            for check in self._after_command_checks:
                if (trip := check(self)) is not None:
                    self._trip(trip)
        if self._reset_until_s is not None:
            self._retry_reset()
        self._advancers[self.state](dt_s)
        return self._ramp(dt_s)

    # ---- program and session ----------------------------------------------------------
    def _set_program(self, program: Program | None, profile: SpeedProfile) -> None:
        self.program = program
        self._steps = program.steps if program else ()
        #: Steps in the flattened program (0 in manual mode). A plain attribute, not a property:
        #: the trace reads it every tick.
        self.step_count = len(self._steps)
        self.base_profile = profile
        self.profile = program.effective_profile(profile) if program else profile
        self._forward_cap_kmh = self.profile.forward_max_kmh
        self._reverse_cap_kmh = self.profile.reverse_max_kmh
        limits = [bpm for bpm in (profile.max_hr_bpm, program.max_hr_bpm if program else None,
                                  self.session_max_hr_bpm) if bpm is not None]
        #: The effective heart-rate limit (S13): the lowest of profile, program and session, or None.
        self.max_hr_bpm = min(limits) if limits else None
        self.step_index = 0
        self.step_elapsed_s = 0.0
        self.speed_override_kmh: float | None = None
        self.incline_override_pct: float | None = None
        self.manual_direction = FORWARD
        self.manual_target_kmh = self.profile.start_speed_kmh
        self.hr_speed_kmh = 0.0  # an HR-guided step's target, moved by the heart rate
        self.hr_next_adjust_s = 0.0  # step time of its next adjustment

    def _motion_reset(self) -> None:
        self.direction = NONE  # direction of the current run command
        self.next_direction = NONE
        self.travel_direction = NONE  # last direction the belt was driven in, until standstill
        self.command_kmh = 0.0
        self.target_kmh = 0.0
        self.incline_target_pct = self.incline_cmd_pct
        self.countdown_end_s: float | None = None
        self.reverse_phase: str | None = None
        self.resume_pending = False
        self.stop_mode = StopMode.RAMP

    def _desired_direction(self) -> Direction:
        step = self.step
        if self.program is None:
            return self.manual_direction
        return step.direction if step else NONE

    def _step_target_kmh(self) -> float:
        if self.program is None:
            return self.manual_target_kmh
        if self.speed_override_kmh is not None:
            return self.speed_override_kmh
        step = self.step
        if step is not None and step.target_hr_bpm is not None:
            return self.hr_speed_kmh
        return step.target_kmh(self.step_elapsed_s) if step else 0.0

    def _enter_step(self, index: int) -> None:
        self.step_index = index
        self.step_elapsed_s = 0.0
        self.speed_override_kmh = self.incline_override_pct = None
        step = self.step
        if step is not None and step.target_hr_bpm is not None:
            self.hr_speed_kmh = step.speed_kmh  # an HR-guided step starts at its minimum
            self.hr_next_adjust_s = step.hr_adjust_s
        if step is not None:
            self._event("step", index=index, name=step.name, direction=step.direction.value,
                        speed_kmh=step.speed_kmh, duration_s=step.duration_s, cue=step.cue)

    # ---- interlocks: one list, one e-stop path -------------------------------------------
    def _build_interlocks(self, setup: Setup) -> None:
        """This session's instances of the registry, and their checks bound once per phase."""
        built = [cls.from_setup(setup) for cls in INTERLOCKS]
        #: The fitted interlocks, in the order of the registry.
        self.interlocks: tuple[Interlock, ...] = tuple(i for i in built if i is not None)
        for interlock in self.interlocks:
            if interlock.trace_key is not None:
                interlock.bind_trace(self.interlock_flags, TRACE_KEYS.index(interlock.trace_key))
        self._by_cause = {cause: i for i in self.interlocks for cause in i.causes}

        def in_phase(phase: Phase) -> tuple[Interlock, ...]:
            return tuple(i for i in self.interlocks if i.phase is phase)

        self._exchange_checks = tuple(i.check for i in in_phase(Phase.EXCHANGE))
        self._status_checks = tuple(i.check for i in in_phase(Phase.STATUS))
        #: Per state (as the status checks begin), the status checks that can act in it (`acts_in`)
        self._status_checks_in = {state: tuple(i.check for i in in_phase(Phase.STATUS)
                                               if i.acts_in is None or state in i.acts_in)
                                  for state in S.STATES}
        self._after_command_checks = tuple(i.check for i in in_phase(Phase.AFTER_COMMANDS))
        # start and reset ask the exchange first: without it no status can be trusted
        by_phase = (in_phase(Phase.EXCHANGE), in_phase(Phase.STATUS) + in_phase(Phase.AFTER_COMMANDS))
        self._start_blockers = tuple(tuple(i for i in group if i.blocks_start) for group in by_phase)
        self._reset_first, self._reset_last = (tuple(i for i in group if i.blocks_reset is Reset.ALWAYS)
                                               for group in by_phase)
        # the ones the controller itself needs by role
        self.comms = self._only(CommsWatchdog)
        self.fall_stop = self._only(fall_stop.FallStop)
        self.escalation = self._only(EstopEscalation)
        self.ui_heartbeat = self._only(UiHeartbeat)
        self.heart_rate = self._only(HeartRate)
        for interlock in self.interlocks:
            if interlock.emits_events:
                interlock.bind_events(self._event)

    def _only(self, cls):
        return next((i for i in self.interlocks if type(i) is cls), None)

    def _trip(self, trip: Trip) -> None:
        """The one e-stop path: latch the cause, then estop/fault: the drive's own quick stop
        from this tick on where it was configured (S5), else a ramp at the e-stop deceleration."""
        if trip.cause in self.latched:
            return
        if trip.severity is Severity.STOP:
            self._safety_stop(trip)
            return
        self.latched[trip.cause] = trip.reason
        self._event(trip.severity.value, reason=trip.reason, cause=trip.cause)
        if trip.cause == ESCALATION_CAUSE:
            self.stop_mode = StopMode.COAST
        if trip.cause == fall_stop.CAUSE and self.reverse_armed:
            self.reverse_armed = False  # S8: the person first, then the arming checklist again
            self._event("reverse_disarmed", source=fall_stop.CAUSE)
        if self.state in S.LATCHED:
            return
        self.stop_reason = trip.reason
        self._reset_until_s = None
        stop_decel_mps2 = self.drive_stop_decel_mps2 or self.profile.estop_decel_mps2
        since_s = self.now_s
        if trip.cause == COMMS_CAUSE:  # the stop cannot reach a silent drive: its own watchdog
            since_s = max(since_s, self.comms.last_ok_s + self.site.drive_comm_loss_timeout_s)  # starts it
        self.escalation.begin(since_s, self.status.belt_kmh if self.status else self.command_kmh,
                              stop_decel_mps2)
        self.stop_mode = StopMode.QUICK
        if trip.severity is Severity.ESTOP:
            self.trip_estop()
        else:
            self.trip_fault()

    def _safety_stop(self, trip: Trip) -> None:
        """A controlled stop at the normal deceleration, not latched (S13): the person needs a
        rest, the machine is fine. A latched stop already under way is never softened."""
        if self.state in S.LATCHED or self.state in (S.IDLE, S.STOPPING):
            return
        self._event(trip.severity.value, reason=trip.reason, cause=trip.cause)
        self.stop_reason = trip.reason
        self.begin_stop()

    def _reset_blocker(self) -> tuple[str, Interlock | None] | None:
        """What keeps the latch from being cleared, and the interlock saying so (S7)."""
        for interlock in self._reset_first:
            if (reason := interlock.still_present(self)) is not None:
                return reason, interlock
        status = self.status
        if status is None or status.belt_kmh > self.site.standstill_kmh or self.command_kmh > 0:
            return "belt is still moving: wait for standstill", None
        by_cause = self._by_cause
        for cause in self.latched:
            interlock = by_cause.get(cause)
            if (interlock is not None and interlock.blocks_reset is Reset.IF_LATCHED
                    and (reason := interlock.still_present(self)) is not None):
                return reason, interlock
        for interlock in self._reset_last:
            if (reason := interlock.still_present(self)) is not None:
                return reason, interlock
        return None

    def _reset_refusal(self) -> str | None:
        """Why the latch cannot be cleared yet, naming the remaining cause (S7), or None."""
        blocker = self._reset_blocker()
        return None if blocker is None else blocker[0]

    def can_clear_latch(self) -> bool:
        """Guard of the `clear_latch` trigger."""
        return self._reset_blocker() is None

    def _request_reset(self) -> None:
        if self.state not in S.LATCHED:
            return
        blocker = self._reset_blocker()
        if blocker is None:
            self._complete_reset()
        elif blocker[1] is not None and blocker[1].cleared_by_drive_reset:
            self._reset_until_s = self.now_s + FAULT_RESET_WINDOW_S  # pulse the drive's reset
        else:
            self._event("reset_refused", reason=blocker[0])

    def _retry_reset(self) -> None:
        reason = self._reset_refusal()
        if reason is None:
            self._complete_reset()
        elif self.now_s >= self._reset_until_s:
            self._reset_until_s = None
            self._event("reset_refused", reason=reason)

    def _complete_reset(self) -> None:
        """Leave estop/fault for idle, forgetting the causes and the stop's timers."""
        self._reset_until_s = None
        self.clear_latch()
        self.latched.clear()
        for interlock in self.interlocks:
            interlock.clear()
        self._motion_reset()

    # ---- countdowns and starts ----------------------------------------------------------
    def _begin_countdown_to(self, direction: Direction) -> None:
        """Count down before a start; the other way round, only after the standstill dwell (S3)."""
        self.next_direction = direction
        self.countdown_end_s = self.now_s + self.profile.countdown_s
        if self._changes_direction(direction):
            since_s = self.standstill_since_s if self.standstill_since_s is not None else self.now_s
            self.countdown_end_s = max(self.countdown_end_s,
                                       since_s + self.profile.dwell_s + self.profile.countdown_s)

    def _changes_direction(self, direction: Direction) -> bool:
        return self.last_run_direction is not NONE and direction is not self.last_run_direction

    def _ready_to_start(self) -> bool:
        """Countdown over and the belt still throughout it (S6) -- for a new direction, still
        for the dwell and then the countdown (S3). A belt that creeps restarts the wait."""
        if self.now_s < self.countdown_end_s or not self._at_standstill() or self.standstill_since_s is None:
            return False
        needed_s = self.profile.countdown_s
        if self._changes_direction(self.next_direction):
            needed_s += self.profile.dwell_s
        return self.now_s - self.standstill_since_s >= needed_s

    # ---- per-state advance (runs after the interlocks and commands) ----------------------
    def _at_standstill(self) -> bool:
        status = self.status
        return self.command_kmh == 0.0 and status is not None and status.belt_kmh <= self.site.standstill_kmh

    def _advance_idle(self, dt_s: float) -> None:
        self.target_kmh = 0.0

    def _advance_countdown(self, dt_s: float) -> None:
        self.target_kmh = 0.0
        if self._ready_to_start():
            self._finish_countdown(self.countdown_elapsed)

    def _finish_countdown(self, trigger) -> None:
        """Start the belt in `next_direction` at the start speed (S6), if still allowed (S2)."""
        direction = self.next_direction
        if direction is REVERSE and (reason := fall_stop.reverse_refusal(self.status, self.reverse_armed)):
            self.stop_reason = reason
            self._event("refused", command="start", reason=reason)
            self.begin_stop()
            return
        trigger()
        self.direction = self.travel_direction = direction
        self.countdown_end_s = None
        self.reverse_phase = None
        self.command_kmh = self.profile.start_speed_kmh
        self._hold_start_speed = True  # this tick commands exactly the start speed (S6)
        self._advance_running(0.0)

    def _advance_running(self, dt_s: float) -> None:
        steps = self._steps
        step = steps[self.step_index] if self.step_index < len(steps) else None
        if step is not None:
            self.step_elapsed_s += dt_s
            if self.step_elapsed_s >= step.duration_s:
                self._enter_step(self.step_index + 1)
                step = self.step
                if step is None:
                    self._event("program_complete", name=self.program.name)
                    self.stop_reason = None
                    self.finish_program()
                    self.target_kmh = 0.0
                    return
                if step.direction is not self.direction:
                    self._begin_reversal(step.direction)
                    return
            self.incline_target_pct = (self.incline_override_pct if self.incline_override_pct is not None
                                       else step.incline_pct)
        elif self.incline_override_pct is not None:
            self.incline_target_pct = self.incline_override_pct
        if step is not None and step.target_hr_bpm is not None:
            self._guide_by_heart_rate(step)
            target_kmh = self._step_target_kmh()
        elif self.speed_override_kmh is None and step is not None and step.to_speed_kmh is None:
            target_kmh = step.speed_kmh  # the usual case, without the calls
        else:
            target_kmh = self._step_target_kmh()
        cap_kmh = self._reverse_cap_kmh if self.direction is REVERSE else self._forward_cap_kmh
        self.target_kmh = target_kmh if target_kmh < cap_kmh else cap_kmh  # S4

    def _guide_by_heart_rate(self, step: ProgramStep) -> None:
        """An HR-guided step: every `hr_adjust_s`, move the speed toward the target heart rate
        within the step's own range; at once to its minimum while the signal is lost (S13)."""
        hr = self.heart_rate
        low_kmh = step.speed_kmh
        if hr.lost:
            self.hr_next_adjust_s = self.step_elapsed_s + step.hr_adjust_s
            if self.hr_speed_kmh != low_kmh:
                self._hr_adjust(low_kmh, None, step, f"Heart-rate signal lost: easing to {low_kmh:g} km/h")
            return
        if self.step_elapsed_s < self.hr_next_adjust_s:
            return
        self.hr_next_adjust_s = self.step_elapsed_s + step.hr_adjust_s
        bpm = hr.bpm
        if bpm is None:
            return  # a moment without a valid reading: wait for the next adjustment
        error_bpm = step.target_hr_bpm - bpm
        if abs(error_bpm) <= HR_DEAD_BAND_BPM:
            return
        change_kmh = min(HR_MAX_CHANGE_KMH, round(abs(error_bpm) * HR_KMH_PER_BPM, 1))
        wanted_kmh = self.hr_speed_kmh + (change_kmh if error_bpm > 0 else -change_kmh)
        new_kmh = min(max(round(wanted_kmh, 2), low_kmh), step.max_speed_kmh)  # rounded, then kept in range
        if new_kmh != self.hr_speed_kmh:
            verb = "Speeding up" if new_kmh > self.hr_speed_kmh else "Slowing"
            self._hr_adjust(new_kmh, bpm, step, f"{verb} to {new_kmh:g} km/h (heart rate {bpm:.0f}, "
                                                f"target {step.target_hr_bpm:.0f})")

    def _hr_adjust(self, new_kmh: float, bpm: float | None, step: ProgramStep, cue: str) -> None:
        self._event("hr_adjust", from_kmh=self.hr_speed_kmh, to_kmh=new_kmh,
                    heart_rate_bpm=None if bpm is None else round(bpm), target_hr_bpm=step.target_hr_bpm, cue=cue)
        self.hr_speed_kmh = new_kmh

    def _begin_reversal(self, direction: Direction) -> None:
        if direction is REVERSE and (reason := fall_stop.reverse_refusal(self.status, self.reverse_armed)):
            self.stop_reason = reason  # a controlled stop now, not a refused start after the dwell
            self._event("refused", command="reverse", reason=reason)
            self.begin_stop()
            return
        self.next_direction = direction
        self.reverse_phase = RAMP_DOWN
        self.target_kmh = 0.0
        self.begin_reversal()

    def _advance_paused(self, dt_s: float) -> None:
        self.target_kmh = 0.0
        if self.resume_pending and self._at_standstill():
            self._begin_countdown_to(self.direction if self.direction is not NONE else self._desired_direction())
            self.begin_resume()

    def _advance_stopping(self, dt_s: float) -> None:
        self.target_kmh = 0.0
        if self._at_standstill():
            self.reach_standstill()

    def _advance_reversing(self, dt_s: float) -> None:
        """Ramp down, hold standstill for the dwell, count down, start the other way (S3)."""
        self.target_kmh = 0.0
        if self.reverse_phase == REVERSE_COUNTDOWN:
            if self._ready_to_start():
                self._finish_countdown(self.reversal_complete)
            return
        if not self._at_standstill() or self.standstill_since_s is None:
            self.reverse_phase = RAMP_DOWN
            return
        self.reverse_phase = DWELL
        self.direction = NONE
        if self.now_s - self.standstill_since_s >= self.profile.dwell_s:
            self.reverse_phase = REVERSE_COUNTDOWN
            self.countdown_end_s = self.now_s + self.profile.countdown_s

    def _advance_estop(self, dt_s: float) -> None:
        self.target_kmh = 0.0
        if self.status is not None and self.incline_target_pct != self.status.incline_pct:
            self.incline_target_pct = self.incline_cmd_pct = self.status.incline_pct  # halt incline

    _advance_fault = _advance_estop

    # ---- ramps and the command ----------------------------------------------------------
    def _ramp(self, dt_s: float) -> DriveCommand:
        profile = self.profile
        state = self.state
        if self._hold_start_speed:
            self._hold_start_speed = False
        elif self.stop_mode is StopMode.COAST:
            self.command_kmh = 0.0
        elif state in S.LATCHED:
            if self.drive_stop_decel_mps2 is not None:
                self.command_kmh = 0.0  # run off, quick stop: the drive finishes it without us (S5)
            else:
                self.command_kmh = ramp_speed_kmh(self.command_kmh, 0.0, 0.0, profile.estop_decel_mps2, dt_s)
        else:
            accel = 0.0
            if state == S.RUNNING:
                reverse = self.direction is REVERSE
                accel = profile.accel_reverse_mps2 if reverse else profile.accel_forward_mps2
            self.command_kmh = ramp_speed_kmh(self.command_kmh, self.target_kmh, accel, profile.decel_mps2, dt_s)
        if self.incline_cmd_pct != self.incline_target_pct:
            self.incline_cmd_pct = ramp_incline_pct(self.incline_cmd_pct, self.incline_target_pct,
                                                    profile.incline_rate_pct_s, dt_s)
        run = self.command_kmh > 0.0
        if run:
            self.travel_direction = self.last_run_direction = self.direction
            self.standstill_since_s = None
        elif self.status is not None and self.status.belt_kmh <= self._standstill_kmh:
            self.travel_direction = NONE
            if self.standstill_since_s is None:
                self.standstill_since_s = self.now_s
        else:
            self.standstill_since_s = None
        if state == S.IDLE:
            self.fall_stop.disarm()
        fault_reset = self._reset_until_s is not None
        return DriveCommand(run, self.direction if run else NONE, self.command_kmh,
                            self.incline_cmd_pct, self.stop_mode, fault_reset)

    # ---- events -------------------------------------------------------------------------
    def on_state_change(self) -> None:
        """transitions' after_state_change callback: record the change as an event."""
        self._event("state", **{"from": self._prev_state, "to": self.state})
        self._prev_state = self.state
        self.resume_pending = False
        if self.state == S.IDLE:
            self.direction = self.next_direction = NONE

    def _event(self, kind: str, **fields: Any) -> None:
        self.events.append({"t": self.now_s, "event": kind, **fields})

    def snapshot(self):
        """An immutable Snapshot for a UI (see controller/snapshot.py)."""
        from controller.snapshot import take_snapshot

        return take_snapshot(self)
