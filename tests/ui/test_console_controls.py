"""Pilot tests of every console control. They assert on the controller's state (and the
simulated world's), not only on what the screen says. The control loop runs on a SimClock
that each test steps (`run`), so nothing depends on wall time."""

from __future__ import annotations

import pytest

from console_harness import PIN, SHIPPED_DIR, make_app, make_engine, run
from controller import states as S
from drivers.base import Direction
from ui.console.screens.dialogs import ArmReverseDialog, HelpDialog, PinDialog, QuitDialog, SessionsDialog
from ui.console.screens.lock import LockScreen
from ui.console.screens.main import MainScreen
from ui.console.screens.picker import ProgramPicker
from ui.console.screens.simulator import SimulatorPanel

FORWARD = SHIPPED_DIR / "forward-classic.toml"
SIZE = (80, 24)


def message(app) -> str:
    return app.message[0]


async def started(pilot, seconds: float = 8.0) -> None:
    """Press start and run past the countdown."""
    await pilot.press("s")
    await run(pilot, seconds)


async def open_app(app, pilot) -> None:
    await app.engine.open()
    app.poll()
    await pilot.pause()


# ---- start, pause, resume, stop ------------------------------------------------------------
async def test_start_pause_resume_stop(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("s")
        await run(pilot, 1.0)
        assert c.state == S.COUNTDOWN
        await run(pilot, 6.0)
        assert c.state == S.RUNNING and c.direction is Direction.FORWARD and c.command_kmh > 0
        await pilot.press("p")
        await run(pilot, 10.0)
        assert c.state == S.PAUSED and c.command_kmh == 0.0
        await pilot.press("p")
        await run(pilot, 1.0)
        assert c.state == S.COUNTDOWN  # resume goes through a fresh countdown (S6)
        await run(pilot, 5.0)
        assert c.state == S.RUNNING
        await pilot.press("x")
        await run(pilot, 15.0)
        assert c.state == S.IDLE and c.status.belt_kmh == 0.0
        assert "operator stop" in (c.stop_reason or "")


# ---- e-stop: one key, every screen, every dialog -----------------------------------------------
@pytest.mark.parametrize("opener, screen", [
    ("question_mark", HelpDialog), ("o", ProgramPicker), ("i", SimulatorPanel), ("q", QuitDialog),
    ("v", SessionsDialog),
])
async def test_estop_key_works_inside_every_dialog(pins, sessions, opener, screen):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins, sessions=sessions)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        assert c.state == S.RUNNING
        await pilot.press(opener)
        assert isinstance(app.screen, screen)
        await pilot.press("space")
        await run(pilot, 0.1)
        assert c.state == S.ESTOP
        assert "e-stop pressed" in c.stop_reason
        await run(pilot, 5.0)
        assert c.status.belt_kmh == 0.0


async def test_estop_key_works_in_the_arm_dialog_and_the_pin_dialog(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ArmReverseDialog)
        await pilot.press("space")
        await run(pilot, 0.1)
        assert c.state == S.ESTOP
        await pilot.press("escape")
        app.push_screen(PinDialog("test", app.check_pin))
        await pilot.pause()
        await pilot.press("1", "space")  # typing in a PIN field: space still stops
        await run(pilot, 0.1)
        assert c.latched and c.state == S.ESTOP


