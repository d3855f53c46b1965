"""A program's true length (controller/duration.py): the parts of the timeline, and the time left
as the real controller runs against the real simulator, tick by tick on simulated time."""

from __future__ import annotations

import random

import pytest

from controller import states as S
from controller.clock import SimClock
from controller.commands import Command, Op
from controller.core import Controller
from controller.duration import cached_timeline, end_speed_kmh, program_duration_s, settle_s, time_left_s, timeline
from controller.limits import load_site_config
from controller.program import parse_program
from controller.ramps import stopping_time_s
from drivers.base import Direction
from sim.drive import from_url
from ui.session.view import TickView

SITE = load_site_config()
FITNESS = SITE.profile("fitness")
DT_S = 1.0 / SITE.control_rate_hz


def program(*steps, profile: str = "fitness"):
    """A program from (direction, speed_kmh, duration_s[, to_speed_kmh]) tuples."""
    items = []
    for direction, speed, duration, *to in steps:
        item = {"direction": direction, "speed_kmh": speed, "duration_s": duration}
        if to:
            item["to_speed_kmh"] = to[0]
        items.append(item)
    return parse_program({"name": "timed", "profile": profile, "steps": items})


# --- the parts -----------------------------------------------------------------------------------

def test_the_parts_of_a_timeline():
    """Countdown first; nothing between steps one way; a change costs the ramp down from the speed
    reached, the settle, the dwell and the countdown; the last ramp down ends it."""
    prog = program(("forward", 3.0, 60), ("reverse", 1.5, 30), ("reverse", 2.0, 30), ("forward", 3.0, 60))
    line = timeline(prog, FITNESS)
    decel = FITNESS.decel_mps2
    assert line.steps_s == (60, 30, 30, 60)
    assert line.before_s[0] == FITNESS.countdown_s
    assert line.before_s[2] == 0.0
    pause_s = settle_s(decel) + FITNESS.dwell_s + FITNESS.countdown_s
    assert line.before_s[1] == pytest.approx(stopping_time_s(3.0, decel) + pause_s)
    assert line.before_s[3] == pytest.approx(stopping_time_s(2.0, decel) + pause_s)
    assert line.end_s == pytest.approx(stopping_time_s(3.0, decel) + settle_s(decel))
    assert line.total_s == pytest.approx(sum(line.before_s) + sum(line.steps_s) + line.end_s)
    assert line.extra_s == pytest.approx(line.total_s - 180)
    assert line.after_s[-1] == line.end_s
    assert line.after_s[0] == pytest.approx(line.total_s - line.before_s[0] - 60)
    assert program_duration_s(prog, FITNESS) == line.total_s


def test_the_settle_grows_with_the_deceleration():
    assert 0.05 < settle_s(0.35) < settle_s(0.6) < settle_s(0.8) < 0.25
    assert settle_s(0.1) == 0.0  # a belt that slow behind is at standstill as the command is


def test_a_short_step_ends_below_its_speed_and_a_progression_at_its_end():
    forward = parse_program({"name": "s", "steps": [
        {"direction": "forward", "speed_kmh": 10.0, "duration_s": 2},
        {"direction": "forward", "speed_kmh": 2.0, "to_speed_kmh": 5.0, "duration_s": 120},
        {"direction": "forward", "speed_kmh": 2.0, "duration_s": 1},
    ]}).steps
    start = FITNESS.start_speed_kmh
    reached = start + FITNESS.accel_forward_mps2 * 3.6 * 2
    assert end_speed_kmh(forward[0], start, FITNESS) == pytest.approx(reached)
    assert end_speed_kmh(forward[1], reached, FITNESS) == 5.0
    assert end_speed_kmh(forward[2], 5.0, FITNESS) == pytest.approx(5.0 - FITNESS.decel_mps2 * 3.6)


def test_an_hr_guided_step_is_taken_at_its_minimum():
    guided = parse_program({"name": "hr", "steps": [{"direction": "reverse", "target_hr_bpm": 120,
                                                     "min_speed_kmh": 1.5, "max_speed_kmh": 3.0,
                                                     "duration_s": 300}]})
    assert end_speed_kmh(guided.steps[0], FITNESS.start_speed_kmh, FITNESS) == 1.5
    assert timeline(guided, FITNESS).end_s == pytest.approx(stopping_time_s(1.5, FITNESS.decel_mps2)
                                                            + settle_s(FITNESS.decel_mps2))


def test_the_timeline_is_remembered_per_program_and_profile():
    prog = program(("forward", 3.0, 10))
    assert cached_timeline(prog, FITNESS) is cached_timeline(prog, FITNESS)
    assert cached_timeline(prog, SITE.profile("rehab")) != cached_timeline(prog, FITNESS)


# --- against the controller and the simulator ----------------------------------------------------

