"""The console publishes too (issue 11: `console --mqtt`, or the site's [telemetry]): its engine
adds the same sink as `run`, hands it the console's own session start and end, and says a broker
outage in its event log. Heard through a real Mosquitto; the engine runs on a SimClock."""

from __future__ import annotations

import asyncio
import json

from controller.clock import SimClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from ui import cli
from ui.engine import Engine
from ui.session.telemetry import plan_telemetry
from ui.session.plan import SessionPlan

TID = "console-1"


def engine_for(tmp_path, url: str) -> Engine:
    site = load_site_config()
    path = tmp_path / "walk.toml"
    path.write_text('name = "Console walk"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 3.0\nduration_s = 8\n')
    program = load_program(path)
    settings = plan_telemetry(mqtt=url, treadmill_id=TID, plan=SessionPlan(site, program, site.profiles["fitness"]))
    return Engine(site, site.profiles["fitness"], program, clock=SimClock(), telemetry=settings)


async def test_the_console_publishes_its_state_events_and_session(tmp_path, broker, subscriber):
    engine = engine_for(tmp_path, broker.url)
    assert engine.telemetry.publisher.connected.wait(5)  # simulated time outruns a connection
    await engine.open()
    engine.submit(Command(Op.START, source="test"))
    await engine.advance(20.0)
    engine.end_session("program complete")
    await engine.advance(1.0)
    await engine.close()
    subscriber.wait_for(subscriber.heard(f"retrotread/{TID}/session"))
    subscriber.wait_for(subscriber.heard(f"retrotread/{TID}/status", b"offline"))
    states = subscriber.json_on(f"retrotread/{TID}/state")
    assert {"countdown", "running", "idle"} <= {s["state"] for s in states}
    events = [e["event"] for e in subscriber.json_on(f"retrotread/{TID}/event")]
    assert "program_complete" in events
    summary = json.loads(subscriber.on(f"retrotread/{TID}/session")[-1].payload)
    assert summary["forward"]["distance_m"] > 0 and "person" not in summary


async def test_a_broker_that_is_down_is_one_line_in_the_console_and_the_belt_runs(tmp_path):
    engine = engine_for(tmp_path, "mqtt://127.0.0.1:9")  # nothing listens there
    await engine.open()
    engine.submit(Command(Op.START, source="test"))
    await engine.advance(20.0)
    said = []
    for _ in range(500):  # the publisher says it from its own thread, when its connect fails
        frame = engine.take()
        said += [e for e in frame.events if e["event"] == "telemetry"] if frame else []
        if said:
            break
        await asyncio.sleep(0.01)
    await engine.advance(5.0)  # and says it once, however long the broker stays away
    frame = engine.take()
    said += [e for e in frame.events if e["event"] == "telemetry"] if frame else []
    await engine.close()
    assert engine.controller.program_complete and not engine.controller.latched
    assert len(said) == 1 and "127.0.0.1:9" in said[0]["text"]


def test_console_refuses_a_malformed_broker_url_in_one_line(tmp_path, capsys):
    code = cli.main(["console", "--pin-file", str(tmp_path / "pin.json"), "--no-record", "--mqtt", "mqtt://:99999"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--mqtt" in err
