"""Pilot tests of issue 7's console part: the countdown names the coming direction and speed
(S14), a fall-stop trip puts the person first and asks for the arming checks again (S8),
nothing hides the speed and the direction while the belt moves, a direction key that cannot
act is refused in words, and the simulator panel's arrow keys set the heart rate."""

from __future__ import annotations

import pytest

from console_harness import SHIPPED_DIR, make_app, make_engine, run
from controller import states as S
from drivers.base import Direction
from ui.console.screens.dialogs import ArmReverseDialog, Dialog
from ui.console.screens.main import MainScreen
from ui.console.widgets.eventlog import EventLog

FORWARD = SHIPPED_DIR / "forward-classic.toml"
SIZE = (80, 24)


def shown(app, selector: str) -> str:
    """The text a widget of the main screen shows (whatever screen is on top)."""
    main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    return str(main.query_one(selector).render())


def logged(app) -> str:
    main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    return " ".join(" ".join(strip.text for strip in main.query_one(EventLog).lines).split())  # unwrapped


async def open_app(app, pilot) -> None:
    await app.engine.open()
    app.poll()
    await pilot.pause()


async def arm(pilot, *checks: str) -> None:
    await pilot.press("a", *(checks or ("h", "i")), "enter")
    await run(pilot, 0.1)


# ---- 1. the countdown: which way, how fast, when ----------------------------------------------
async def test_the_first_countdown_shows_the_coming_direction_and_speed(pins):
    engine = make_engine(None)  # manual mode
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("d")
        await run(pilot, 0.1)
        await pilot.press("s")
        await run(pilot, 0.1)
        assert engine.controller.state == S.COUNTDOWN
        assert "Starting BACKWARD at 0.8 km/h in 3" in shown(app, "#countdown-start")


async def test_a_direction_change_counts_down_to_the_start_speed_not_the_old_speed(pins):
    """Issue 7 point 4: jogging forward at 7.3 km/h, D must not carry the speed backward."""
    engine = make_engine(None)
    app = make_app(engine, pins)
    c = engine.controller
    start_kmh = c.profile.start_speed_kmh
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 4.0)
        for _ in range(65):
            await pilot.press("up")
        await run(pilot, 20.0)
        assert c.state == S.RUNNING and c.status.belt_kmh > 7.0
        await pilot.press("d")
        for _ in range(60):
            await run(pilot, 0.5)
            if c.state == S.REVERSING and c.reverse_phase == "countdown":
                break
        assert c.reverse_phase == "countdown"
        text = shown(app, "#countdown-start")
        assert f"Starting BACKWARD at {start_kmh:.1f} km/h in" in text and "7." not in text
        await run(pilot, 4.0)
        assert c.state == S.RUNNING and c.direction is Direction.REVERSE
        assert c.manual_target_kmh == pytest.approx(start_kmh)  # S14: nothing carried across
        await run(pilot, 10.0)
        assert c.status.belt_kmh < start_kmh + 0.3  # no backward run at the reverse cap


async def test_a_program_direction_change_shows_the_start_speed(pins):
    engine = make_engine(SHIPPED_DIR / "beginner-retro-walk.toml")
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 157.5)
        assert engine.controller.state == S.REVERSING
        assert "Starting BACKWARD at 0.8 km/h in 3" in shown(app, "#countdown-start")


# ---- 2. a fall-stop trip: the person first, then the checklist again ------------------------------
async def test_a_fall_stop_trip_asks_for_the_person_first_and_the_checks_again(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 8.0)
        assert c.state == S.RUNNING and c.direction is Direction.REVERSE
        app.inject("fall")
        await run(pilot, 0.5)
        assert c.state == S.ESTOP and not c.reverse_armed
        assert "check the person first" in app.message[0].lower()
        assert "reverse DISARMED by the fall-stop" in logged(app)
        await run(pilot, 5.0)
        assert "CHECK THE PERSON FIRST" in shown(app, "#step")
        assert "No cause present" not in shown(app, "#step")
        await pilot.press("r")
        await run(pilot, 0.5)
        assert c.state == S.IDLE
        assert "check the person first" in app.message[0].lower()
        await run(pilot, 5.0)
        assert not c.reverse_armed  # the console never re-arms by itself
        await pilot.press("s")  # a reverse program: the arming dialog, now with the person
        assert isinstance(app.screen, ArmReverseDialog)
        assert app.screen.query("#person")
        await pilot.press("h", "i", "enter")  # harness and instruction are not enough
        assert isinstance(app.screen, ArmReverseDialog)
        await run(pilot, 0.5)
        assert not c.reverse_armed and c.state == S.IDLE
        await pilot.press("p", "enter")
        assert isinstance(app.screen, MainScreen)
        await run(pilot, 0.5)
        assert c.reverse_armed and c.state == S.COUNTDOWN
        await pilot.press("x")
        await run(pilot, 1.0)
        await pilot.press("a")  # disarm
        await run(pilot, 0.1)
        await pilot.press("a")  # and arm again: no fall since, so no person box
        assert isinstance(app.screen, ArmReverseDialog) and not app.screen.query("#person")


