"""`retrotread fleet-sim`: bad input is one line and exit 2; N real controllers publish through
a real Mosquitto to the real fleet view's model with no event lost, and Ctrl-C stops every belt
and leaves every treadmill `offline`; the scripted operators recover from injected faults;
the shared clock never wakes a loop early."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mosquitto import wait_until
from ui.fleet.clock import FleetClock

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60, **kw)


@pytest.mark.parametrize("args, words", [
    (["--count", "0", "--mqtt", "mqtt://h"], "argument --count: 0 is outside 1-256"),
    (["--count", "257", "--mqtt", "mqtt://h"], "argument --count: 257 is outside 1-256"),
    (["--count", "many", "--mqtt", "mqtt://h"], "argument --count: not a whole number"),
    (["--count", "3", "--mqtt", "mqtt://u:pw-secret@h:99999"], "--mqtt mqtt://u:***@h:99999: port"),
    (["--count", "3"], "the following arguments are required: --mqtt"),
    (["--count", "3", "--mqtt", "mqtt://h", "--program", "/no/such.toml"], "/no/such.toml: no such file"),
    (["--count", "3", "--mqtt", "mqtt://h", "--program", "config/programs/athlete-backward-running.toml"],
     "needs an operator's authorisation"),
    (["--count", "3", "--mqtt", "mqtt://h", "--duration", "0"], "argument --duration: must be more than 0"),
    (["--count", "3", "--mqtt", "mqtt://h", "--stats", "/no/such/folder/s.json"], "--stats"),
])
def test_bad_input_is_one_line_and_exit_2(args, words):
    result = cli("fleet-sim", *args)
    assert result.returncode == 2 and result.stdout == "", result
    assert result.stderr.count("\n") == 1 and words in result.stderr and "pw-secret" not in result.stderr


def test_three_treadmills_to_the_fleet_view_and_ctrl_c(fed_empty, tmp_path):
    model, broker = fed_empty
    stats = tmp_path / "stats.json"
    sim = subprocess.Popen([sys.executable, "-m", "ui.cli", "fleet-sim", "--count", "3", "--mqtt",
                            f"mqtt://127.0.0.1:{broker.port}", "--seed", "4", "--stats", str(stats)],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: {t.id for t in model.treadmills() if t.state and t.state["state"] != "idle"}
                   == {"sim-01", "sim-02", "sim-03"}, timeout_s=30, what="all three started")
        sim.send_signal(signal.SIGINT)
        out, err = sim.communicate(timeout=60)
    finally:
        if sim.poll() is None:
            sim.kill()
    assert sim.returncode == 0, err
    assert out.startswith("fleet-sim: 3 simulated treadmills sim-01..sim-03 publishing to mqtt://127.0.0.1:")
    wait_until(lambda: all(t.online is False for t in model.treadmills()), what="every treadmill offline")
    treadmills = model.treadmills()
    assert [t.id for t in treadmills] == ["sim-01", "sim-02", "sim-03"]  # offline and at rest: no alarms
    assert all(t.state["state"] == "idle" and t.state["belt_kmh"] <= 0.05 for t in treadmills)
    measured = json.loads(stats.read_text())
    wait_until(lambda: dict(model.events_by_id) == measured["events"], what="every event heard")
    assert measured["events_dropped"] == 0 and measured["events_acked"] == measured["events_published"]
    assert len(measured["lateness_p99_ms_each"]) == 3 and measured["ticks"] > 0


@pytest.fixture
def fed_empty(broker):
    """(model, broker): the real feed subscribed, nothing published yet."""
    from ui.fleet.feed import MqttFeed
    from ui.fleet.model import FleetModel
    from ui.fleet_cmd import broker_for

    model = FleetModel()
    feed = MqttFeed(broker_for(f"mqtt://127.0.0.1:{broker.port}"), model).start()
    wait_until(lambda: feed.subscribed, what="the feed's subscription")
    yield model, broker
    feed.stop()


async def test_scripted_operators_recover_from_chaos(tmp_path):
    """Half an hour of one simulated treadmill (SimClock) with faults injected about every two
    minutes: each latched stop is reset and the walk starts again; the program is loaded again
    once complete. The controller decides every stop; the operator only presses buttons."""
    from controller.clock import SimClock
    from controller.limits import load_site_config
    from controller.program import load_program
    from drivers import open_drive
    from ui.fleet.crew import ScriptedOperator
    from ui.fleet_sim import DEFAULT_PROGRAM
    from ui.session.host import SessionHost, open_for
    from ui.session.plan import SessionPlan

    site = load_site_config()
    plan = SessionPlan(site, load_program(DEFAULT_PROGRAM), site.profiles["fitness"], allow_reverse=True, seed=2)
    clock = SimClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    host = SessionHost(plan, drive, clock, drive_open=True)
    events: list[dict] = []

    class Recorder:
        on_event = events.append
        on_tick = close = staticmethod(lambda *_: None)

    crew = ScriptedOperator(host, seed=1, chaos_seed=7)
    host.add_sink(Recorder())
    host.add_sink(crew)
    await host.run(lambda _c: clock.now_s() >= 1800.0)
    await host.close()
    kinds = [e["event"] for e in events]
    stops = [i for i, e in enumerate(events) if e["event"] in ("estop", "fault")]
    assert crew.injected >= 10 and len(stops) >= 10
    for i in stops[:-1]:  # after each latched stop (but perhaps the last): a reset, and walking again
        after = events[i:]
        reset = next(j for j, e in enumerate(after) if e["event"] == "command" and e["op"] == "reset")
        assert any(e["event"] == "state" and e["to"] == "running" for e in after[reset:])
    assert kinds.count("reverse_armed") == kinds.count("reverse_disarmed") > 0  # re-armed after each fall stop
    complete = kinds.index("program_complete")
    assert "program_loaded" in kinds[complete:]  # and the walk begins again


async def test_the_shared_clock_wakes_every_loop_in_order_and_never_early():
    clock = FleetClock()
    rng = random.Random(3)
    woke: list[tuple[float, float]] = []

    async def sleeper(due_s: float) -> None:
        await clock.sleep_until(due_s)
        woke.append((due_s, clock.now_s()))

    start = clock.now_s()
    dues = [start + rng.uniform(0.0, 0.06) for _ in range(40)]
    await asyncio.gather(*(sleeper(due) for due in dues))
    clock.stop()
    assert all(now >= due for due, now in woke)
    assert [due for due, _ in woke] == sorted(dues)