async def test_estop_key_works_on_the_locked_screen(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("space")
        await run(pilot, 0.1)
        assert engine.controller.state == S.ESTOP


async def test_estop_button(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.click("#estop-button")
        await run(pilot, 0.1)
        assert engine.controller.state == S.ESTOP


# ---- reset -------------------------------------------------------------------------------------
async def test_reset_is_refused_while_the_key_is_out_and_names_the_cause(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        app.inject("key-out")
        await run(pilot, 6.0)
        assert c.state == S.ESTOP and c.status.belt_kmh == 0.0
        await pilot.press("r")
        await run(pilot, 0.5)
        assert c.state == S.ESTOP  # refused: the key is still out (S7)
        assert "safety key is out" in message(app)
        panel = app.screen.query_one("#step")
        assert "safety key is out" in str(panel.render())
        app.inject("key-in")
        await run(pilot, 0.2)
        await pilot.press("r")
        await run(pilot, 0.2)
        assert c.state == S.IDLE and not c.latched
        await run(pilot, 3.0)
        assert c.command_kmh == 0.0  # reset alone never moves the belt


# ---- reverse -------------------------------------------------------------------------------------
async def test_arm_reverse_then_start_runs_in_reverse(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ArmReverseDialog)
        await pilot.press("enter")  # nothing ticked: refused
        assert isinstance(app.screen, ArmReverseDialog)
        await pilot.press("h", "i", "enter")
        assert isinstance(app.screen, MainScreen)
        await run(pilot, 0.1)
        assert c.reverse_armed
        await started(pilot, 8.0)
        assert c.state == S.RUNNING and c.direction is Direction.REVERSE
        assert c.status.direction is Direction.REVERSE


async def test_start_of_a_reverse_program_asks_to_arm_and_cancel_arms_nothing(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("s")
        assert isinstance(app.screen, ArmReverseDialog)
        await pilot.press("h", "escape")
        await run(pilot, 5.0)
        assert not c.reverse_armed and c.state == S.IDLE and c.command_kmh == 0.0


async def test_start_in_reverse_without_the_harness_is_refused_by_the_controller(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        app.inject("harness-off")
        await pilot.press("a", "h", "i", "enter")
        await run(pilot, 0.1)
        await pilot.press("s")
        await run(pilot, 5.0)
        assert c.state == S.IDLE and c.command_kmh == 0.0
        assert "harness" in message(app)


async def test_disarm_reverse(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("a", "h", "i", "enter")
        await run(pilot, 0.1)
        assert engine.controller.reverse_armed
        await pilot.press("a")
        await run(pilot, 0.1)
        assert not engine.controller.reverse_armed


# ---- speed and incline ------------------------------------------------------------------------------
async def test_speed_keys_respect_the_caps(pins):
    engine = make_engine(None, profile="rehab")  # manual mode: reverse cap 3.0, start 0.5
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("a", "h", "i", "enter")
        await run(pilot, 0.1)
        await pilot.press("d")
        await run(pilot, 0.1)
        await started(pilot, 5.0)
        assert c.state == S.RUNNING and c.direction is Direction.REVERSE
        for _ in range(40):
            await pilot.press("up")
        await run(pilot, 0.1)
        assert c.manual_target_kmh == pytest.approx(c.profile.reverse_max_kmh)
        peak = 0.0
        for _ in range(30):
            await run(pilot, 1.0)
            peak = max(peak, c.command_kmh)
        assert peak <= c.profile.reverse_max_kmh + 1e-9
        assert c.status.belt_kmh == pytest.approx(3.0, abs=0.2)
        for _ in range(40):
            await pilot.press("down")
        await run(pilot, 0.1)
        assert c.manual_target_kmh == pytest.approx(c.profile.start_speed_kmh)
        await pilot.press("up")
        await run(pilot, 0.1)
        assert c.manual_target_kmh == pytest.approx(c.profile.start_speed_kmh + 0.1)


async def test_incline_keys_stay_within_limits(pins):
    engine = make_engine(None, profile="rehab")  # incline max 10 %
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot, 5.0)
        for key in ("pageup", "pageup", "right_square_bracket"):
            await pilot.press(key)
            await run(pilot, 0.02)
        assert c.incline_target_pct == pytest.approx(1.5)
        for _ in range(25):
            await pilot.press("pageup")
            await run(pilot, 0.02)
        assert c.incline_target_pct == pytest.approx(c.profile.incline_max_pct)
        for _ in range(25):
            await pilot.press("pagedown")
            await run(pilot, 0.02)
        assert c.incline_target_pct == 0.0


async def test_direction_key_needs_manual_mode_and_arming(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("d")
        await run(pilot, 0.1)
        assert "program sets the direction" in message(app)
    engine = make_engine(None)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("d")
        await run(pilot, 0.1)
        assert engine.controller.manual_direction is Direction.FORWARD  # the controller refused
        assert "reverse is not armed" in message(app)


# ---- quit ----------------------------------------------------------------------------------------------
async def test_quit_brings_the_belt_to_a_stop_first(pins, sessions):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins, sessions=sessions)
    c = engine.controller
    world = engine.drive.world
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot, 20.0)
        assert c.status.belt_kmh > 3.0
        await pilot.press("q")
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("y")
        await run(pilot, 0.5)
        assert app.is_running  # still here while the belt slows
        assert c.state == S.STOPPING
        for _ in range(20):
            if not app.is_running:
                break
            await run(pilot, 1.0)
    assert not app.is_running
    assert c.state == S.IDLE and c.command_kmh == 0.0 and c.status.belt_kmh <= 0.05
    await engine.advance(2.0, ui_alive=False)  # what stop() does after the console has gone
    assert world.belt.velocity_mps == 0.0 and not world.belt.enabled


async def test_quit_can_be_cancelled(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.press("q", "n")
        await run(pilot, 1.0)
        assert isinstance(app.screen, MainScreen) and engine.controller.state == S.RUNNING


# ---- lock and PIN -----------------------------------------------------------------------------------------
async def test_lock_and_unlock(pins, sessions, programs):
    engine = make_engine(programs / "reverse-first.toml", sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("a", "h", "i", "enter")
        await started(pilot, 10.0)
        assert c.state == S.RUNNING
        await pilot.press("l")
        assert isinstance(app.screen, MainScreen)  # not while the belt runs
        assert "Stop the belt" in message(app)
        await pilot.press("x")
        await run(pilot, 10.0)
        await pilot.press("l")
        assert isinstance(app.screen, LockScreen)
        await run(pilot, 0.1)
        assert not c.reverse_armed  # a new session arms afresh (S2)
        await pilot.press("s", "o", "a")  # nothing but the PIN works here
        await run(pilot, 5.0)
        assert c.state == S.IDLE and isinstance(app.screen, LockScreen)
        await pilot.press(*PIN, "enter")
        assert isinstance(app.screen, MainScreen)
        await run(pilot, 0.1)
    summaries = list(sessions.glob("*.summary.json"))
    assert len(summaries) == 1 and len(list(sessions.glob("*.trace.jsonl"))) == 1


async def test_a_wrong_pin_is_refused_and_rate_limited(pins, wall):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        assert isinstance(app.screen, LockScreen)
        for _ in range(3):
            await pilot.press("1", "1", "1", "1", "enter")
            assert isinstance(app.screen, LockScreen)
        shown = str(app.screen.query_one("#lock-message").render())
        assert "try again in 30 s" in shown
        await pilot.press(*PIN, "enter")  # the right PIN, but within the wait: refused
        assert isinstance(app.screen, LockScreen)
        wall.t_s += 31
        await pilot.press(*PIN, "enter")
        assert isinstance(app.screen, MainScreen)


async def test_program_complete_ends_the_session_and_locks(pins, sessions, programs):
    engine = make_engine(programs / "short.toml", sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot, 25.0)
        await run(pilot, 0.1)
        assert isinstance(app.screen, LockScreen)
        await run(pilot, 0.1)
        assert engine.controller.state == S.IDLE
        assert not engine.controller.program_complete  # reloaded for the next session
        summary = app.last_summary
        assert summary["program_complete"] and summary["end_reason"] == "program complete"


async def test_idle_session_locks_after_the_idle_time(pins, sessions):
    engine = make_engine(FORWARD, sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    app.idle_lock_s = 20.0
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.press("x")
        for _ in range(40):
            await run(pilot, 1.0)
        assert isinstance(app.screen, LockScreen)


async def test_without_a_pin_the_console_says_so_and_offers_one(tmp_path, wall):
    from console_harness import make_pins

    store = make_pins(tmp_path / "none.json", pin=None, wall=wall)
    engine = make_engine(FORWARD)
    app = make_app(engine, store, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        assert isinstance(app.screen, MainScreen)  # nothing to unlock with
        assert "No operator PIN" in message(app)
        await pilot.press("l")
        assert isinstance(app.screen, PinDialog)
        await pilot.press("1", "3", "5", "7", "enter", "1", "3", "5", "7", "enter")
        await run(pilot, 0.1)
        assert store.exists() and store.verify("1357").ok
        assert isinstance(app.screen, LockScreen)


# ---- programs and profiles ------------------------------------------------------------------------------------
async def test_program_picker_loads_a_program(pins, programs):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins, program_dirs=[SHIPPED_DIR, programs])
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, ProgramPicker)
        labels = [e.label for e in picker.entries]
        assert "Knee rehab, backward walking" in labels and "Test: short walk" in labels
        await pilot.press("home")
        while picker._entry().label != "Knee rehab, backward walking":
            await pilot.press("down")
        assert picker._profile() == "rehab"
        assert picker.query_one("#picker-steps").row_count == len(picker._entry().program.steps)
        await pilot.press("enter")
        await run(pilot, 0.1)
        c = engine.controller
        assert c.program.name == "Knee rehab, backward walking" and c.profile.name == "rehab"


async def test_program_over_the_profile_cap_cannot_be_loaded(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("o")
        picker = app.screen
        while picker._entry().label != "Athlete backward running intervals":
            await pilot.press("down")
        await pilot.press("tab")
        while picker._profile() != "fitness":
            await pilot.press("down")
        assert "would loosen" in str(picker.query_one("#picker-verdict").render())
        await pilot.press("enter")
        assert isinstance(app.screen, ProgramPicker)  # refused
        await pilot.press("escape")
        await run(pilot, 0.1)
        assert engine.controller.program.name == "Classic walk/jog intervals"


async def test_athlete_profile_needs_the_operator_pin(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        for pin, loaded in (("1111", False), (PIN, True)):
            await pilot.press("o")
            picker = app.screen
            while picker._entry().label != "Athlete backward running intervals":
                await pilot.press("down")
            assert picker._profile() == "athlete"
            await pilot.press("enter")
            assert isinstance(app.screen, PinDialog)
            await pilot.press(*pin, "enter")
            if not loaded:
                await pilot.press("escape")
            await run(pilot, 0.1)
            assert (c.profile.name == "athlete") is loaded


async def test_session_end_drops_the_athlete_profile(pins, sessions):
    engine = make_engine(SHIPPED_DIR / "athlete-backward-running.toml", profile="athlete", sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("a", "h", "i", "enter")
        await started(pilot)
        assert engine.controller.state == S.RUNNING
        await pilot.press("x")
        await run(pilot, 20.0)
        await pilot.press("l")
        await run(pilot, 0.1)
        assert isinstance(app.screen, LockScreen)
        assert engine.controller.profile.name != "athlete"
        assert not engine.controller.profile.requires_authorization


# ---- simulator panel, help, sessions ---------------------------------------------------------------------
@pytest.mark.parametrize("key, check", [
    ("k", lambda w: not w.sensors.safety_key),
    ("h", lambda w: not w.sensors.harness_clipped),
    ("c", lambda w: not w.comms_ok),
    ("t", lambda w: w.belt.fault_code != 0),
    ("f", lambda w: w.person_fallen),
])
async def test_simulator_panel_injects(pins, key, check):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.press("i", key)
        await run(pilot, 0.1)
        assert check(engine.drive.world)
        await run(pilot, 2.0)
        assert engine.controller.state in (S.ESTOP, S.FAULT) or key == "h"


async def test_simulator_panel_toggles_back_and_sets_heart_rate(pins):
    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    world = engine.drive.world
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        rest_bpm = world.sensors.heart_rate_bpm  # the simulated person's heart, at rest
        await pilot.press("i", "k")
        await run(pilot, 0.1)
        assert not world.sensors.safety_key
        await pilot.press("k", "plus", "plus")
        await run(pilot, 0.1)
        assert world.sensors.safety_key
        assert world.sensors.heart_rate_bpm == rest_bpm + 10  # both presses saw the resting rate
        await pilot.press("plus")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm + 20
        assert engine.controller.snapshot().heart_rate_bpm == rest_bpm + 20
        await pilot.press("n")  # the strap's signal is lost, then comes back
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm is None and engine.controller.snapshot().heart_rate_bpm is None
        assert "strap LOST" in str(app.screen.query_one("#sim-world").render())
        await pilot.press("n")
        await run(pilot, 0.1)
        assert world.sensors.heart_rate_bpm == rest_bpm + 20
        assert engine.controller.snapshot().heart_rate_bpm == rest_bpm + 20


async def test_help_lists_every_key(pins):
    from ui.console.keys import MAIN, SIMULATOR

    engine = make_engine(FORWARD)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-table")
        helps = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        for key in (*MAIN, *SIMULATOR):
            assert key.help in helps
        assert any("EMERGENCY STOP" in h for h in helps)


async def test_sessions_dialog_lists_the_last_sessions(pins, sessions):
    engine = make_engine(FORWARD, sessions=sessions)
    app = make_app(engine, pins, sessions=sessions)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot)
        await started(pilot)
        await pilot.press("x")
        await run(pilot, 15.0)
        await pilot.press("l")
        await run(pilot, 0.5)
        await pilot.press(*PIN, "enter")
        engine.recorder.close()  # flush the writer thread
        await pilot.press("v")
        table = app.screen.query_one("#sessions-table")
        row = table.get_row_at(0)
        assert row[1] == "Classic walk/jog intervals" and row[6] == "operator locked"
