"""Heart rate and energy in the console (issue 9, point 5): the heart rate with its limit and
zone, on the chart, warnings and a lost signal impossible to miss (and a lost signal never a
number), a heart-rate stop's reason, an HR-guided step's target, range and cues, the energy
estimate, and the strap picker: real bleak on this machine without Bluetooth, and a strap
found, chosen and connected over bumble's virtual link (tests/drivers/heart_rate).

Pilot tests first, then snapshots at 80 x 24 and 120 x 40 (`--snapshot-update` rewrites them).
Deterministic: the loop runs on a SimClock stepped here, the heart rate is injected (`hr:BPM`
overrides the simulated heart), the chart's speed noise is off.
"""

from __future__ import annotations

import asyncio

import re
import sys
from pathlib import Path

import pytest

from console_harness import make_app, make_engine, run
from controller import states as S
from controller.energy import met, vo2_ml_kg_min
from drivers.base import Direction
from ui.console.screens.main import MainScreen
from ui.console.screens.strap import StrapScreen
from ui.console.widgets.chart import SpeedChart
from ui.console.widgets.eventlog import EventLog

HR_TESTS = Path(__file__).resolve().parents[1] / "drivers" / "heart_rate"
if str(HR_TESTS) not in sys.path:
    sys.path.insert(0, str(HR_TESTS))

from bumble_backend import VirtualAir  # noqa: E402
from hr_strap import EmulatedStrap, until  # noqa: E402

SMALL, LARGE = (80, 24), (120, 40)
LIMIT_BPM = 160

WALK = f"""\
name = "Test: walk with a limit"
profile = "fitness"
max_hr_bpm = {LIMIT_BPM}
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 4.0
duration_s = 600
cue = "Walk tall"
"""

GUIDED = f"""\
name = "Test: heart-rate guided"
profile = "fitness"
max_hr_bpm = {LIMIT_BPM}
[[steps]]
name = "Warm-up"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
[[steps]]
name = "Guided"
direction = "forward"
target_hr_bpm = 120
min_speed_kmh = 3.0
max_speed_kmh = 5.0
hr_adjust_s = 10
duration_s = 600
cue = "The belt follows your heart rate"
"""


@pytest.fixture(autouse=True)
def quiet_sensors(monkeypatch):
    """No speed noise in the chart's dots, and no D-Bus system bus: bleak then fails the same
    way on every machine (this project's have none; a desk with Bluetooth would find straps)."""
    import sim.belt

    monkeypatch.setattr(sim.belt, "NOISE_SIGMA_KMH", 0.0)
    monkeypatch.setattr(sim.belt, "NOISE_SIGMA_FRACTION", 0.0)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/retrotread-test-bus")


def program(tmp_path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text)
    return path


def console(tmp_path, pins, text: str = WALK, hr_backend=None):
    return make_app(make_engine(program(tmp_path, text), hr_backend=hr_backend), pins)


def main_of(app) -> MainScreen:
    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def shown(app, selector: str) -> str:
    return str(main_of(app).query_one(selector).render())


def logged(app) -> str:
    return " ".join(" ".join(strip.text for strip in main_of(app).query_one(EventLog).lines).split())


async def start(app, pilot, hr_bpm: float | None = 100.0, seconds: float = 10.0) -> None:
    """Open the engine, set the heart rate (before the start: no jump to judge), press S, run."""
    await app.engine.open()
    app.poll()
    if hr_bpm is not None:
        app.inject("hr", hr_bpm)
    await pilot.press("s")
    await run(pilot, seconds)


async def set_hr(app, pilot, bpm: float, seconds: float) -> None:
    app.inject("hr", bpm)
    await run(pilot, seconds)


# ---- the heart-rate line: the limit, the zone, and words as well as colours -----------------------
async def test_the_heart_rate_shows_with_the_limit_and_its_zone_by_percent_of_the_limit(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 90)
        heart = main_of(app).query_one("#heart")
        for bpm, zone in ((90, 1), (100, 2), (120, 3), (135, 4), (146, 5)):  # zone n from 0/60/70/80/90 %
            await set_hr(app, pilot, bpm, 1.0)
            line = shown(app, "#heart")
            assert f"♥ {bpm} bpm" in line and f"Z{zone}" in line and f"limit {LIMIT_BPM}" in line
            assert [c for c in heart.classes if c.startswith("-zone")] == [f"-zone{zone}"]


async def test_wide_the_zone_has_its_word_and_percentage(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=LARGE) as pilot:
        await start(app, pilot, 120)
        assert "♥ 120 bpm  zone 3 moderate · 75 % of the limit 160" in shown(app, "#heart")


