"""A synchronous bench for safety tests: the real Controller against the real simulator.

`Bench.tick()` does exactly what controller/loop.py does for one tick with the simulator
(read -> update -> write through SimDrive's synchronous read_now/write_now, comms failures
included), on a SimClock, without an event loop. After every tick
`InvariantChecker.check()` asserts S1-S11 against what the controller saw and commanded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller import states as S
from controller.clock import SimClock
from controller.commands import Command, Op
from controller.core import Controller
from controller.limits import SiteConfig, load_site_config
from controller.program import Program, parse_program
from drivers.base import Direction, DriveCommand, DriveCommsError, DriveStatus, StopMode
from drivers.units import KMH_PER_MPS
from sim.drive import from_url

SITE = load_site_config()
HR_IN_USE = (S.COUNTDOWN, S.RUNNING, S.PAUSED, S.REVERSING)  # where S13 stops act
HR_JUMP_WINDOW_S = 1.0
DT_S = 1.0 / SITE.control_rate_hz
EPS = 1e-9
FWD, REV, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE


def run_now(coroutine):
    """Run a coroutine that never suspends (the simulator's) to completion."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the coroutine suspended; this bench only drives the in-process simulator")


def program(*steps: tuple[str, float, float], profile: str | None = None, **top) -> Program:
    """A program from (direction, speed_kmh, duration_s) tuples."""
    data = {"name": "safety test", "steps": [
        {"direction": d, "speed_kmh": v, "duration_s": t} for d, v, t in steps]}
    if profile:
        data["profile"] = profile
    data.update(top)
    return parse_program(data, "<safety test>")


class Bench:
    """Controller + simulator + invariant checker, stepped one tick at a time."""

    def __init__(self, prog: Program | None, profile: str = "fitness", *, allow_reverse: bool = True,
                 seed: int = 0, site: SiteConfig = SITE, url: str = "sim://",
                 ui_heartbeat_timeout_s: float | None = None, drive_stops_itself: bool = True,
                 hr_input: str = "status", max_hr_bpm: float | None = None) -> None:
        """`drive_stops_itself`: the drive's quick stop is set at connect (S5), as every session
        host does; False stands for a drive whose stop cannot be set (the controller ramps)."""
        self.site = site
        self.clock = SimClock()
        estop_decel_mps2 = site.profiles[profile].estop_decel_mps2 if drive_stops_itself else None
        self.drive = from_url(url, clock=self.clock, seed=seed, site=site, estop_decel_mps2=estop_decel_mps2)
        run_now(self.drive.open())
        self.controller = Controller(site, site.profiles[profile], prog, allow_reverse=allow_reverse,
                                     ui_heartbeat_timeout_s=ui_heartbeat_timeout_s,
                                     drive_stop_decel_mps2=self.drive.stop_decel_mps2,
                                     hr_input=hr_input, max_hr_bpm=max_hr_bpm)
        #: With hr_input "fed": the strap's reading handed to the controller before each tick
        self.strap_bpm: float | None = None
        self.checker = InvariantChecker(self.controller, site)
        self.events: list[dict] = []
        self.ticks = 0
        self.status: DriveStatus | None = None
        self.command: DriveCommand | None = None
        self.max_reverse_kmh = 0.0  # the fastest the belt was measured running backward

    @property
    def now_s(self) -> float:
        return self.clock.now_s()

    def submit(self, op: Op, value=None) -> None:
        self.controller.submit(Command(op, value, source="test"))

    def inject(self, event: str, value: float | None = None) -> None:
        self.drive.inject(event, value)

    def tick(self) -> None:
        self.clock.advance_to(self.ticks * DT_S)
        now_s = self.clock.now_s()
        if self.controller.hr_input == "fed":
            self.controller.feed_heart_rate(self.strap_bpm)
        try:
            status = self.drive.read_now()
        except DriveCommsError:
            status = None
        command = self.controller.update(status, now_s)
        try:
            self.drive.write_now(command)
        except DriveCommsError:
            self.controller.report_write_failure()
        self.status, self.command = status, command
        if status is not None and status.direction is REV and status.belt_kmh > self.max_reverse_kmh:
            self.max_reverse_kmh = status.belt_kmh
        events = self.controller.drain_events()
        self.events.extend(events)
        self.checker.check(status, command, now_s, events)
        self.ticks += 1

    def run_s(self, seconds: float) -> None:
        for _ in range(round(seconds / DT_S)):
            self.tick()

    def run_until(self, predicate, timeout_s: float) -> bool:
        for _ in range(round(timeout_s / DT_S)):
            self.tick()
            if predicate(self):
                return True
        return False

    @property
    def state(self) -> str:
        return self.controller.state

    @property
    def belt_kmh(self) -> float:
        return self.drive.world.status().belt_kmh

    @property
    def true_kmh(self) -> float:
        """The simulated belt's true speed (no measurement noise), unsigned."""
        return abs(self.drive.world.belt_velocity_kmh_signed)

    def events_of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["event"] == kind]


