"""The live progress line of a real-time `retrotread run` (what a non-terminal stream gets)."""

import io
import re

from controller.commands import Command, Op
from controller.core import Controller
from controller.duration import timeline
from controller.limits import load_site_config
from controller.program import load_program
from drivers.base import Direction, DriveStatus
from ui.session.progress import ProgressSink
from ui.session.view import TickView

SITE = load_site_config()
PROGRAM = load_program("config/programs/beginner-retro-walk.toml")


def after_tick(progress, view, t_s, command, events):
    """What the session host does after each tick: the events, then the view."""
    view.now_s, view.command = t_s, command
    for event in events:
        progress.on_event(event)
    progress.on_tick(view)


def test_progress_shows_events_step_direction_speed_and_time_left():
    out = io.StringIO()
    progress = ProgressSink(PROGRAM, out)
    c = Controller(SITE, SITE.profile(PROGRAM.profile), PROGRAM, allow_reverse=True, hr_input="none")  # no sensor here
    view = TickView(c, 0.0)
    c.submit(Command(Op.START))
    belt_kmh = 0.0
    for tick in range(int(20 / 0.02)):
        t_s = tick * 0.02
        command = c.update(DriveStatus(belt_kmh, c.direction if belt_kmh else Direction.NONE, belt_kmh > 0), t_s)
        belt_kmh = command.speed_kmh
        after_tick(progress, view, t_s, command, c.drain_events())
    text = out.getvalue()
    assert "idle → countdown" in text and "countdown → running" in text
    assert "step 1: Warm-up (forward, 3.0 km/h) — Walk tall" in text
    status_lines = [line for line in text.splitlines() if "program" in line and "left" in line]
    assert len(status_lines) == 2  # t=0 and t=10 s: every 10 s when not a terminal
    last = status_lines[-1]
    assert "running" in last and "FORWARD" in last and "3.0 km/h" in last
    assert "step 1/12 Warm-up (02:23 left)" in last
    # the program's true length (ramps, dwells, countdowns: controller/duration.py) less 10 s run
    expected_s = timeline(PROGRAM, c.profile).total_s - 10.0
    minutes, seconds = map(int, re.search(r"program (\d+):(\d+) left", last).groups())
    assert abs(minutes * 60 + seconds - expected_s) <= 1.0, last


def test_progress_names_the_coming_direction_and_start_speed_before_every_start():
    """S14: before the first start and before a direction change, in the console's words."""
    out = io.StringIO()
    progress = ProgressSink(PROGRAM, out)
    c = Controller(SITE, SITE.profile(PROGRAM.profile), PROGRAM, allow_reverse=True, hr_input="none")  # no sensor here
    view = TickView(c, 0.0)
    start_kmh = c.profile.start_speed_kmh
    c.submit(Command(Op.START))
    belt_kmh = 0.0
    counting_lines = []
    for tick in range(int(165 / 0.02)):
        t_s = tick * 0.02
        command = c.update(DriveStatus(belt_kmh, c.direction if belt_kmh else Direction.NONE, belt_kmh > 0), t_s)
        belt_kmh = command.speed_kmh
        after_tick(progress, view, t_s, command, c.drain_events())
        if progress.coming(view) is not None:
            counting_lines.append(progress.line(view))
    text = out.getvalue()
    assert f"Starting FORWARD at {start_kmh:.1f} km/h in 3" in text
    assert f"Starting BACKWARD at {start_kmh:.1f} km/h in 3" in text  # the reversal before step 2
    notes = [line for line in text.splitlines() if line[8:].startswith("Starting ")]
    assert len(notes) == 2  # noted once per countdown
    assert any(f"Starting BACKWARD at {start_kmh:.1f} km/h in 1" in line for line in counting_lines)