async def test_the_heart_rate_is_on_the_chart_on_its_own_scale_and_the_limit_once_near(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 100, seconds=5.0)
        await set_hr(app, pilot, 125, 5.0)
        chart = main_of(app).query_one(SpeedChart)
        hearts = [p[4] for p in chart.samples]
        assert 100.0 in hearts and hearts[-1] == 125.0
        drawing = str(chart.render()).splitlines()
        assert drawing[0].endswith("130") and drawing[-1].rstrip().endswith("90")  # the right axis, bpm
        assert chart.border_title == "Speed km/h: target ┄ measured ━"
        assert chart.border_subtitle == "heart bpm ━ right"  # the limit, 160, is not near yet
        await set_hr(app, pilot, 135, 2.0)
        assert chart.border_subtitle == "heart bpm ━ right · limit ┈ 160"
        assert str(chart.render()).splitlines()[0].endswith("170")


# ---- warnings and a lost signal: impossible to miss ---------------------------------------------
async def test_a_warning_raises_the_alert_bar_with_the_cue_in_words(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 130)
        alert = main_of(app).query_one("#hr-alert")
        assert not alert.display
        await set_hr(app, pilot, 152, 1.0)
        snap = app.frame.snapshot
        assert snap.hr_state == "warning"
        cue = "Heart rate 152, near the limit of 160: ease off"
        assert alert.display and alert.has_class("-warning")
        assert str(alert.render()) == f"⚠ HEART RATE ⚠  {cue}"
        assert "♥ 152 bpm  ⚠ NEAR THE LIMIT 160" in shown(app, "#heart")
        assert main_of(app).query_one("#heart").has_class("-warning")
        assert app.message == (cue, "bad")
        assert f"HEART RATE WARNING: {cue}" in logged(app)
        flashes = set()
        for _ in range(4):  # it flashes with the controller's clock, the words stay
            await run(pilot, 0.5)
            flashes.add(alert.has_class("-flash"))
            assert str(alert.render()).startswith("⚠ HEART RATE ⚠")
        assert flashes == {True, False}
        await set_hr(app, pilot, 120, 1.0)
        assert not alert.display


async def test_a_lost_signal_never_shows_a_number_and_says_when_the_belt_will_stop(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 123)
        assert "♥ 123 bpm" in shown(app, "#heart")
        app.inject("hr-loss")
        await run(pilot, 1.0)
        assert app.frame.snapshot.hr_state == "waiting"  # not lost yet (5 s): no number either
        assert not re.search(r"\d", shown(app, "#heart"))
        await run(pilot, 5.0)
        snap = app.frame.snapshot
        assert snap.hr_state == "lost" and snap.heart_rate_bpm is None
        line = shown(app, "#heart")
        assert "SIGNAL LOST" in line and not re.search(r"\d", line)
        alert = main_of(app).query_one("#hr-alert")
        assert alert.display and alert.has_class("-lost")
        text = str(alert.render())
        assert text.startswith("✖ SIGNAL LOST ✖  Heart-rate signal lost: check the strap · belt stops in 00:5")
        assert app.message == ("Heart-rate signal lost: check the strap", "bad")
        assert "HEART-RATE SIGNAL LOST: no valid heart-rate reading for 5 s" in logged(app)
        assert main_of(app).query_one(SpeedChart).samples[-1][4] is None  # a gap, not a low value
        app.inject("hr-restore")
        app.inject("hr", 118)
        await run(pilot, 1.0)
        assert not alert.display and "♥ 118 bpm" in shown(app, "#heart")
        assert app.message == ("Heart-rate signal back: 118 bpm.", "good")


async def test_a_signal_lost_for_a_minute_stops_the_belt_and_says_why_like_other_stops(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 110)
        app.inject("hr-loss")
        await run(pilot, 70.0)
        snap = app.frame.snapshot
        assert snap.state == S.IDLE and "heart rate signal lost" in snap.stop_reason
        assert app.message == (f"STOPPED: {snap.stop_reason}", "bad")
        step = main_of(app).query_one("#step")
        assert step.has_class("-hr-stop")
        assert shown(app, "#step").startswith(f"STOPPED FOR THE HEART RATE: {snap.stop_reason}")
        assert f"STOPPED: {snap.stop_reason}" in logged(app)
        assert "SIGNAL LOST" in shown(app, "#hr-alert")  # still lost: the bar stays, without a countdown
        assert "stops in" not in shown(app, "#hr-alert")


