"""Nothing lost, for real: `retrotread run` processes recording into one data folder, one of
them killed with SIGKILL mid-run, two of them at once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from records_support import REPO, program_file
from ui.session.records import Store, StoreError
from ui.session.records.tracefile import read_trace

MINUTE_FORWARD = """\
name = "A minute forward"
profile = "fitness"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 3.0
duration_s = 30
[[steps]]
name = "Faster"
direction = "forward"
speed_kmh = 4.0
duration_s = 30
"""
WAIT_S = 60.0  # a deadline for a loaded machine, not a measurement


def retrotread(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ui.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)


def sessions(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", "sessions", *args, "--data-dir", str(data)],
                          cwd=REPO, capture_output=True, text=True, timeout=WAIT_S)


def poll(what, deadline_s: float = WAIT_S):
    """what() until it returns something true (the store may not exist or be mid-write yet)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            found = what()
        except (StoreError, sqlite3.Error):
            found = None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def live_progress(data: Path):
    """(row duration, last trace time) of the running session, once it is 4 s in (walking since 3 s)."""
    with Store.open(data) as store:
        rows = [s for s in store.list() if s["status"] == "running"]
        if not rows or rows[0]["duration_s"] < 4.0:
            return None
        last_t = max(r["t"] for r in read_trace(store.trace_path(rows[0]["id"])))
        return rows[0]["duration_s"], last_t


def test_a_run_killed_with_sigkill_is_listed_interrupted_with_what_it_had_written(tmp_path):
    data = tmp_path / "data"
    program = program_file(tmp_path, MINUTE_FORWARD)
    run = retrotread("run", str(program), "--data-dir", str(data), "--person", "k1")  # real time: records
    try:
        seen_duration_s, seen_t = poll(lambda: live_progress(data))
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(WAIT_S)
    assert run.returncode == -signal.SIGKILL
    listed = sessions(data, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    summary, = json.loads(listed.stdout)
    assert summary["status"] == "interrupted" and summary["person"] == "k1"
    assert summary["duration_s"] >= seen_duration_s and summary["forward"]["distance_m"] > 0
    shown = json.loads(sessions(data, "show", "last", "--json").stdout)
    assert shown["steps"][0]["name"] == "Walk" and shown["steps"][0]["time_s"] > 0
    exported = tmp_path / "out.jsonl"
    assert sessions(data, "export", "last", "--format", "jsonl", "-o", str(exported)).returncode == 0
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert records[0]["event"] == "session_start"
    assert max(r["t"] for r in records) >= seen_t  # everything flushed before the kill is there
    conn = sqlite3.connect(data / "sessions.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_two_runs_recording_at_once_leave_both_sessions_whole(tmp_path):
    data = tmp_path / "data"
    program = REPO / "config" / "programs" / "beginner-retro-walk.toml"
    args = ("run", str(program), "--allow-reverse", "--fast", "--record", "--data-dir", str(data))
    runs = [retrotread(*args, "--person", person, "--seed", seed, "--trace", str(tmp_path / f"{person}.jsonl"))
            for person, seed in (("a1", "1"), ("b2", "2"))]

    def both_running():
        with Store.open(data) as store:
            return len([s for s in store.list() if s["status"] == "running"]) == 2

    try:
        overlapped = poll(both_running)
    finally:
        outputs = [run.communicate(timeout=WAIT_S) for run in runs]
    assert overlapped  # both were being recorded at the same moment
    assert [run.returncode for run in runs] == [0, 0], outputs
    with Store.open(data) as store:
        a, b = (store.get(s["id"]) for s in sorted(store.list(), key=lambda s: s["person"]))
        traces = {s["id"]: [r for r in store.trace(s["id"]) if "event" not in r] for s in (a, b)}
    for summary in (a, b):
        assert summary["status"] == "completed" and len(summary["steps"]) == 12
        own = (tmp_path / f"{summary['person']}.jsonl").read_text().split('"event":"session_end"')[0]
        assert len(traces[summary["id"]]) == own.count('"state":')  # every tick of the run's own trace
        assert f"recorded as session {summary['id']}" in "".join(out for out, _ in outputs)
    assert (a["person"], b["person"]) == ("a1", "b2") and a["id"] != b["id"]
