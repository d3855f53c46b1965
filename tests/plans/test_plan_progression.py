"""A person's progression through a plan, from real recorded runs: `run --plan PLAN --person
CODE --fast --record --data-dir DIR` (the command line in this process, one run as a
subprocess), read back with `plan next` and the store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plan_support import REPO_ROOT
from ui.session.plans.progress import Done, next_session
from ui.session.records import Store, StoreError

PLAN = """name = "Two by two"
weeks = 2
[[sessions]]
name = "first"
program = "short.toml"
backward_speed_kmh = [1.0, 1.4]
backward_min = [0.5, 1]
[[sessions]]
name = "second"
program = "short.toml"
"""


@pytest.fixture
def setup(tmp_path, make_plan, cli):
    plan = make_plan(PLAN)
    data = tmp_path / "data"

    def run(person: str = "p1", *more):
        return cli("run", "--plan", plan, "--person", person, "--allow-reverse", "--fast", "--record",
                   "--data-dir", data, *more)

    def upcoming(person: str = "p1"):
        return cli("plan", "next", "--person", person, "--data-dir", data, plan)

    return plan, data, run, upcoming


def newest(data) -> dict:
    with Store.open(data) as store:
        summary = store.list()[0]
        start = next(iter(store.trace(summary["id"])))
    return {**summary, "start": start}


def test_completed_sessions_advance_and_a_stopped_one_is_repeated(setup):
    plan, data, run, upcoming = setup
    assert "next: week 1 session 1" in upcoming().out  # nobody recorded yet: the start
    first = run()
    assert first.code == 0, first.err
    record = newest(data)
    assert record["status"] == "completed"
    assert record["program"] == "Two by two: week 1 of 2, session 1 of 2 (first)"
    assert {key: record["start"]["plan"][key] for key in ("name", "week", "session", "weeks", "per_week")} == \
        {"name": "Two by two", "week": 1, "session": 1, "weeks": 2, "per_week": 2}
    assert record["backward"]["time_s"] == pytest.approx(30, abs=2)  # week 1: half a minute backward
    assert "next: week 1 session 2" in upcoming().out

    assert run().code == 0  # week 1 session 2
    stopped = run("p1", "--inject", "op-stop@30")  # week 2 session 1, stopped before its end
    assert stopped.code == 3
    assert newest(data)["status"] == "stopped"
    again = upcoming()
    assert "next: week 2 session 1" in again.out and "again" in again.out and "stopped" in again.out

    repeated = run()  # the same session again, now completed
    assert repeated.code == 0
    record = newest(data)
    assert (record["start"]["plan"]["week"], record["start"]["plan"]["session"]) == (2, 1)
    assert record["backward"]["time_s"] == pytest.approx(60, abs=2)  # week 2: a minute backward
    assert "next: week 2 session 2" in upcoming().out
    assert "3 of 4 completed" in upcoming().out

    assert run().code == 0
    done = upcoming()
    assert done.code == 0 and "done" in done.out
    refused = run()
    assert refused.code == 2 and len(refused.err_lines) == 1 and "every session" in refused.err


def test_each_person_has_their_own_place_in_the_plan(setup):
    plan, data, run, upcoming = setup
    assert run("p1").code == 0
    assert run("p1").code == 0
    assert "next: week 2 session 1" in upcoming("p1").out
    assert "next: week 1 session 1" in upcoming("p2").out
    assert run("p2").code == 0
    assert "next: week 1 session 2" in upcoming("p2").out and "next: week 2 session 1" in upcoming("p1").out


def test_a_session_of_another_plan_or_a_plain_program_does_not_count(setup, tmp_path, make_plan, cli):
    plan, data, run, upcoming = setup
    other = make_plan(PLAN.replace("Two by two", "Other plan"), name="other.toml")
    assert cli("run", "--plan", other, "--person", "p1", "--allow-reverse", "--fast", "--record",
               "--data-dir", data).code == 0
    assert cli("run", tmp_path / "short.toml", "--person", "p1", "--allow-reverse", "--fast", "--record",
               "--data-dir", data).code == 0
    assert "next: week 1 session 1" in upcoming().out


def test_a_session_whose_trace_is_lost_does_not_count(setup):
    plan, data, run, upcoming = setup
    assert run().code == 0
    assert run().code == 0
    with Store.open(data) as store:
        newest_trace = store.trace_path("last")
    newest_trace.write_bytes(b"\x1f\x8b not gzip any more")
    assert "next: week 1 session 2" in upcoming().out  # from the session before it


def test_the_run_as_a_user_types_it(setup, cli):
    plan, data, run, upcoming = setup
    ran = subprocess.run([sys.executable, "-m", "ui.cli", "run", "--plan", str(plan), "--person", "p9",
                          "--allow-reverse", "--fast", "--record", "--data-dir", str(data)],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    shown = cli("sessions", "show", "last", "--json", "--data-dir", data)
    assert json.loads(shown.out)["program"] == "Two by two: week 1 of 2, session 1 of 2 (first)"


def test_run_plan_refusals_are_one_line(setup, tmp_path, cli):
    plan, data, run, upcoming = setup
    cases = [
        (("run", "--plan", plan, "--allow-reverse", "--fast"), "needs --person"),
        (("run", "--allow-reverse", "--fast"), "give a PROGRAM"),
        (("run", tmp_path / "short.toml", "--plan", plan, "--person", "p1", "--fast"), "not both"),
        (("run", "--plan", tmp_path / "none.toml", "--person", "p1", "--fast"), "no such file"),
        (("run", "--plan", plan, "--person", "Anna Maria", "--fast"), "pseudonym"),
        (("run", "--plan", plan, "--person", "p1", "--fast"), "--allow-reverse"),
    ]
    for args, words in cases:
        ran = cli(*args, "--data-dir", data)
        assert ran.code == 2, (args, ran.err)
        assert len(ran.err_lines) == 1 and words in ran.err, (args, ran.err)
    assert not (data / "sessions.db").exists()  # nothing recorded, nothing made


def rule(*done: tuple[str, int, int]):
    return next_session(2, 2, [Done(f"s{n}", status, week, number, "") for n, (status, week, number) in
                               enumerate(done)])


def test_the_rule_from_the_newest_session():
    assert (rule().week, rule().number) == (1, 1)
    assert (rule(("completed", 1, 2)).week, rule(("completed", 1, 2)).number) == (2, 1)
    assert (rule(("interrupted", 1, 2), ("completed", 1, 1)).week, rule(("interrupted", 1, 2)).number) == (1, 2)
    assert rule(("completed", 2, 2)).week is None
    assert rule(("completed", 1, 1), ("completed", 1, 2)).completed == 2
    with pytest.raises(StoreError, match="being recorded now"):
        rule(("running", 1, 1))