async def test_the_limit_stop_is_shown_until_the_next_start(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 140)
        await set_hr(app, pilot, 165, 15.0)
        snap = app.frame.snapshot
        assert snap.state == S.IDLE
        reason = "heart rate 165 bpm at or above the limit of 160 bpm for 5 s: stopped"
        assert snap.stop_reason == reason and app.message == (f"STOPPED: {reason}", "bad")
        assert shown(app, "#step").startswith(f"STOPPED FOR THE HEART RATE: {reason}")
        assert "⚠ OVER THE LIMIT 160" in shown(app, "#heart")
        await pilot.press("s")  # still over the limit: the controller refuses, the reason stays
        await run(pilot, 1.0)
        assert app.frame.snapshot.state == S.IDLE and app.message[1] == "warn"
        assert app.message[0].startswith("Not started: ")
        assert shown(app, "#step").startswith(f"STOPPED FOR THE HEART RATE: {reason}")
        await set_hr(app, pilot, 135, 2.0)
        await pilot.press("s")
        await run(pilot, 1.0)
        assert app.frame.snapshot.state == S.COUNTDOWN
        assert main_of(app).query_one("#step").has_class("-step")
        assert shown(app, "#step").startswith("Step 1/1: Walk")


# ---- an HR-guided step ------------------------------------------------------------------------------
async def test_a_guided_step_shows_its_target_its_range_and_every_adjustment(tmp_path, pins):
    app = console(tmp_path, pins, GUIDED)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 100, seconds=5.0)
        assert "Next: Guided · forward 3.0–5.0 km/h → 120 bpm · 10:00" in shown(app, "#step")
        adjustments = []
        for _ in range(8):  # 40 s: into the guided step, an adjustment every 10 s
            await run(pilot, 5.0)
            adjustments += [e for e in app.frame.events if e["event"] == "hr_adjust"]
            if adjustments:
                assert app.message == (adjustments[-1]["cue"], "info")
        assert len(adjustments) >= 2
        assert adjustments[0]["cue"].startswith("Speeding up to 3.5 km/h (heart rate 100, target 120)")
        for event in adjustments:  # each cue in the log
            assert f"heart-rate guide: {event['cue']}" in logged(app)
        assert shown(app, "#speed-target") == "HR-guided 3.0–5.0 km/h → 120 bpm"
        assert "Guided · forward 3.0–5.0 km/h → 120 bpm ·" in shown(app, "#step")
        assert "♥ 100 bpm  below target · limit 160" in shown(app, "#heart")
        assert main_of(app).query_one("#heart").has_class("-below")
        await set_hr(app, pilot, 122, 1.0)
        assert "♥ 122 bpm  on target · limit 160" in shown(app, "#heart")
        assert main_of(app).query_one(SpeedChart).border_subtitle == "heart bpm ━ right · target ┈ 120"


# ---- energy -------------------------------------------------------------------------------------------
async def test_energy_so_far_and_met_are_shown_as_estimates(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 100, seconds=60.0)
        first = app.frame.energy_kcal
        await run(pilot, 60.0)
        frame = app.frame
        assert frame.energy_kcal > first > 0 and frame.energy_estimated
        readings = shown(app, "#readings")
        assert f"Energy  ≈ {frame.energy_kcal:.0f} kcal (estimate, 70 kg)" in readings
        snap = frame.snapshot
        expected = met(vo2_ml_kg_min(snap.belt_kmh, snap.incline_pct, Direction.FORWARD))
        assert f"MET    ≈ {expected:.1f}" in readings and expected > 2.0


