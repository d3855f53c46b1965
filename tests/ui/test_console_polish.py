"""Issue 13, the console read from two metres away: figures and messages of the moment,
operator words, direction without colour, speed presets, sound, a screen too small said.
Pilot tests on the manual engine (SimClock); the snapshots are in test_console_snapshots.py."""

from __future__ import annotations

import sys

import pytest

from console_harness import FORWARD_CLASSIC, PIN, make_app, make_engine, run
from controller import states as S
from ui import cli
from ui.console.screens.lock import LockScreen
from ui.console.settings import load_theme
from ui.console.sound import SoundError, sound_settings
from ui.console.text import describe, refused_line, stops_line

SIZE = (80, 24)


def shown(app, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render())


async def opened(app, pilot) -> None:
    await app.engine.open()
    app.poll()
    await pilot.pause()


async def running(pilot, seconds: float = 10.0) -> None:
    await pilot.press("s")
    await run(pilot, seconds)


# ---- point 1: figures and messages belong to the session and the moment ------------------------------
async def test_the_next_session_starts_from_zero_figures(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await running(pilot, 61.0)
        assert "Elapsed 01:00" in shown(app, "#readings") and "Forward 0 m" not in shown(app, "#readings")
        await pilot.press("x")
        await run(pilot, 15.0)
        await pilot.press("l")
        await run(pilot, 0.1)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*PIN, "enter")
        await run(pilot, 0.1)
        readings = shown(app, "#readings")
        assert "Elapsed 00:00" in readings and "Forward 0 m" in readings and "≈ 0 kcal" in readings


