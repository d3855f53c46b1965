"""The console's sessions into the store (ui/console/sessions.py StoreRecorder, ui/engine.py):
a session from its first countdown to its end, under a person, with DESIGN.md's figures, and the
sessions dialog's list read from the store."""

from __future__ import annotations

import pytest

from console_harness import BEGINNER, FIXED_WALL_S, FakeWallClock
from controller.clock import SimClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from ui.console.sessions import StoreRecorder, recent_sessions
from ui.engine import Engine
from ui.session.records import Store
from ui.session.records.rows import unix_of


def store_engine(data, wall=None) -> Engine:
    site = load_site_config()
    program = load_program(BEGINNER)
    engine = Engine(site, site.profiles["fitness"], program, clock=SimClock(), ui_heartbeat_timeout_s=1.0,
                    records=Store.open(data, create=True))
    engine.recorder.wall_clock = wall or FakeWallClock()
    return engine


async def test_a_console_session_lands_in_the_store_under_its_person(tmp_path):
    wall = FakeWallClock()
    engine = store_engine(tmp_path / "data", wall)
    assert isinstance(engine.recorder, StoreRecorder) and engine.records_folder == tmp_path / "data"
    engine.set_person("p3", 61.0)
    await engine.open()
    engine.submit(Command(Op.ARM_REVERSE, True))
    engine.submit(Command(Op.START))
    await engine.advance(200.0)
    engine.submit(Command(Op.STOP))
    await engine.advance(10.0)
    wall.t_s += 210
    engine.end_session("operator locked")
    await engine.advance(0.02)
    events = [e for e in engine.take().events if e["event"] in ("session_start", "session_end")]
    await engine.close()
    start, end = events[0], events[-1]
    assert start["person"] == "p3" and start["mass_kg"] == 61.0
    ui_summary = end["summary"]  # what the lock screen shows: the old names
    assert ui_summary["id"] == engine.last_session_id and ui_summary["distance_forward_m"] > 100
    with Store.open(tmp_path / "data") as store:
        stored = store.get("last")
        trace = list(store.trace("last"))
    assert stored["id"] == ui_summary["id"] and stored["person"] == "p3"
    assert stored["status"] == "stopped" and stored["end_reason"] == "operator locked"
    assert unix_of(stored["started"]) == FIXED_WALL_S  # the console's wall clock at the first countdown
    assert stored["forward"]["distance_m"] == pytest.approx(ui_summary["distance_forward_m"], abs=0.05)
    assert stored["energy"] == {**stored["energy"], "mass_kg": 61.0, "estimated": False}
    assert [s["kind"] for s in stored["stops"]] == ["operator_stop"]
    assert [s["name"] for s in stored["steps"]][:2] == ["Warm-up", "Easy 1/3: Backward"]
    assert trace[0]["event"] == "session_start" and trace[-1]["event"] == "session_end"
    listed, = recent_sessions(tmp_path / "data")  # the sessions dialog's list, from the store
    assert listed["id"] == stored["id"] and listed["distance_backward_m"] == stored["backward"]["distance_m"]
    assert listed["started"] == stored["started"][:19].replace("T", " ")


async def test_sessions_in_the_same_second_get_their_own_ids_and_a_person_per_session(tmp_path):
    engine = store_engine(tmp_path / "data")
    await engine.open()
    ids = []
    for person in ("a1", None):
        engine.set_person(person)
        engine.submit(Command(Op.START))
        await engine.advance(5.0)
        engine.submit(Command(Op.STOP))
        await engine.advance(5.0)
        engine.end_session("operator locked")
        await engine.advance(0.02)
        ids.append(engine.last_session_id)
    await engine.close()
    assert ids[1] == ids[0] + "-2"  # the fake wall clock did not move
    with Store.open(tmp_path / "data") as store:
        assert [(s["id"], s["person"]) for s in store.list()] == [(ids[1], None), (ids[0], "a1")]
