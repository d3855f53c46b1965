"""`retrotread sessions ...` and the recording side of `retrotread run` (ui/sessions_cmd.py,
docs/records.md): what a physiotherapist types, and every refusal one line, exit 2, nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "session" / "records"))
from records_support import REPO, program_file, record_now  # noqa: E402

from ui import cli  # noqa: E402
from ui.session.records import Store  # noqa: E402


def sessions(capsys, data: Path, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["sessions", *args, "--data-dir", str(data)])
    except SystemExit as exc:  # argparse's refusals
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    program = program_file(tmp_path)
    record_now(folder, program, person="p01", mass_kg=70.0)
    record_now(folder, program, person="p02", inject=("op-stop@25",))
    return folder


def test_list_and_show_in_words_and_as_json(capsys, data):
    code, out, _ = sessions(capsys, data, "list")
    assert code == 0
    header, newest, oldest = out.splitlines()
    assert header.split()[:3] == ["id", "started", "person"]
    assert " p02 " in newest and " stopped " in newest and " p01 " in oldest and " completed " in oldest
    code, out, _ = sessions(capsys, data, "list", "--json", "--person", "p01")
    listed, = json.loads(out)
    assert listed["person"] == "p01" and "steps" not in listed
    code, out, _ = sessions(capsys, data, "show", "last")
    assert code == 0 and "stop: 25.0 s operator stop (inject)" in out and "Back" in out
    code, out, _ = sessions(capsys, data, "show", listed["id"], "--json")
    shown = json.loads(out)
    assert shown["id"] == listed["id"] and [s["name"] for s in shown["steps"]] == ["Walk", "Back", "Walk again"]
    assert set(shown) >= {"forward", "backward", "stops", "heart_rate", "energy", "rpe", "pain", "note"}


def test_a_note_is_added_to_the_last_session_and_shown(capsys, data):
    code, out, _ = sessions(capsys, data, "note", "last", "--rpe", "6", "--pain", "3", "--text", "calf tight")
    assert code == 0 and "RPE 6, pain 3, note: calf tight" in out
    _, out, _ = sessions(capsys, data, "show", "last", "--json")
    shown = json.loads(out)
    assert (shown["rpe"], shown["pain"], shown["note"]) == (6, 3, "calf tight")


def test_export_jsonl_is_the_trace_and_fit_and_csv_come_from_the_exporters(capsys, data, tmp_path):
    with Store.open(data) as store:
        trace = list(store.trace("last"))
    code, out, _ = sessions(capsys, data, "export", "last", "--format", "jsonl", "-o", str(tmp_path / "t.jsonl"))
    assert code == 0 and [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()] == trace
    code, _, err = sessions(capsys, data, "export", "last", "--format", "csv", "-o", str(tmp_path / "t.csv"))
    assert code == 0, err
    assert (tmp_path / "t.csv").read_text().splitlines()[0].startswith("elapsed_s,")
    code, _, err = sessions(capsys, data, "export", "last", "--format", "fit", "-o", str(tmp_path / "t.fit"))
    assert code == 0, err
    assert (tmp_path / "t.fit").read_bytes()[8:12] == b".FIT"


@pytest.mark.parametrize("fmt", ["fit", "csv"])
def test_export_of_a_session_without_ticks_is_one_line_and_writes_nothing(capsys, data, tmp_path, fmt):
    """A session killed in its first second has a trace without a tick: no half file, no traceback."""
    import gzip

    with Store.open(data) as store:
        session_id = store.get("last")["id"]
        store.trace_path(session_id).write_bytes(gzip.compress(b""))
    target = tmp_path / f"t.{fmt}"
    code, out, err = sessions(capsys, data, "export", "last", "--format", fmt, "-o", str(target))
    assert code == 2 and len(err.strip().splitlines()) == 1 and session_id in err, err
    assert "Traceback" not in err and not target.exists()


def test_prune_dry_run_then_for_real(capsys, data):
    with Store.open(data) as store:
        store.conn.execute("UPDATE sessions SET started_unix = started_unix - 100 * 86400 WHERE person = 'p01'")
    code, out, _ = sessions(capsys, data, "prune", "--older-than", "30", "--dry-run")
    assert code == 0 and "would delete 1 session" in out and " p01 " in out
    assert len(Store.open(data).list()) == 2
    code, out, _ = sessions(capsys, data, "prune", "--older-than", "30", "--person", "p01")
    assert code == 0 and "deleted 1 session" in out
    assert [s["person"] for s in Store.open(data).list()] == ["p02"]
    code, out, _ = sessions(capsys, data, "prune", "--older-than", "30")
    assert code == 0 and "nothing older than 30 days" in out


def test_import_twice_adds_nothing_the_second_time(capsys, tmp_path):
    old = tmp_path / "sessions"
    old.mkdir()
    record_now(tmp_path / "scratch", program_file(tmp_path))
    with Store.open(tmp_path / "scratch") as store:  # a session, written as the old console did
        lines = [json.dumps(r) for r in store.trace("last")]
    (old / "20250101-090000.trace.jsonl").write_text("\n".join(lines) + "\n")
    (old / "20250101-090000.summary.json").write_text(json.dumps({
        "id": "20250101-090000", "started": "2025-01-01 09:00:00", "program": "Short", "profile": "fitness",
        "driver": "sim://", "end_reason": "operator locked", "duration_s": 61.7, "distance_forward_m": 30.0,
        "distance_backward_m": 5.0, "time_forward_s": 30.0, "time_backward_s": 13.0, "stops": []}))
    data = tmp_path / "data"
    code, out, _ = sessions(capsys, data, "import", str(old))
    assert code == 0 and "imported 1 session" in out
    code, out, _ = sessions(capsys, data, "import", str(old))
    assert code == 0 and "imported 0 sessions" in out and "(1 already there)" in out
    _, out, _ = sessions(capsys, data, "show", "20250101-090000", "--json")
    assert json.loads(out)["backward"] == {"time_s": 13.0, "distance_m": 5.0}


@pytest.mark.parametrize("args, says", [
    (("show", "19990101-000000"), "no such session"),
    (("list", "--person", "nobody"), "--person nobody: no such person"),
    (("list", "--person", "Jane Doe"), "a person code is"),
    (("note", "last", "--rpe", "11"), "--rpe 11: out of range"),
    (("note", "last", "--pain", "-1"), "--pain -1: out of range"),
    (("note", "last", "--pain", "2.5"), "--pain: invalid int value"),
    (("note", "last"), "nothing to note"),
    (("export", "last", "--format", "gpx", "-o", "x.gpx"), "--format: invalid choice"),
    (("export", "last", "--format", "jsonl", "-o", "/nonexistent/x.jsonl"), "-o /nonexistent/x.jsonl: no such folder"),
    (("prune", "--older-than", "-1"), "--older-than -1: must be 0 or more"),
    (("import", "/nonexistent"), "/nonexistent: not a folder"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(capsys, data, args, says):
    before = snapshot(data)
    code, _, err = sessions(capsys, data, *args)
    assert code == 2
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(data) == before


def test_an_unwritable_output_is_refused_and_an_existing_file_is_left_as_it_was(capsys, data, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    kept = folder / "kept.jsonl"
    kept.write_text("mine\n")
    code, _, err = sessions(capsys, data, "export", "last", "--format", "jsonl", "-o", str(folder))
    assert code == 2 and "is a folder" in err
    with Store.open(data) as store:  # the trace is damaged in its middle: the export fails midway
        path = store.trace_path("last")
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2: len(damaged) // 2 + 300] = bytes(300)
    path.write_bytes(bytes(damaged))
    code, _, err = sessions(capsys, data, "export", "last", "--format", "jsonl", "-o", str(kept))
    assert code == 2 and "damaged" in err and kept.read_text() == "mine\n"
    assert sorted(os.listdir(folder)) == ["kept.jsonl"]  # no half-written file beside it


def test_an_empty_or_missing_store_is_refused(capsys, tmp_path):
    for command in (("list",), ("show", "last"), ("note", "last", "--rpe", "3"), ("prune", "--older-than", "1"),
                    ("export", "last", "--format", "jsonl", "-o", str(tmp_path / "x"))):
        code, _, err = sessions(capsys, tmp_path / "none", *command)
        assert code == 2 and "no sessions recorded yet" in err, command
    assert not (tmp_path / "none").exists()
    Store.open(tmp_path / "empty", create=True).close()
    code, _, err = sessions(capsys, tmp_path / "empty", "list")
    assert code == 2 and "no sessions recorded yet" in err


@pytest.mark.parametrize("content", ["random", "foreign"])
def test_run_and_sessions_refuse_a_database_not_ours_and_leave_it_alone(tmp_path, content):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "sessions.db"
    if content == "random":
        db.write_bytes(os.urandom(4096))
    else:
        _foreign(db)
    before = db.read_bytes()
    program = program_file(tmp_path)
    trace = tmp_path / "trace.jsonl"
    for argv in (["run", str(program), "--allow-reverse", "--fast", "--record", "--data-dir", str(data), "--trace", str(trace)],
                 ["run", str(program), "--allow-reverse", "--fast", "--person", "p01", "--data-dir", str(data)],
                 ["sessions", "list", "--data-dir", str(data)]):
        done = subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=REPO, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and str(db) in done.stderr and "left as it is" in done.stderr
        assert not trace.exists()  # refused before anything started
    assert db.read_bytes() == before and sorted(os.listdir(data)) == ["sessions.db"]


def test_run_records_real_time_by_default_and_fast_only_when_asked(tmp_path, monkeypatch):
    program = program_file(tmp_path)
    monkeypatch.setenv("RETROTREAD_DATA", str(tmp_path / "env-data"))
    args = cli.build_parser().parse_args(["run", str(program), "--allow-reverse"])
    from ui.run import plan_run

    assert plan_run(args).records is not None and plan_run(args).records.folder == tmp_path / "env-data"
    fast = cli.build_parser().parse_args(["run", str(program), "--allow-reverse", "--fast"])
    assert plan_run(fast).records is None
    assert plan_run(cli.build_parser().parse_args(["run", str(program), "--allow-reverse", "--fast", "--record"])).records is not None
    assert plan_run(cli.build_parser().parse_args(["run", str(program), "--allow-reverse", "--no-record"])).records is None


def test_run_takes_the_person_s_mass_and_heart_rate_limit_under_the_flags(tmp_path):
    from ui.run import plan_run

    data = tmp_path / "data"
    with Store.open(data, create=True) as store:
        store.set_person("p05", mass_kg=58.0, max_hr_bpm=150)
    program = program_file(tmp_path)

    def planned(*flags):
        args = cli.build_parser().parse_args(["run", str(program), "--allow-reverse", "--fast", "--data-dir", str(data), *flags])
        session = plan_run(args).session
        return session.person, session.mass_kg, session.max_hr_bpm

    assert planned("--person", "p05") == ("p05", 58.0, 150)
    assert planned("--person", "p05", "--mass-kg", "61", "--max-hr", "170") == ("p05", 61.0, 150)
    assert planned("--person", "p05", "--max-hr", "140") == ("p05", 58.0, 140)
    assert planned("--person", "new1") == ("new1", None, None)


def _foreign(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE sessions (x)")
    conn.execute("INSERT INTO sessions VALUES (1)")
    conn.commit()
    conn.close()


def test_a_person_s_figures_are_set_shown_and_used_by_the_next_run(capsys, data, tmp_path):
    code, out, _ = sessions(capsys, data, "person", "p01", "--mass-kg", "64", "--max-hr", "150")
    assert code == 0 and "mass 64 kg, heart-rate limit 150 bpm, 1 session" in out
    code, out, _ = sessions(capsys, data, "person", "p01", "--json")
    assert json.loads(out)["mass_kg"] == 64.0 and json.loads(out)["sessions"] == 1
    before = snapshot(data)
    for args, says in ((("person", "p99"), "person p99: no such person"),
                       (("person", "p01", "--mass-kg", "400"), "--mass-kg 400: out of range"),
                       (("person", "p01", "--max-hr", "nan"), "--max-hr nan: out of range"),
                       (("person", "Jane Doe", "--mass-kg", "60"), "a person code is")):
        code, _, err = sessions(capsys, data, *args)
        assert code == 2 and says in err and err.count("\n") == 1
    assert snapshot(data) == before
    from ui.run import plan_run

    args = cli.build_parser().parse_args(["run", str(program_file(tmp_path)), "--allow-reverse", "--fast",
                                          "--person", "p01", "--data-dir", str(data)])
    session = plan_run(args).session
    assert (session.mass_kg, session.max_hr_bpm) == (64.0, 150.0)
