"""Screen snapshots (pytest-textual-snapshot): `uv run pytest tests/ui --snapshot-update` rewrites
them; look at the SVGs under tests/ui/__snapshots__/ before accepting a change.

Deterministic: the control loop runs on a SimClock stepped here, the simulator is seeded, the
session names come from a fixed wall clock, and nothing on screen reads the real time.
"""

from __future__ import annotations

import pytest

from console_harness import SHIPPED_DIR, make_app, make_engine, make_pins, run

FORWARD = SHIPPED_DIR / "forward-classic.toml"
BEGINNER = SHIPPED_DIR / "beginner-retro-walk.toml"


def console(tmp_path, program=FORWARD, *, locked: bool = False):
    sessions = tmp_path / "sessions"
    engine = make_engine(program, sessions=sessions)
    return make_app(engine, make_pins(tmp_path / "pin.json"), sessions=sessions, locked=locked)


def steps(*actions):
    """run_before for snap_compare: open the engine, then key presses (str) and seconds (float)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await app.engine.open()
        app.poll()
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            elif callable(action):
                action(app)
            else:
                await run(pilot, action)
        await run(pilot, 0.0 if not actions else 0.02)

    return run_before


ARM = ("a", "h", "i", "enter", 0.1)


@pytest.fixture(autouse=True)
def noiseless_speed_sensor(monkeypatch):
    """The simulator's seeded measurement noise shows in the chart's dots; without it these
    pictures change only when the console (or the belt's physics) does, not with the noise model."""
    import sim.belt

    monkeypatch.setattr(sim.belt, "NOISE_SIGMA_KMH", 0.0)
    monkeypatch.setattr(sim.belt, "NOISE_SIGMA_FRACTION", 0.0)


def test_idle(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(0.5))


def test_running_forward(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path), run_before=steps("s", 30.0))


def test_running_reverse_with_a_cue(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "s", 165.0))


def test_countdown_before_a_direction_change(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "s", 157.5))


def test_estop_with_its_reason(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path),
                        run_before=steps("s", 20.0, lambda app: app.inject("key-out"), 4.0, "r", 0.5))


def test_reverse_arming_modal(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps("s", 0.1, "h"))


def test_locked_screen(snap_compare, tmp_path):
    """After a session: its summary, and a wrong PIN refused."""
    assert snap_compare(console(tmp_path), run_before=steps("s", 20.0, "x", 10.0, "l", 0.1,
                                                           "1", "1", "1", "1", "enter"))


def test_locked_at_start(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, locked=True), run_before=steps(0.1))


def test_simulator_panel(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path), run_before=steps("s", 10.0, "i", "plus", 0.1))


def test_program_picker(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path), run_before=steps("o", "down"), terminal_size=(100, 32))


def test_running_reverse_at_120x40(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "s", 165.0), terminal_size=(120, 40))


def test_countdown_at_120x40(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "s", 157.5), terminal_size=(120, 40))


def test_colour_safe_theme_running_reverse(snap_compare, tmp_path):
    """Issue 13, point 4: blue forward, orange reverse, purple e-stop; the same words and glyphs."""
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "c", "s", 165.0))


def test_colour_safe_theme_estop_from_reverse(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path, BEGINNER), run_before=steps(*ARM, "c", "s", 165.0, "space", 1.0),
                        terminal_size=(120, 40))


def test_below_80x24_the_console_says_so(snap_compare, tmp_path):
    assert snap_compare(console(tmp_path), run_before=steps("s", 20.0), terminal_size=(70, 20))