@dataclass
class _Timer:
    since_s: float | None = None

    def hold(self, condition: bool, now_s: float) -> float:
        """How long `condition` has held continuously (0 when it is false)."""
        if not condition:
            self.since_s = None
            return 0.0
        if self.since_s is None:
            self.since_s = now_s
        return now_s - self.since_s


@dataclass
class InvariantChecker:
    """Checks S1-S11, S14 and the S8 disarming on every tick from the outside: what the
    controller saw and commanded.

    It keeps its own copy of the timers of S9-S11, so a bug in an interlock's bookkeeping
    cannot hide itself.
    """

    controller: Controller
    site: SiteConfig
    prev_command: DriveCommand | None = None
    prev_state: str = S.IDLE
    prev_status: DriveStatus | None = None
    prev_t_s: float | None = None
    last_ok_s: float = 0.0
    last_run_direction: Direction = NONE
    standstill_since_s: float | None = 0.0
    reset_since_latch: bool = False
    started: bool = False  # an operator start/resume took the machine to countdown since idle
    over: _Timer = field(default_factory=_Timer)
    hard: _Timer = field(default_factory=_Timer)
    mismatch: _Timer = field(default_factory=_Timer)
    under: _Timer = field(default_factory=_Timer)
    latch_t0_s: float | None = None
    latch_v0_kmh: float = 0.0
    fall_disarmed: bool = False  # S8: a fall-stop trip disarmed reverse, not armed again since
    hold_start_speed: bool = False  # S14: a manual direction change, no speed key since
    hr_valid_s: float = 0.0  # S13: the last plausible reading (this checker's own judgement)
    hr_above: _Timer = field(default_factory=_Timer)
    def check(self, status: DriveStatus | None, cmd: DriveCommand, now_s: float, events=()) -> None:
        c = self.controller
        state = c.state
        profile = c.profile
        seen = status if status is not None else c.status
        prev = self.prev_command or DriveCommand(False, NONE, 0.0)
        dt_s = 0.0 if self.prev_t_s is None else now_s - self.prev_t_s
        rising = cmd.speed_kmh > prev.speed_kmh + EPS
        starting = cmd.run and not prev.run
        where = f"t={now_s:.2f} state={state} cmd={cmd.speed_kmh:.3f} {cmd.direction.value}"

        # Speed is never negative and direction is an enum, NONE exactly when nothing runs (S3)
        assert cmd.speed_kmh >= 0.0, where
        assert (cmd.direction is NONE) == (not cmd.run), where

        # S1: key out -> nothing starts or speeds up, and an active machine is latched this tick
        if seen is not None and not seen.safety_key:
            assert not rising and not starting, f"S1 motion commanded with the key out: {where}"
            if self.prev_state in S.ACTIVE and status is not None:
                assert state in S.LATCHED, f"S1 key out while {self.prev_state} not e-stopped: {where}"

        # S2: reverse runs only armed and with the fall-stop reading OK (a latched stop may finish)
        if cmd.run and cmd.direction is REV and state not in S.LATCHED:
            assert c.reverse_armed, f"S2 reverse without arming: {where}"
            assert seen is not None and seen.fall_stop is True, f"S2 reverse without the fall-stop OK: {where}"

        # S3 and S6: a start is at the start speed after a countdown; a new direction after
        # standstill for the dwell then the countdown
        if starting:
            assert cmd.speed_kmh == profile.start_speed_kmh, f"S6 start not at the start speed: {where}"
            assert self.standstill_since_s is not None, f"S3/S6 start while the belt moves: {where}"
            still_s = now_s - self.standstill_since_s
            assert still_s >= profile.countdown_s - EPS, f"S6 start without a countdown: {where}"
            if self.last_run_direction is not NONE and cmd.direction is not self.last_run_direction:
                assert still_s >= profile.dwell_s + profile.countdown_s - EPS, f"S3 dwell skipped: {where}"
            assert self.started, f"S7 motion without an operator start: {where}"

        # S4: never above the effective profile's cap for the direction
        if cmd.run:
            assert cmd.speed_kmh <= profile.max_kmh(cmd.direction) + EPS, f"S4 over the cap: {where}"

        # S5: acceleration and deceleration limits; an e-stop or fault goes to the drive's own
        # quick stop on its first tick where the drive's stop was set at connect
        if state in S.LATCHED and c.drive_stop_decel_mps2 is not None:
            assert not cmd.run and cmd.stop_mode in (StopMode.QUICK, StopMode.COAST), \
                f"S5 a latched stop not handed to the drive: {where}"
        if prev.run and cmd.run and dt_s > 0:
            if rising:
                reverse = cmd.direction is Direction.REVERSE  # as controller/core.py picks it
                accel = profile.accel_reverse_mps2 if reverse else profile.accel_forward_mps2
                limit = accel * KMH_PER_MPS * dt_s
                assert cmd.speed_kmh - prev.speed_kmh <= limit + EPS, f"S5 accel over the limit: {where}"
            else:
                decel = profile.estop_decel_mps2 if state in S.LATCHED else profile.decel_mps2
                assert prev.speed_kmh - cmd.speed_kmh <= decel * KMH_PER_MPS * dt_s + EPS, \
                    f"S5 decel over the limit: {where}"
        if state in S.LATCHED and prev.run and cmd.run and dt_s > 0:
            expected = max(0.0, prev.speed_kmh - profile.estop_decel_mps2 * KMH_PER_MPS * dt_s)
            assert abs(cmd.speed_kmh - expected) <= EPS, f"S5 e-stop not at the e-stop deceleration: {where}"

        # S7: latched states never speed up; a latch is left only for idle, after a reset; motion
        # needs a start (idle -> countdown) after that. The tick's state events give the order.
        if state in S.LATCHED:
            assert not rising and not starting, f"S7 motion while latched: {where}"
        for event in events:
            if event["event"] == "command" and event["op"] == Op.RESET.value:
                self.reset_since_latch = True
            if event["event"] == "command" and event["op"] == Op.ADJUST_SPEED.value:
                self.hold_start_speed = False
            if event["event"] in ("estop", "fault") and event.get("cause") == "fall_stop":
                self.fall_disarmed = True
            if event["event"] == "reverse_armed":
                self.fall_disarmed = False
            if event["event"] != "state":
                continue
            source, dest = event["from"], event["to"]
            if dest in S.LATCHED and source not in S.LATCHED:
                self.reset_since_latch = self.started = False
                self.latch_t0_s, self.latch_v0_kmh = now_s, (seen.belt_kmh if seen else prev.speed_kmh)
                if any(e.get("cause") == "drive_comms" for e in events):  # a silent drive starts its
                    # own stop when its watchdog fires
                    self.latch_t0_s = max(now_s, self.last_ok_s + self.site.drive_comm_loss_timeout_s)
            if source in S.LATCHED:
                assert dest == S.IDLE and self.reset_since_latch, f"S7 left the latch without reset: {where}"
            if dest == S.IDLE:
                self.started = False
            if dest == S.COUNTDOWN:
                self.started = True

        # S8: after a fall-stop trip nothing runs backward until reverse is armed again (the
        # latched stop itself may still ramp a backward belt down, where the controller ramps it)
        if cmd.run and cmd.direction is REV and state not in S.LATCHED:
            assert not self.fall_disarmed, f"S8 reverse after a fall-stop trip without re-arming: {where}"

        # S14: a manual direction change starts at the start speed and stays there until a
        # speed key asks for more (no speed carries across); a program's step sets its own
        if starting and c.program is None and self.last_run_direction not in (NONE, cmd.direction):
            self.hold_start_speed = True
        if self.hold_start_speed and cmd.run:
            assert cmd.speed_kmh <= profile.start_speed_kmh + EPS, f"S14 speed carried across a reversal: {where}"
        if state in (S.IDLE, *S.LATCHED):
            self.hold_start_speed = False

        # S8: an armed fall-stop that opens while active e-stops on this tick
        if (status is not None and self.prev_status is not None and self.prev_status.fall_stop is True
                and status.fall_stop is False and self.prev_state in S.ACTIVE):
            assert state in S.LATCHED, f"S8 fall-stop opened without an e-stop: {where}"

        # S9: the drive silent for longer than the comms timeout -> latched (fault) by now
        if status is not None:
            self.last_ok_s = now_s
        elif now_s - self.last_ok_s > self.site.comms_timeout_s + DT_S + EPS:
            assert state in S.LATCHED, f"S9 drive silent {now_s - self.last_ok_s:.2f} s, not latched: {where}"

        # S10: plausibility, timed independently here; one tick of grace for the sample clock
        if status is not None:
            self._check_plausibility(status, prev, state, now_s, where)

        # S11: a latched stop that does not slow the belt goes to category 0
        if state in S.LATCHED and status is not None and self.latch_t0_s is not None:
            mon = self.site.monitor
            elapsed_s = now_s - self.latch_t0_s
            stop_decel_mps2 = c.drive_stop_decel_mps2 or profile.estop_decel_mps2
            expected = max(0.0, self.latch_v0_kmh - stop_decel_mps2 * KMH_PER_MPS * elapsed_s)
            if elapsed_s >= mon.estop_check_after_s + DT_S and status.belt_kmh > expected + mon.estop_margin_kmh + 0.5:
                assert cmd.stop_mode is StopMode.COAST and not cmd.run, f"S11 not escalated: {where}"

        self._check_heart_rate(state, cmd, now_s, where)

        # bookkeeping for the next tick
        if cmd.run:
            self.last_run_direction = cmd.direction
            self.standstill_since_s = None
        elif seen is not None and seen.belt_kmh <= self.site.standstill_kmh:
            if self.standstill_since_s is None:
                self.standstill_since_s = now_s
        else:
            self.standstill_since_s = None
        self.prev_command, self.prev_state, self.prev_t_s = cmd, state, now_s
        if status is not None:
            self.prev_status = status

    def _check_heart_rate(self, state: str, cmd: DriveCommand, now_s: float, where: str) -> None:
        """S13 from the outside: the raw reading against the limit and the clock."""
        c = self.controller
        if c.hr_input == "none":
            assert c.heart_rate_bpm is None, f"S13 a heart rate without a source: {where}"
            return
        cfg = self.site.heart_rate
        raw = c.raw_heart_rate_bpm
        plausible = raw is not None and cfg.plausible_min_bpm <= raw <= cfg.plausible_max_bpm
        # a lost or implausible reading never reads as a heart rate, least of all a low one
        assert c.heart_rate_bpm is None or (plausible and c.heart_rate_bpm == raw), \
            f"S13 heart rate {c.heart_rate_bpm} from the reading {raw}: {where}"
        if plausible:
            self.hr_valid_s = now_s
        limit = c.max_hr_bpm
        was_in_use = self.prev_state in HR_IN_USE
        above_s = self.hr_above.hold(plausible and limit is not None and raw >= limit and was_in_use, now_s)
        grace_s = HR_JUMP_WINDOW_S + 2 * DT_S + EPS  # a jump is not believed for up to 1 s
        if above_s > cfg.limit_hold_s + grace_s:
            assert state not in HR_IN_USE, f"S13 heart rate {raw} over the limit {limit} for {above_s:.1f} s: {where}"
        lost_s = now_s - self.hr_valid_s
        if (limit is not None or c.hr_guided) and lost_s > cfg.lost_after_s + cfg.lost_stop_after_s + grace_s:
            assert state not in HR_IN_USE, f"S13 heart rate lost for {lost_s:.1f} s, still running: {where}"
        step = c.step
        if state == S.RUNNING and c.hr_guided and c.speed_override_kmh is None:
            cap_kmh = c.profile.max_kmh(step.direction)
            assert step.speed_kmh - EPS <= c.target_kmh <= min(step.max_speed_kmh, cap_kmh) + EPS, \
                f"S13 HR-guided target {c.target_kmh} outside [{step.speed_kmh}, {step.max_speed_kmh}]: {where}"
            assert not cmd.run or cmd.direction is step.direction, f"S13 HR-guided step changed direction: {where}"

    def _check_plausibility(self, status: DriveStatus, prev: DriveCommand, state: str, now_s: float,
                            where: str) -> None:
        mon = self.site.monitor
        # against the command the drive was following (last tick's), as the controller does
        excess = status.belt_kmh - prev.speed_kmh
        unlatched_before = self.prev_state not in S.LATCHED
        over_s = self.over.hold(unlatched_before and excess > mon.overspeed_margin_kmh + 0.05, now_s)
        hard_s = self.hard.hold(unlatched_before and excess > mon.overspeed_hard_margin_kmh + 0.05, now_s)
        under_s = self.under.hold(unlatched_before and -excess > mon.underspeed_margin_kmh + 0.05, now_s)
        commanded = prev.direction if prev.run else self.last_run_direction
        wrong_way = (unlatched_before and status.belt_kmh > mon.direction_mismatch_kmh + 0.05
                     and commanded is not NONE and status.direction is not commanded)
        mismatch_s = self.mismatch.hold(wrong_way, now_s)
        grace = 2 * DT_S + EPS
        for held_s, limit_s, name in ((over_s, mon.overspeed_time_s, "overspeed"),
                                      (hard_s, mon.overspeed_hard_time_s, "hard overspeed"),
                                      (under_s, mon.underspeed_time_s, "underspeed"),
                                      (mismatch_s, mon.direction_mismatch_time_s, "direction mismatch")):
            if held_s > limit_s + grace:
                assert state in S.LATCHED, f"S10 {name} for {held_s:.2f} s not latched: {where}"