async def test_a_message_expires_and_a_stop_replaces_the_last_one(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        app.say("Loading something.", "info")
        await run(pilot, 5.0)
        assert app.message[0] == "Loading something."
        await run(pilot, 6.0)
        assert app.message[0] == ""  # 10 s later: gone, not left over through the next actions
        await running(pilot)
        app.say("Reset done. Nothing moves until you start again.", "good")
        await pilot.press("x")
        await run(pilot, 0.1)
        assert app.message[0].startswith("Stopping (console)")
        assert "Stopping" in shown(app, "#message")


async def test_an_estop_message_stays_until_something_replaces_it(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await running(pilot)
        await pilot.press("space")
        await run(pilot, 60.0)
        assert app.message == ("E-STOP: e-stop pressed (console)", "bad")


async def test_a_speed_key_that_changes_nothing_says_why(pins):
    engine = make_engine(None, profile="rehab")  # manual mode, forward, on the rehab profile's caps
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await running(pilot, 12.0)
        snap = engine.controller.snapshot()
        assert snap.state == "running" and snap.direction == "forward"
        await pilot.press("9")
        await run(pilot, 0.1)
        cap = snap.max_forward_kmh
        assert engine.controller.snapshot().target_kmh == pytest.approx(cap)
        assert app.message == (f"Speed held at {cap:.1f} km/h: the rehab profile's cap FORWARD.", "warn")
        await pilot.press("3", "1")  # within one frame: the second preset is not computed from a stale target
        await run(pilot, 0.1)
        assert engine.controller.snapshot().target_kmh == pytest.approx(1.0)
        await pilot.press("down", "down", "down", "down", "down", "down")  # within one frame as well: they add up
        await run(pilot, 0.1)
        assert engine.controller.snapshot().target_kmh == pytest.approx(snap.start_speed_kmh)
        assert app.message[0].startswith(f"Speed held at {snap.start_speed_kmh:.1f} km/h: the lowest")


# ---- point 3: operator words, stops apart, one clock -------------------------------------------------
def test_refusals_and_states_in_operator_words():
    for command in ("adjust_incline", "reset", "stop", "estop", "unlock", "load_program", "set_direction"):
        line = refused_line(command, "why")
        assert "_" not in line and "refused" not in line.lower() or command == "estop", line
    assert describe({"event": "state", "from": "running", "to": "reversing"}) == ("running → changing direction",
                                                                                   "info")
    assert describe({"event": "refused", "command": "adjust_incline", "reason": "x"}) == ("Incline not changed: x",
                                                                                         "warn")


def test_the_lock_screens_stops_read_as_times_of_day_in_the_session():
    stops = [{"time_s": 12.0, "kind": "estop", "reason": "e-stop pressed (console)"},
             {"time_s": 237.5, "kind": "operator_stop", "reason": "operator stop (console)"}]
    assert stops_line(stops) == "2 stops; the last at 03:57: operator stop (console)"
    assert stops_line(stops[:1]) == "1 stop at 00:12: E-STOP: e-stop pressed (console)"


async def test_the_event_log_runs_on_the_sessions_clock(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(app, pilot)
        await run(pilot, 95.0)  # the console was up a while before the session
        await running(pilot, 30.0)
        log = [str(line.text) for line in app.screen.query_one("#log").lines]
        assert any(line.startswith("00:00 session started") for line in log)
        assert any(line.startswith("00:03 countdown → running") for line in log)  # not 01:38, the console's clock


# ---- point 4: direction without colour; the colour-blind-safe theme ----------------------------------
async def test_the_direction_is_a_glyph_and_a_word_beside_the_digits(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert "■ STOP" in shown(app, "#speed-kmh")
        await pilot.press("a", "h", "i", "enter", "s")
        await run(pilot, 1.0)
        assert "next ▼ REV" in shown(app, "#speed-kmh")  # the countdown: still, and which way next
        await run(pilot, 11.0)
        assert "▼ REV" in shown(app, "#speed-kmh") and "next" not in shown(app, "#speed-kmh")
        await pilot.press("space")
        await run(pilot, 0.2)
        assert engine.controller.state == S.ESTOP
        speed = app.screen.query_one("#speed")
        assert "▼ REV" in shown(app, "#speed-kmh") and speed.has_class("-reverse")  # still running down
        await run(pilot, 10.0)
        assert "■ STOP" in shown(app, "#speed-kmh") and not speed.has_class("-forward")


async def test_the_colour_safe_theme_is_chosen_and_remembered(tmp_path, pins):
    path = tmp_path / "config" / "console.json"
    for expected in ("colour-safe", "standard"):
        app = make_app(make_engine(FORWARD_CLASSIC), pins)
        app.settings_path, app.colours = path, load_theme(path)
        async with app.run_test(size=SIZE) as pilot:
            await opened(app, pilot)
            await pilot.press("c")
            assert app.colours == expected and app.has_class("-colour-safe") == (expected == "colour-safe")
            assert app.message[0] == f"Colours: {expected}."
        assert load_theme(path) == expected
    app = make_app(make_engine(FORWARD_CLASSIC), pins)
    (tmp_path / "a-file").write_text("")
    app.settings_path, app.colours = tmp_path / "a-file" / "console.json", "colour-safe"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")  # cannot be remembered: said, and the colours change all the same
        assert app.colours == "standard" and not app.has_class("-colour-safe")
        assert app.message[0].startswith(f"Colours: standard (not remembered: {tmp_path / 'a-file'}")


# ---- point 5: presets and a larger step, through the controller ------------------------------------
async def test_presets_and_the_larger_step_go_through_the_caps_and_ramps(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    c = engine.controller
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await pilot.press("3")
        await run(pilot, 0.1)
        assert "Speed not changed" in app.message[0]  # not running: the controller refuses, visibly
        await running(pilot, 12.0)
        await pilot.press("8")
        await run(pilot, 0.1)
        assert c.snapshot().target_kmh == pytest.approx(8.0)
        assert c.command_kmh < 7.0  # the belt ramps there at the profile's acceleration
        await pilot.press("shift+up", "shift+up")
        await run(pilot, 0.1)
        assert c.snapshot().target_kmh == pytest.approx(9.0)
        await pilot.press("shift+down")
        await run(pilot, 0.1)
        assert c.snapshot().target_kmh == pytest.approx(8.5)


# ---- point 6: sound --------------------------------------------------------------------------------
async def test_the_bell_rings_before_a_countdown_a_direction_change_and_on_an_estop(pins, programs):
    engine = make_engine(programs / "reverse-first.toml")
    app = make_app(engine, pins)
    rings = []
    app.sound.bell = lambda: rings.append(engine.controller.state)  # the terminal's bell, counted
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await pilot.press("a", "h", "i", "enter")
        await run(pilot, 0.1)
        assert rings == []  # arming is not a countdown
        await pilot.press("s")
        await run(pilot, 0.1)
        assert rings == [S.COUNTDOWN]
        await run(pilot, 68.0)  # 60 s back, then the change to forward begins
        assert rings == [S.COUNTDOWN, S.REVERSING]
        await pilot.press("space")
        await run(pilot, 0.1)
        assert len(rings) == 3 and rings[-1] == S.ESTOP


async def test_a_sound_command_runs_with_the_cue_and_off_is_silent(tmp_path, pins):
    heard = tmp_path / "heard.txt"
    for table, expected in (({"sound": "command", "sound_command": f"{sys.executable} -c "
                              f"\"import sys; open(r'{heard}', 'a').write(sys.argv[1] + '\\n')\""}, "countdown\nestop\n"),
                            ({"sound": "off"}, "")):
        heard.write_text("")
        engine = make_engine(FORWARD_CLASSIC)
        app = make_app(engine, pins)
        app.sound.settings = sound_settings(table)
        app.sound.bell = lambda: heard.open("a").write("bell\n")
        async with app.run_test(size=SIZE) as pilot:
            await opened(app, pilot)
            await running(pilot, 1.0)
            await pilot.press("space")
            await run(pilot, 0.1)
        for process in app.sound.running:
            process.wait(timeout=10)
        assert heard.read_text() == expected


@pytest.mark.parametrize("table, words", [
    ({"sound": "loud"}, "[console] sound: 'loud' is not one of bell, command, off"),
    ({"sound": "command"}, "[console] sound_command: needed"),
    ({"sond": "off"}, "[console] sond: unknown setting"),
    ({"sound_command": ""}, "[console] sound_command: a command line"),
])
def test_a_bad_console_table_is_named(table, words):
    with pytest.raises(SoundError, match=words.replace("[", r"\[").replace("]", r"\]")):
        sound_settings(table)


def test_the_console_command_refuses_a_bad_console_table(tmp_path, capsys):
    site = tmp_path / "site.toml"
    site.write_text('[console]\nsound = "loud"\n')
    code = cli.main(["console", "--pin-file", str(tmp_path / "pin.json"), "--config", str(site), "--no-record"])
    err = capsys.readouterr().err
    assert code == 2 and err == f"retrotread: {site}: [console] sound: 'loud' is not one of bell, command, off\n"


# ---- point 2: a screen too small says so --------------------------------------------------------------
@pytest.mark.parametrize("size, small", [((70, 20), True), ((80, 24), False), ((120, 40), False)])
async def test_below_80x24_the_console_says_the_screen_is_too_small(pins, size, small):
    app = make_app(make_engine(FORWARD_CLASSIC), pins)
    async with app.run_test(size=size) as pilot:
        await opened(app, pilot)
        warning = app.screen.query_one("#too-small")
        assert warning.display == small
        if small:
            assert shown(app, "#too-small").startswith("⚠ SCREEN TOO SMALL: 70x20, the console needs 80x24")


# ---- point 2: nothing the operator needs is cut ------------------------------------------------------
async def test_a_long_message_and_an_interlock_reason_are_whole(tmp_path, wall):
    from console_harness import make_pins

    app = make_app(make_engine(FORWARD_CLASSIC), make_pins(tmp_path / "pin.json", pin=None, wall=wall))
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        message = app.screen.query_one("#message")
        assert app.message[0].endswith("or press L to set one now.")
        assert message.size.height == 2 and "set one now." in shown(app, "#message")
        app.inject("key-out")
        await run(pilot, 0.2)
        panel = shown(app, "#interlocks")
        assert "✖ Safety key is out: put the key back" in panel and "Safety key        safety key" not in panel


async def test_wrapped_event_lines_keep_their_last_column(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(app, pilot)
        log = app.screen.query_one("#log")
        for n in range(40):  # enough lines for the scrollbar
            log.note(0.0, f"line {n} " + "word " * 14 + "end")
        await pilot.pause()
        assert log.max_scroll_y > 0  # the scrollbar is there
        lines = [str(line.text).rstrip() for line in log.lines]
        assert all(len(line) <= log.scrollable_content_region.width for line in lines)  # none under the scrollbar


async def test_the_lock_screen_counts_stops_and_refusals_apart(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(app, pilot)
        await running(pilot, 20.0)
        await pilot.press("p")  # paused: a speed key is refused, twice, and nothing stops for it
        await run(pilot, 10.0)
        await pilot.press("up", "up")
        await run(pilot, 0.1)
        await pilot.press("x")
        await run(pilot, 10.0)
        await pilot.press("l")
        await run(pilot, 0.1)
        assert isinstance(app.screen, LockScreen)
        summary = str(app.screen.query_one("#lock-summary").render())
        assert "1 stop at 00:" in summary and "operator stop (console) · 2 commands refused" in summary