# ---- the strap picker ------------------------------------------------------------------------------------
async def test_without_bluetooth_the_strap_screen_says_so_in_one_line_and_still_offers_none_and_sim(pins):
    app = make_app(make_engine(None), pins)  # manual mode: nothing needs a heart rate
    async with app.run_test(size=SMALL) as pilot:
        await app.engine.open()
        app.poll()
        await pilot.press("h")
        assert isinstance(app.screen, StrapScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#strap-status").render())
        assert status.startswith("No scan: no Bluetooth adapter") and "Traceback" not in status
        listing = app.screen.query_one("#strap-list")
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == ["none", "sim"]
        await pilot.press("s")  # scan again: the same one line, nothing breaks
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#strap-status").render()) == status
        await pilot.press("enter")  # "none": the cursor starts on the first line
        await run(pilot, 0.1)
        assert app.engine.heart_rate_source == "none"
        assert str(app.screen.query_one("#strap-status").render()).startswith("Heart-rate source: none")
        await pilot.press("escape")
        await run(pilot, 0.1)
        assert "no heart-rate source" in shown(app, "#heart")
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("down", "enter")  # back to the simulator's person
        await run(pilot, 2.0)
        assert app.engine.heart_rate_source == "sim"
        await pilot.press("escape")
        await run(pilot, 0.1)
        assert re.search(r"♥ \d+ bpm", shown(app, "#heart"))


async def test_a_program_with_a_limit_keeps_its_heart_rate_source(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await app.engine.open()
        app.poll()
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await run(pilot, 0.1)
        assert app.engine.heart_rate_source == "sim"
        status = str(app.screen.query_one("#strap-status").render())
        assert status.startswith("Heart-rate source not changed: ")
        assert status.endswith("max_hr_bpm: a heart-rate limit needs a heart-rate source (--hr ble://ADDRESS)")
        assert app.message[1] == "warn" and app.message[0] == status


async def test_a_source_cannot_change_while_the_belt_runs(tmp_path, pins):
    app = console(tmp_path, pins)
    async with app.run_test(size=SMALL) as pilot:
        await start(app, pilot, 100)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        app.screen.choose("none")
        await run(pilot, 0.1)
        assert app.engine.heart_rate_source == "sim"
        assert str(app.screen.query_one("#strap-status").render()) == (
            "Heart-rate source not changed: the heart-rate source can change only between sessions")


async def test_a_strap_is_found_chosen_and_connected_over_the_virtual_link(tmp_path, pins, monkeypatch):
    air = VirtualAir()
    strap = await EmulatedStrap.start(air, name="HRM-Pro")
    app = console(tmp_path, pins, hr_backend=air.bleak_backend())  # the session's straps on the virtual link
    async with app.run_test(size=SMALL) as pilot:
        await app.engine.open()
        app.poll()
        await app.push_screen(StrapScreen(scan_s=0.2, backend=air.bleak_backend()))
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        listing = screen.query_one("#strap-list")
        url = f"ble://{strap.address}"
        assert listing.get_option(url).prompt.plain == f"  {strap.address}  HRM-Pro  -50 dBm"
        assert str(screen.query_one("#strap-status").render()) == "1 strap found: choose one with Enter"
        await pilot.press("down", "down", "enter")
        for _ in range(400):  # the strap connects in a task of its own: the loop keeps ticking meanwhile
            await run(pilot, 0.1)
            if app.engine.heart_rate_source == url:
                break
            await asyncio.sleep(0.005)
        assert app.engine.heart_rate_source == url
        assert str(screen.query_one("#strap-status").render()) == f"Heart-rate source: {url} (connected)"
        assert listing.get_option(url).prompt.plain.startswith("● ")
        await strap.subscribed()
        await strap.notify(131)
        await until(lambda: app.engine.host.hr_source.latest() is not None)
        await pilot.press("escape")
        await run(pilot, 0.5)
        assert "♥ 131 bpm" in shown(app, "#heart")
        await app.engine.close()


# ---- snapshots -------------------------------------------------------------------------------------------
def steps(*actions):
    """run_before: open the engine, then keys (str), seconds (float) or calls on the app."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await app.engine.open()
        app.poll()
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            elif callable(action):
                result = action(app)
                if result is not None:
                    await result
            else:
                await run(pilot, action)
        await app.workers.wait_for_complete()
        await run(pilot, 0.02)

    return run_before


def hr(bpm):
    return lambda app: app.inject("hr", bpm)


def lose(app):
    app.inject("hr-loss")


NORMAL = (hr(120), "s", 40.0)
WARNING = (hr(130), "s", 30.0, hr(153), 1.5)
LOST = (hr(120), "s", 30.0, lose, 8.0)
GUIDED_STEP = (hr(100), "s", 62.0)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
@pytest.mark.parametrize(("text", "actions"), [(WALK, NORMAL), (WALK, WARNING), (WALK, LOST), (GUIDED, GUIDED_STEP)],
                         ids=["normal", "warning", "lost", "guided"])
def test_snapshot_heart_rate(snap_compare, tmp_path, pins, size, text, actions):
    assert snap_compare(console(tmp_path, pins, text), run_before=steps(*actions), terminal_size=size)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_strap_screen_without_bluetooth(snap_compare, tmp_path, pins, size):
    assert snap_compare(console(tmp_path, pins), run_before=steps("h"), terminal_size=size)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_snapshot_strap_screen_with_a_strap_found(snap_compare, tmp_path, pins, size):
    async def found(app):
        air = VirtualAir()
        await EmulatedStrap.start(air, name="HRM-Pro")
        await app.push_screen(StrapScreen(scan_s=0.2, backend=air.bleak_backend()))

    assert snap_compare(console(tmp_path, pins), run_before=steps(found), terminal_size=size)