# ---- 3. nothing hides the speed and the direction while the belt moves ------------------------------
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("opener", ["v", "o", "i", "question_mark", "q", "a"])
async def test_no_dialog_covers_the_banner_or_the_speed_while_the_belt_moves(pins, sessions, size, opener):
    engine = make_engine(FORWARD, sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    c = engine.controller
    async with app.run_test(size=size) as pilot:
        await open_app(app, pilot)
        await pilot.press(opener)  # at rest: an ordinary centred dialog
        await run(pilot, 0.1)
        assert isinstance(app.screen, Dialog) and not app.screen.has_class("-docked")
        await pilot.press("escape")
        if opener == "q":
            await pilot.press("n")
        await pilot.press("s")
        await run(pilot, 12.0)
        assert c.state == S.RUNNING
        await pilot.press(opener)
        await run(pilot, 1.0)
        dialog = app.screen
        assert isinstance(dialog, Dialog) and dialog.has_class("-docked")
        main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        body = dialog.query_one(".dialog").region
        for part in ("#banner", "#speed", "#estop-button"):
            assert not body.overlaps(main.query_one(part).region), part
        assert body.bottom <= size[1]
        assert dialog.styles.background.a == 0  # the main screen shows through, undimmed
        belt = f"{c.status.belt_kmh:.1f}"
        assert main.query_one("#speed-kmh").value == belt  # still drawn live underneath
        await pilot.press("space")  # and the e-stop works
        await run(pilot, 0.1)
        assert c.state == S.ESTOP


async def test_after_an_estop_the_banner_shows_the_belt_running_down(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 12.0)
        assert c.status.belt_kmh > 1.5
        await pilot.press("space")
        await run(pilot, 0.1)
        assert c.state == S.ESTOP and c.status.belt_kmh > 0.3
        assert "belt still moving REVERSE" in shown(app, "#banner")
        main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        assert main.query_one("#speed-kmh").value == f"{c.status.belt_kmh:.1f}"
        await run(pilot, 5.0)
        assert "still moving" not in shown(app, "#banner")


# ---- 4. a direction key that cannot act is refused, in words -----------------------------------------
@pytest.mark.parametrize("when", ["countdown", "paused", "reversing"])
async def test_a_direction_key_that_cannot_act_is_refused_visibly(pins, when):
    engine = make_engine(None)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 0.5 if when == "countdown" else 8.0)
        if when == "paused":
            await pilot.press("p")
            await run(pilot, 1.0)
        elif when == "reversing":
            await pilot.press("d")  # running forward: this one acts, a reversal begins
            await run(pilot, 0.5)
        assert c.state == when
        chosen = c.manual_direction
        await pilot.press("d")
        await run(pilot, 0.1)
        assert c.manual_direction is chosen  # the refusal stores nothing
        text = app.message[0]
        assert text.startswith(f"Direction not changed (still {c.upcoming_direction.value.upper()})"), text
        assert "Set_direction" not in text
        assert "Direction not changed" in logged(app) and "set_direction" not in logged(app)
        assert c.upcoming_direction.value.upper() in shown(app, "#banner")


async def test_a_refused_direction_key_leaves_the_next_start_as_shown(pins):
    engine = make_engine(None)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await arm(pilot)
        await pilot.press("s")
        await run(pilot, 0.5)
        await pilot.press("d")  # refused during the countdown
        await run(pilot, 5.0)
        assert c.state == S.RUNNING and c.direction is Direction.FORWARD
        assert "FORWARD" in shown(app, "#banner")


# ---- 5. the simulator panel's arrow keys ---------------------------------------------------------------
async def test_simulator_panel_arrow_keys_set_the_heart_rate(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    world = engine.drive.world
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        rest_bpm = world.sensors.heart_rate_bpm  # the simulated person's heart, at rest
        assert rest_bpm is not None
        await pilot.press("i", "up")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm + 10
        await pilot.press("up")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm + 20
        await pilot.press("down", "down")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm + 10  # both presses saw +20: the frame had not come yet
        await pilot.press("down")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm
        assert engine.controller.snapshot().heart_rate_bpm == rest_bpm


async def test_a_refused_start_does_not_hide_why_the_belt_stopped(pins):
    """Issue 7 point 7: the stop reason shown stays the cause, not the later refusal."""
    engine = make_engine(None)  # manual mode: the step panel shows the stop reason
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("s")
        await run(pilot, 8.0)
        await pilot.press("x")
        await run(pilot, 10.0)
        app.inject("key-out")
        await run(pilot, 0.2)
        await pilot.press("s")
        await run(pilot, 0.2)
        assert app.message[0].startswith("Not started: ") and "key" in app.message[0]
        assert "operator stop" in shown(app, "#step")
        assert "operator stop" in engine.controller.stop_reason
