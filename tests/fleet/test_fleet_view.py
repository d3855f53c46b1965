"""The fleet view (Pilot), fed through a real Mosquitto by the real feed: a tile per treadmill
in alarm-first order with the console's direction words, offline ones greyed with the time
they went away, alarms that flash until seen, the keys, and the detail view."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ui.fleet.app import FleetApp
from ui.fleet.detail import DetailScreen
from ui.fleet.tiles import Tile

REPO = Path(__file__).resolve().parents[2]
ORDER = ["sim-04", "sim-07", "sim-08", "sim-01", "sim-02", "sim-03", "sim-05", "sim-06"]


def tiles(app) -> dict[str, Tile]:
    return {tile.treadmill_id: tile for tile in app.query(Tile)}


async def test_a_tile_per_treadmill_alarms_first(fed):
    model, _ = fed
    app = FleetApp(model, flash_s=None, refresh_s=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert [tile.treadmill_id for tile in app.query(Tile)] == ORDER
        shown = {tid: tile.shown for tid, tile in tiles(app).items()}
        tid, state, mode, banner, speed, step, alarm, unseen = shown["sim-04"]
        assert (state, mode, unseen) == ("E-STOP", "-estop", True)
        assert "E-STOP" in banner and "still moving REVERSE" in banner and alarm == "⚠ E-STOP: safety key removed"
        assert shown["sim-02"][2:4] == ("-reverse", "▼ ▼  REVERSE  ▼ ▼") and "♥ --" in shown["sim-02"][4]
        assert shown["sim-01"][2:4] == ("-forward", "▲ ▲  FORWARD  ▲ ▲")
        assert shown["sim-01"][4].startswith(" 3.2 km/h") and "♥ 109" in shown["sim-01"][4]
        assert shown["sim-01"][5] == "step 1 Warm-up · 12:25 left"
        assert shown["sim-03"][2:4] == ("-reverse", "▼ NEXT: REVERSE ▼")
        assert shown["sim-06"][1:4] == ("OFFLINE", "-offline", "OFFLINE since 08:00:05")
        assert shown["sim-07"][6] == "⚠ OFFLINE: lost while running"
        assert shown["sim-08"][6] == "⚠ HEART RATE: 171 bpm, limit 180"
        t = tiles(app)
        assert t["sim-06"].has_class("-offline") and not t["sim-01"].has_class("-offline")
        assert {tid for tid, tile in t.items() if tile.has_class("-flash")} == {"sim-04", "sim-07", "sim-08"}
        assert t["sim-04"].has_class("-selected")
        assert "3 with alarms" in str(app.query_one("#header").render())


async def test_alarms_flash_until_seen(fed):
    model, _ = fed
    app = FleetApp(model, flash_s=0.05, refresh_s=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        seen_on = seen_off = False
        while not (seen_on and seen_off):
            await pilot.pause(0.03)
            flashing = tiles(app)["sim-04"].has_class("-flash")
            seen_on, seen_off = seen_on or flashing, seen_off or not flashing
        await pilot.press("a")  # sim-04 is selected: its alarm is seen
        for _ in range(6):
            await pilot.pause(0.03)
            assert not tiles(app)["sim-04"].has_class("-flash")
        assert [tile.treadmill_id for tile in app.query(Tile)][:3] == ["sim-07", "sim-08", "sim-04"]
        assert tiles(app)["sim-04"].has_class("-latched")  # seen, still stopped: a red border, no flashing


async def test_keys_move_the_selection_and_open_the_detail_view(fed):
    model, _ = fed
    app = FleetApp(model, flash_s=None, refresh_s=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("right", "right")
        assert app.selected == "sim-08"
        await pilot.press("down")  # three tiles a row at 120 columns
        assert app.selected == "sim-03"
        await pilot.press("left", "up", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.treadmill_id == "sim-07"
        assert model.treadmill("sim-07").alarms[0].seen  # opening it is seeing it
        log = str(app.screen.query_one("#detail-log").render())
        assert "no events heard yet" in log
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        await pilot.press("shift+tab", "enter")
        await pilot.pause()
        assert app.screen.treadmill_id == "sim-04"
        log = str(app.screen.query_one("#detail-log").render())
        assert log.index("estop") < log.index("state")  # newest first
        assert "reason=safety key removed" in log
        readings = str(app.screen.query_one("#detail-readings").render())
        assert "✗ safety key" in readings and "safety key removed" in readings


@pytest.mark.parametrize("url, words", [
    ("http://broker", "--mqtt http://broker: expected mqtt://"),
    ("mqtt://viewer:pw-hidden@broker/topic", "--mqtt mqtt://viewer:***@broker/topic: a broker URL has no path"),
])
def test_retrotread_fleet_refuses_a_bad_url_in_one_line(url, words):
    result = subprocess.run([sys.executable, "-m", "ui.cli", "fleet", "--mqtt", url], cwd=REPO, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr and "pw-hidden" not in result.stderr
