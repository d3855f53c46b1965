"""If the console's thread hangs, the UI-heartbeat interlock stops the belt (issue 4, point 6)."""

from __future__ import annotations

import asyncio
import time

from console_harness import FORWARD_CLASSIC, make_app, make_engine, make_pins, run
from controller import states as S
from controller.limits import load_site_config
from controller.program import load_program
from ui.console.app import ConsoleApp
from ui.engine import Engine


async def test_a_hung_console_thread_trips_the_heartbeat_and_the_belt_stops(tmp_path):
    """Real threads, real time: the control loop on its own thread, the Textual app on this one."""
    site = load_site_config()
    engine = Engine(site, site.profiles["fitness"], load_program(FORWARD_CLASSIC), ui_heartbeat_timeout_s=1.0)
    engine.start()
    c = engine.controller
    try:
        app = ConsoleApp(engine, pins=make_pins(tmp_path / "pin.json"), start_locked=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("s")
            deadline = time.monotonic() + 8.0
            while c.state != S.RUNNING or c.status.belt_kmh < 0.5:
                assert time.monotonic() < deadline, f"never ran: {c.state}"
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.5)  # a live console keeps the interlock satisfied
            assert c.state == S.RUNNING and not c.latched, (c.state, c.latched)
            hang_until = time.monotonic() + 3.0
            time.sleep(1.3)  # the UI thread hangs: no timer fires, no heartbeat is sent
            while c.state != S.ESTOP and time.monotonic() < hang_until:
                time.sleep(0.05)  # still hung (a loaded machine may need a little longer)
            assert c.state == S.ESTOP, (c.state, c.latched)
            assert "ui_heartbeat" in c.latched, c.latched
            assert "console not responding" in c.stop_reason
            # Wait on the simulated belt itself, not the measured speed: the reading is noisy and
            # can read 0 for a tick while the belt still creeps at a few cm/s near the end.
            belt = engine.drive.world.belt
            deadline = time.monotonic() + 5.0
            last_command_kmh = c.command_kmh
            while belt.velocity_mps != 0.0:
                assert c.command_kmh <= last_command_kmh, "the e-stop ramp went up again"
                last_command_kmh = c.command_kmh
                assert time.monotonic() < deadline, f"belt did not stop: {belt.velocity_mps} m/s"
                await asyncio.sleep(0.05)
            assert c.state == S.ESTOP and c.command_kmh == 0.0
    finally:
        assert engine.stop(timeout_s=10.0)
    assert not engine.running


async def test_heartbeat_trip_on_the_sim_clock(tmp_path):
    """The same on simulated time: two seconds without a heartbeat while running."""
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, make_pins(tmp_path / "pin.json"))
    c = engine.controller
    async with app.run_test(size=(80, 24)) as pilot:
        await engine.open()
        await pilot.press("s")
        await run(pilot, 10.0)
        assert c.state == S.RUNNING
        await run(pilot, 2.0, ui_alive=False)
        assert c.state == S.ESTOP and "ui_heartbeat" in c.latched
        await run(pilot, 3.0)  # the console beats again; the belt comes to rest
        await pilot.press("r")
        await run(pilot, 0.5)
        assert c.state == S.IDLE  # a live console again: the cause is gone, reset clears it