class Run:
    """The real Controller against the in-process simulator, one tick at a time on a SimClock."""

    def __init__(self, prog, profile_name: str) -> None:
        self.clock = SimClock()
        profile = SITE.profile(profile_name)
        self.drive = from_url("sim://", clock=self.clock, site=SITE, estop_decel_mps2=profile.estop_decel_mps2)
        self.drive.configure_stop_now(profile.estop_decel_mps2)
        self.c = Controller(SITE, profile, prog, allow_reverse=True, drive_stop_decel_mps2=profile.estop_decel_mps2)
        self.ticks = 0

    def tick(self) -> None:
        self.clock.advance_to(self.ticks * DT_S)
        command = self.c.update(self.drive.read_now(), self.clock.now_s())
        self.drive.write_now(command)
        self.c.drain_events()
        self.ticks += 1

    def submit(self, op: Op) -> None:
        self.c.submit(Command(op, source="test"))

    @property
    def done(self) -> bool:
        return self.c.program_complete and self.c.state == S.IDLE


def alternating(seed: int, profile_name: str, count: int):
    """Short steps, a change of direction at almost every one: where the extras count most."""
    rng = random.Random(seed)
    profile = SITE.profile(profile_name)
    steps, direction = [], Direction.FORWARD
    for _ in range(count):
        direction = Direction.REVERSE if direction is Direction.FORWARD or rng.random() < 0.2 else Direction.FORWARD
        cap_kmh = min(profile.max_kmh(direction), 6.0)
        speed = round(rng.uniform(profile.start_speed_kmh, cap_kmh), 2)
        step = (direction.value, speed, rng.choice([3, 5, 8]))
        if rng.random() < 0.3:
            step += (round(rng.uniform(profile.start_speed_kmh, cap_kmh), 2),)
        steps.append(step)
    return program(*steps, profile=profile_name)


@pytest.mark.parametrize("profile_name", ["rehab", "fitness", "athlete"])
def test_time_left_foretells_the_end_at_every_tick(profile_name):
    """From the start command to standstill, now + time left stays within a few ticks of when the
    run really ends, through every countdown, ramp, dwell and step; the total is the run's length."""
    prog = alternating(seed=len(profile_name), profile_name=profile_name, count=20)
    run = Run(prog, profile_name)
    view = TickView(run.c, 0.0)  # what a sink sees (the progress line of a real-time run)
    run.submit(Op.START)
    foretold, view_agrees = [], True
    while not run.done:
        run.tick()
        if (left_s := time_left_s(run.c)) is not None:
            foretold.append(run.clock.now_s() + left_s)
        view.now_s = run.clock.now_s()
        if run.c.state != S.REVERSING or run.c.reverse_phase == "countdown" or run.c.command_kmh > 0:
            view_agrees &= time_left_s(view) == left_s  # (it has no standstill time of its own)
        assert run.clock.now_s() < 1000, "the program never ended"
    end_s = run.clock.now_s()
    assert view_agrees, "a session's TickView gives the controller's time left"
    changes = sum(a.direction is not b.direction for a, b in zip(prog.steps, prog.steps[1:]))
    assert changes >= 14
    # a few hundredths of a second per change (ticks, the belt's noise at standstill) add up
    tolerance_s = 0.005 * end_s
    assert program_duration_s(prog, SITE.profile(profile_name)) == pytest.approx(end_s, abs=tolerance_s)
    assert max(abs(t - end_s) for t in foretold) < tolerance_s


def test_time_left_holds_while_paused_and_counts_the_countdown_to_come():
    prog = program(("forward", 3.0, 20), ("reverse", 2.0, 20))
    run = Run(prog, "fitness")
    run.submit(Op.START)
    while run.c.state != S.RUNNING or run.c.step_elapsed_s < 5.0:
        run.tick()
    run.submit(Op.PAUSE)
    for _ in range(round(10 / DT_S)):  # the ramp down, then 10 s held
        run.tick()
    assert run.c.state == S.PAUSED
    held_s = time_left_s(run.c)
    for _ in range(round(5 / DT_S)):
        run.tick()
    assert time_left_s(run.c) == held_s  # nothing counts down while paused
    snap = run.c.snapshot()  # what the console's "Left" shows
    assert snap.program_left_s == held_s and snap.step_left_s == pytest.approx(20 - run.c.step_elapsed_s)
    line = timeline(prog, SITE.profile("fitness"))
    step_left_s = 20 - run.c.step_elapsed_s
    assert held_s == pytest.approx(step_left_s + line.after_s[0] + FITNESS.countdown_s)
    run.submit(Op.RESUME)
    foretold = []
    while not run.done:
        run.tick()
        foretold.append(run.clock.now_s() + time_left_s(run.c) if not run.c.program_complete else None)
    end_s = run.clock.now_s()
    assert max(abs(t - end_s) for t in foretold if t is not None) < 0.005 * end_s


def test_no_time_left_without_a_program_or_after_it():
    c = Controller(SITE, FITNESS, None)
    assert time_left_s(c) is None
    done = Run(program(("forward", 2.0, 2)), "fitness")
    done.submit(Op.START)
    while not done.done:
        done.tick()
    assert time_left_s(done.c) is None
