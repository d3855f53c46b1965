"""Screen snapshots of the fleet view (pytest-textual-snapshot): `uv run pytest tests/fleet
--snapshot-update` rewrites them; look at the SVGs under tests/fleet/__snapshots__/ before
accepting a change.

Deterministic: the hand-written fleet of fleet_support.py is published through a real broker
and heard by the real feed before the app starts; times of day are shown in UTC; alarms are
held in their "on" phase (flash_s=None); the header's broker (a free port each run) is named
by a fixed text once the feed has stopped."""

from __future__ import annotations

import pytest

from ui.fleet.app import FleetApp

SIZE = (120, 36)


@pytest.fixture
def app(fed):
    model, feed = fed
    feed.stop()
    model.set_broker("connected to mqtt://broker.gym.example:1883")
    return FleetApp(model, flash_s=None, refresh_s=None)


def test_the_fleet(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE)


def test_the_detail_view_of_an_estop(snap_compare, app):
    async def run_before(pilot) -> None:
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_detail_view_of_a_walk_with_its_chart(snap_compare, app):
    async def run_before(pilot) -> None:
        await pilot.press("right", "right", "right", "enter")  # sim-01, speeding up from 2.0 to 3.2 km/h
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
