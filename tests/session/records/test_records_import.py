"""`sessions import DIR` (ui/session/records/importer.py): the console's old sessions folder
(`<name>.summary.json` + `<name>.trace.jsonl`, as ui/console/sessions.py wrote them before the
store) into the store: nothing lost, nothing twice, a bad file refused before anything is written."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest

from controller.clock import SimClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from drivers import open_drive
from records_support import program_file
from ui.session.host import SessionHost, open_for
from ui.session.plan import SessionPlan
from ui.session.records import Store, StoreError
from ui.session.records.importer import import_folder
from ui.session.summary import SummarySink
from ui.session.trace import TraceSink

OLD_STARTED = "2025-03-04 10:20:30"


async def write_old_session(folder, program_path, stem: str, inject=()) -> dict:
    """One session as the old console left it: its trace from session_start to session_end, and
    its summary beside it (totals with the old names, stops as lines, refusals among them)."""
    from sim.faults import InjectionSchedule, parse_injection

    site = load_site_config()
    program = load_program(program_path)
    plan = SessionPlan(site, program, site.profiles["fitness"], allow_reverse=True)
    clock = SimClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    schedule = InjectionSchedule([parse_injection(text) for text in inject])
    host = SessionHost(plan, drive, clock, schedule=schedule, drive_open=True)
    stream = io.StringIO()
    totals = SummarySink(host.t0_s)
    host.add_sink(TraceSink(stream, host.t0_s))
    host.add_sink(totals)
    host.emit({"t": host.t0_s, "event": "session_start", "program": program.name, "profile": "fitness",
               "driver": "sim://", "id": stem})
    host.controller.submit(Command(Op.START, source="console"))
    await host.run(host.rest.until(host.view, schedule))
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "operator locked"})
    await host.close()
    refusals = [f"{e['t']:.1f} s refused: {e['reason']}" for e in map(json.loads, stream.getvalue().splitlines())
                if e.get("event") == "refused"]
    summary = {"id": stem, "started": OLD_STARTED, "ended": "2025-03-04 10:40:00", "program": program.name,
               "profile": "fitness", "driver": "sim://", "program_complete": host.controller.program_complete,
               "end_reason": "operator locked", "duration_s": round(totals.duration_s, 1),
               "distance_forward_m": round(totals.forward_m, 1), "distance_backward_m": round(totals.reverse_m, 1),
               "time_forward_s": round(totals.forward_s, 1), "time_backward_s": round(totals.reverse_s, 1),
               "stops": totals.stop_lines() + refusals, "trace": stem + ".trace.jsonl"}
    # the old console's traces had no step event for the step a session began in
    lines = [line for line in stream.getvalue().splitlines(keepends=True)
             if not ('"event":"step"' in line and '"index":0,' in line)]
    folder.mkdir(exist_ok=True)
    (folder / (stem + ".trace.jsonl")).write_text("".join(lines))
    (folder / (stem + ".summary.json")).write_text(json.dumps(summary, indent=2))
    return summary


def old_folder(tmp_path):
    program = program_file(tmp_path)
    folder = tmp_path / "sessions"
    complete = asyncio.run(write_old_session(folder, program, "20250304-102030"))
    stopped = asyncio.run(write_old_session(folder, program, "20250304-102030-2",
                                            inject=("key-out@25", "start@27")))
    return folder, complete, stopped


def test_old_sessions_are_imported_whole_and_only_once(tmp_path):
    folder, complete, stopped = old_folder(tmp_path)
    with Store.open(tmp_path / "data", create=True) as store:
        added, skipped = import_folder(store, folder)
        assert (added, skipped) == (["20250304-102030", "20250304-102030-2"], 0)
        assert import_folder(store, folder) == ([], 2)  # twice: nothing more
        assert len(store.list()) == 2
        first, second = (store.get(i) for i in added)
        trace = list(store.trace(added[0]))
    original = [json.loads(line) for line in (folder / "20250304-102030.trace.jsonl").read_text().splitlines()]
    assert trace == original  # the trace itself, now compressed
    assert first["started"].startswith("2025-03-04T10:20:30")
    assert first["status"] == "completed" and second["status"] == "stopped"
    assert first["end_reason"] == "operator locked" and first["program"] == complete["program"]
    for summary, old in ((first, complete), (second, stopped)):
        assert summary["forward"] == {"time_s": old["time_forward_s"], "distance_m": old["distance_forward_m"]}
        assert summary["backward"] == {"time_s": old["time_backward_s"], "distance_m": old["distance_backward_m"]}
        assert summary["duration_s"] == old["duration_s"]
    # steps replayed from the trace; the first has no name in an old trace
    assert [(s["index"], s["name"], s["direction"]) for s in first["steps"]] == [
        (0, None, "forward"), (1, "Back", "reverse"), (2, "Walk again", "forward")]
    assert sum(s["distance_m"] for s in first["steps"]) == pytest.approx(
        complete["distance_forward_m"] + complete["distance_backward_m"], abs=0.3)
    assert first["energy"]["estimated"] and first["energy"]["kcal"] > 0
    # the old summary listed the refused start among its stops: it is not one
    assert any("refused" in line for line in stopped["stops"])
    assert [s["kind"] for s in second["stops"]] == ["estop"]


def test_an_id_taken_by_another_session_gets_a_suffix_and_still_imports_once(tmp_path):
    folder, _, _ = old_folder(tmp_path)
    with Store.open(tmp_path / "data", create=True) as store:
        store.begin({"id": "20250304-102030"}, started_unix=time.time())
        added, _ = import_folder(store, folder)
        assert added == ["20250304-102030-2", "20250304-102030-2-2"]
        assert import_folder(store, folder) == ([], 2)


@pytest.mark.parametrize("damage", ["not json", "no started", "bad started"])
def test_a_bad_summary_is_named_and_nothing_is_imported(tmp_path, damage):
    folder, _, _ = old_folder(tmp_path)
    path = folder / "20250304-102030-2.summary.json"
    summary = json.loads(path.read_text())
    if damage == "not json":
        path.write_text("{ half")
    elif damage == "no started":
        del summary["started"]
        path.write_text(json.dumps(summary))
    else:
        summary["started"] = "yesterday"
        path.write_text(json.dumps(summary))
    with Store.open(tmp_path / "data", create=True) as store:
        with pytest.raises(StoreError, match="20250304-102030-2.summary.json") as refused:
            import_folder(store, folder)
        assert "\n" not in str(refused.value)
        assert store.list() == [] and list((tmp_path / "data" / "traces").iterdir()) == []


def test_a_folder_without_sessions_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with Store.open(tmp_path / "data", create=True) as store:
        with pytest.raises(StoreError, match="no console sessions"):
            import_folder(store, tmp_path / "empty")
        with pytest.raises(StoreError, match="not a folder"):
            import_folder(store, tmp_path / "missing")
