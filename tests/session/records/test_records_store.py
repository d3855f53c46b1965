"""The store (ui/session/records/): the data folder, the database that is never harmed when it
is not ours, the summaries, interrupted sessions, notes, people and retention."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from records_support import program_file, record
from ui.session.records import Store, StoreError, data_dir
from ui.session.records.folder import ENV_VAR
from ui.session.records.store import STALE_S

SUMMARY_KEYS = {"id", "person", "program", "profile", "driver", "started", "ended", "status", "end_reason",
                "duration_s", "forward", "backward", "stops", "heart_rate", "energy", "rpe", "pain", "note"}


def test_the_data_folder_is_the_flag_else_the_environment_else_the_platform_s(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert data_dir(None) == tmp_path / "env"
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir(None) == tmp_path / "xdg" / "retrotread"


async def test_a_recording_makes_a_private_folder_and_private_files(tmp_path):
    folder = tmp_path / "deep" / "data"
    old_umask = os.umask(0o002)  # a permissive umask must not loosen them
    try:
        done = await record(folder, program_file(tmp_path))
    finally:
        os.umask(old_umask)
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert os.stat(folder / "traces").st_mode & 0o777 == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"sessions.db", f"{done.id}.jsonl.gz"}
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o600)}


async def test_the_stored_summary_is_the_front_end_s_with_who_what_and_when(tmp_path):
    done = await record(tmp_path / "data", program_file(tmp_path), person="p-07", mass_kg=82.0)
    with Store.open(tmp_path / "data") as store:
        summary = store.get(done.id)
        assert store.get("last") == summary
        assert store.person("p-07")["code"] == "p-07"
    assert set(summary) == SUMMARY_KEYS | {"steps"}
    figures = done.summary.as_dict()
    for key in ("duration_s", "forward", "backward", "stops", "heart_rate", "energy", "steps"):
        assert summary[key] == figures[key], key
    assert summary["person"] == "p-07" and summary["energy"]["mass_kg"] == 82.0
    assert summary["program"] == "Short: forward, back, forward" and summary["profile"] == "fitness"
    assert summary["driver"] == "sim://" and summary["status"] == "completed"
    assert summary["end_reason"] == "program complete"
    started, ended = (time.mktime(time.strptime(summary[k][:19], "%Y-%m-%dT%H:%M:%S")) for k in ("started", "ended"))
    assert ended - started == pytest.approx(summary["duration_s"], abs=1.0)
    assert [s["name"] for s in summary["steps"]] == ["Walk", "Back", "Walk again"]


async def test_the_trace_in_the_store_is_the_session_s_trace(tmp_path):
    done = await record(tmp_path / "data", program_file(tmp_path))
    with Store.open(tmp_path / "data") as store:
        stored = list(store.trace(done.id))
    ticks = [r for r in stored if "event" not in r]
    events = [r for r in stored if "event" in r]
    assert events[0]["event"] == "session_start" and events[0]["id"] == done.id
    assert events[-1]["event"] == "session_end" and "summary" not in events[-1]
    own_lines = done.trace_text.splitlines()
    end = next(n for n, line in enumerate(own_lines) if '"event":"session_end"' in line)
    own = [line for line in own_lines[:end] if '"event"' not in line]
    assert len(ticks) == len(own)  # the recorder missed no tick of the session
    assert ticks[0]["t"] == 0.0 and {"state", "direction", "belt_kmh", "step", "interlocks"} <= set(ticks[0])


async def test_sessions_are_listed_newest_first_and_by_person(tmp_path):
    program = program_file(tmp_path)
    ids = [(await record(tmp_path / "data", program, person=person)).id for person in ("a1", "b2", "a1")]
    with Store.open(tmp_path / "data") as store:
        assert len(set(ids)) == 3  # started in the same second: -2, -3
        assert [s["id"] for s in store.list()] == ids[::-1]
        assert [s["id"] for s in store.list("a1")] == [ids[2], ids[0]]
        assert all("steps" not in s for s in store.list())
        with pytest.raises(StoreError, match="--person zz: no such person"):
            store.list("zz")
        with pytest.raises(StoreError, match="person code"):
            store.list("not a code!")
        for wanted in ("20200101-101010", "20200202-101010"):
            assert store.begin({"id": wanted}, started_unix=time.time() - 1e8) == wanted
        assert store.get("202001")["id"] == "20200101-101010"  # a unique prefix will do ...
        with pytest.raises(StoreError, match="matches several"):
            store.get("2020")  # ... an ambiguous one will not
        with pytest.raises(StoreError, match="no such session"):
            store.get("19990101-000000")


def test_an_empty_or_missing_store_is_refused_and_nothing_is_made(tmp_path):
    with pytest.raises(StoreError, match="no sessions recorded yet"):
        Store.open(tmp_path / "none")
    assert not (tmp_path / "none").exists()
    Store.open(tmp_path / "empty", create=True).close()
    with Store.open(tmp_path / "empty") as store:
        assert store.list() == []
        with pytest.raises(StoreError, match="no sessions recorded yet"):
            store.get("last")


@pytest.mark.parametrize("content", ["random", "foreign", "newer"])
def test_a_database_not_ours_is_refused_in_one_line_and_left_as_it_is(tmp_path, content):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "sessions.db"
    if content == "random":
        db.write_bytes(os.urandom(8192))
    elif content == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE sessions (id TEXT, secret TEXT)")
        conn.execute("INSERT INTO sessions VALUES ('x', 'keep me')")
        conn.commit()
        conn.close()
    else:
        Store.open(folder, create=True).close()
        conn = sqlite3.connect(db)
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
        conn.close()
    before = db.read_bytes()
    names = sorted(os.listdir(folder))
    for create in (False, True):
        with pytest.raises(StoreError) as refused:
            Store.open(folder, create=create)
        message = str(refused.value)
        assert str(db) in message and "\n" not in message and "left as it is" in message
    assert db.read_bytes() == before and sorted(os.listdir(folder)) == names


async def test_a_session_whose_recorder_died_is_interrupted_with_what_it_last_saved(tmp_path):
    folder = tmp_path / "data"
    done = await record(folder, program_file(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with Store.open(folder) as store:
        figures = {**done.summary.as_dict(), "duration_s": 12.0}
        alive_id = store.begin({"program": "p"}, started_unix=time.time())  # this process: alive
        dead_id = store.begin({"program": "p"}, started_unix=time.time(), pid=int(dead.stdout))
        stale_id = store.begin({"program": "p"}, started_unix=time.time())
        for session_id in (alive_id, dead_id, stale_id):
            store.checkpoint(session_id, figures)
        store.conn.execute("UPDATE sessions SET heartbeat_unix = ? WHERE id = ?", (time.time() - STALE_S - 1, stale_id))
        assert store.get(alive_id)["status"] == "running"
        for session_id in (dead_id, stale_id):
            interrupted = store.get(session_id)
            assert interrupted["status"] == "interrupted" and interrupted["duration_s"] == 12.0
            assert interrupted["steps"] == figures["steps"]


async def test_notes_are_checked_and_a_refused_one_changes_nothing(tmp_path):
    done = await record(tmp_path / "data", program_file(tmp_path))
    with Store.open(tmp_path / "data") as store:
        noted = store.note("last", rpe=4.5, pain=2, text="knee fine")
        assert (noted["rpe"], noted["pain"], noted["note"]) == (4.5, 2, "knee fine")
        assert store.note(done.id, pain=0)["note"] == "knee fine"  # the rest is kept
        for bad in (dict(rpe=10.5), dict(rpe=-1), dict(pain=11), dict(pain=-1), dict(), dict(pain=3, rpe=12)):
            with pytest.raises(StoreError):
                store.note("last", **bad)
        after = store.get("last")
        assert (after["rpe"], after["pain"], after["note"]) == (4.5, 0, "knee fine")


async def test_people_carry_mass_and_heart_rate_limit_for_the_next_session(tmp_path):
    folder = tmp_path / "data"
    with Store.open(folder, create=True) as store:
        store.set_person("p01", mass_kg=61.5)
        assert store.set_person("p01", max_hr_bpm=150)["mass_kg"] == 61.5
        with pytest.raises(StoreError):
            store.set_person("Jane Doe")
    # no mass_kg in session_start and no summary in session_end: the recorder's own figures,
    # for the person's mass
    done = await record(folder, program_file(tmp_path), person="p01", end_summary=False)
    with Store.open(folder) as store:
        energy = store.get(done.id)["energy"]
        assert (energy["mass_kg"], energy["estimated"]) == (61.5, False)
        assert [p["code"] for p in store.people()] == ["p01"] and store.people()[0]["sessions"] == 1


async def test_prune_deletes_old_sessions_with_their_traces_and_a_dry_run_nothing(tmp_path):
    folder = tmp_path / "data"
    program = program_file(tmp_path)
    ids = [(await record(folder, program, person=p)).id for p in ("a1", "b2", "a1")]
    with Store.open(folder) as store:
        store.conn.execute("UPDATE sessions SET started_unix = started_unix - 40 * 86400 WHERE id != ?", (ids[2],))
        traces = {i: store.trace_path(i) for i in ids}
        would = store.prune(30, dry_run=True)
        assert [s["id"] for s in would] == [ids[1], ids[0]] and len(store.list()) == 3
        assert all(path.exists() for path in traces.values())
        gone = store.prune(30, person="a1")
        assert [s["id"] for s in gone] == [ids[0]]
        assert not traces[ids[0]].exists() and traces[ids[1]].exists()
        assert [s["id"] for s in store.list()] == [ids[2], ids[1]]
        assert store.conn.execute("SELECT count(*) FROM steps WHERE session_id = ?", (ids[0],)).fetchone()[0] == 0
        with pytest.raises(StoreError):
            store.prune(-1)
        live = store.begin({"program": "p"}, started_unix=time.time() - 90 * 86400)
        assert live not in [s["id"] for s in store.prune(30)]  # a session being recorded stays
