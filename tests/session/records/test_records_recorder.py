"""The recorder sink (ui/session/records/recorder.py): checkpoints while a session runs, its
queue in real time, sessions one after another, and a failing disk that ends the recording
but never the session."""

from __future__ import annotations

import pytest

from controller.clock import SimClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from drivers import open_drive
from records_support import program_file, record
from ui.session.host import SessionHost, open_for
from ui.session.plan import SessionPlan
from ui.session.records import Store
from ui.session.records.recorder import RecorderSink
from ui.session.records.tracefile import read_trace


async def host_with(sink, program_path) -> tuple[SessionHost, SimClock]:
    site = load_site_config()
    program = load_program(program_path)
    plan = SessionPlan(site, program, site.profiles["fitness"], allow_reverse=True)
    clock = SimClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    return SessionHost(plan, drive, clock, sinks=[sink], drive_open=True), clock


async def run_until(host: SessionHost, clock: SimClock, t_s: float) -> None:
    await host.run(lambda c: clock.now_s() - host.t0_s >= t_s)


def start_event(host, **extra) -> dict:
    return {"t": host.clock.now_s(), "event": "session_start", "program": host.plan.program.name,
            "profile": "fitness", "driver": "sim://", **extra}


async def test_a_running_session_is_checkpointed_each_second_with_its_trace_flushed(tmp_path):
    program = program_file(tmp_path)
    store = Store.open(tmp_path / "data", create=True)
    clock_box = []
    recorder = RecorderSink(store, clock=lambda: clock_box[0].now_s())  # checkpoints each simulated second
    host, clock = await host_with(recorder, program)
    clock_box.append(clock)
    host.emit(start_event(host, person="p9"))
    host.controller.submit(Command(Op.START, source="test"))
    await run_until(host, clock, 30.0)
    with Store.open(tmp_path / "data") as other:  # another connection, as another process would
        live = other.get("last")
        trace = list(read_trace(other.trace_path("last")))
    assert live["status"] == "running" and live["person"] == "p9"
    assert 29.0 <= live["duration_s"] <= 30.0
    assert [s["name"] for s in live["steps"]] == ["Walk", "Back"]
    last_t = max(r["t"] for r in trace)
    assert 29.0 <= last_t <= 30.0  # flushed up to the last checkpoint, no further
    await run_until(host, clock, 70.0)
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "program complete"})
    await host.close()
    with Store.open(tmp_path / "data") as other:
        done = other.get("last")
    assert done["status"] == "completed" and done["end_reason"] == "program complete"
    assert [s["name"] for s in done["steps"]] == ["Walk", "Back", "Walk again"]


async def test_in_real_time_it_runs_behind_a_queue_and_keeps_every_tick(tmp_path):
    done = await record(tmp_path / "data", program_file(tmp_path), realtime_sink=True)
    assert done.sink is not done.recorder and done.sink.dropped == 0 and done.sink.error is None
    with Store.open(tmp_path / "data") as store:
        summary = store.get(done.id)
        ticks = sum(1 for r in store.trace(done.id) if "event" not in r)
    assert summary["status"] == "completed"
    assert summary["forward"] == done.summary.as_dict()["forward"]
    own_ticks = sum(1 for line in done.trace_text.splitlines() if '"event"' not in line)
    assert ticks == own_ticks - 1  # all but the tick after session_end


async def test_a_session_its_front_end_never_ended_is_saved_interrupted(tmp_path):
    done = await record(tmp_path / "data", program_file(tmp_path), send_end=False)
    with Store.open(tmp_path / "data") as store:
        summary = store.get(done.id)
        events = [r["event"] for r in store.trace(done.id) if "event" in r]
    assert summary["status"] == "interrupted" and "never ended" in summary["end_reason"]
    assert summary["duration_s"] > 60 and len(summary["steps"]) == 3
    assert events[0] == "session_start" and events[-1] == "session_end"


async def test_sessions_one_after_another_each_get_their_own_record(tmp_path):
    program = program_file(tmp_path)
    recorder = RecorderSink(Store.open(tmp_path / "data", create=True))
    host, clock = await host_with(recorder, program)
    host.emit(start_event(host, person="a1"))
    host.controller.submit(Command(Op.START, source="test"))
    await run_until(host, clock, 10.0)
    host.emit(start_event(host, person="b2"))  # the console began another without ending this one
    await run_until(host, clock, 15.0)
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "operator locked", "status": "stopped"})
    await run_until(host, clock, 16.0)  # ticks between sessions belong to none
    host.emit(start_event(host))
    await run_until(host, clock, 20.0)
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "quit"})
    await host.close()
    with Store.open(tmp_path / "data") as store:
        first, second, third = (store.get(i) for i in recorder.ids)
        traces = [[r for r in store.trace(i) if "event" not in r] for i in recorder.ids]
    assert (first["person"], first["status"], first["end_reason"]) == ("a1", "stopped", "a new session began")
    assert (second["person"], second["end_reason"]) == ("b2", "operator locked")
    assert third["person"] is None and third["status"] == "stopped"
    assert [round(t[-1]["t"] - t[0]["t"]) for t in traces] == [10, 5, 4]
    assert [s["duration_s"] for s in (first, second, third)] == pytest.approx([10, 5, 4], abs=0.1)


async def test_a_failing_disk_ends_the_recording_not_the_session_and_is_reported_once(tmp_path):
    program = program_file(tmp_path)
    store = Store.open(tmp_path / "data", create=True)
    (tmp_path / "data" / "traces").rmdir()
    (tmp_path / "data" / "traces").write_text("not a folder")  # every trace write fails
    reports: list[str] = []
    recorder = RecorderSink(store, report=reports.append)
    host, clock = await host_with(recorder, program)
    host.emit(start_event(host))
    host.controller.submit(Command(Op.START, source="test"))
    await host.run(host.rest.until(host.view, None))
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "program complete"})
    await host.close()
    assert host.controller.program_complete  # the session itself went on to its end
    assert len(reports) == 1 and "recording stopped" in reports[0] and str(tmp_path / "data") in reports[0]
    with Store.open(tmp_path / "data") as other:
        assert other.get("last")["status"] == "interrupted"
