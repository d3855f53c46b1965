"""Fixtures for the report tests: a person's sessions, their summaries built from real traces
(tests/ui/export/export_support.py runs `retrotread run --fast --trace`)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "export")]

from export_support import run_session, summary_from_trace  # noqa: E402

PERSON = "P-0042"
FIRST = datetime(2025, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1)))
# (real session, days after the first, RPE, pain, note): weeks of a rehab course
COURSE = [("stopped", 0, 4, 3, "Knee sore after the fall-stop; harness checked"),
          ("hr_walk", 3, 3, 2, ""),
          ("hr_walk", 7, None, None, "RPE & pain not asked <b>sic</b>"),
          ("backward_run", 10, 6, 1, "First backward running"),
          ("stopped", 14, 2, 0, "")]


@pytest.fixture(scope="session")
def real_sessions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-sessions")
    return {name: run_session(folder, name) for name in {entry[0] for entry in COURSE}}


@pytest.fixture(scope="session")
def summaries(real_sessions) -> list[dict]:
    """The course's summaries, newest first (as a store might list them). Tests do not change them."""
    out = []
    for number, (name, days, rpe, pain, note) in enumerate(COURSE, start=1):
        session = real_sessions[name]
        summary = summary_from_trace(session.lines, started=FIRST + timedelta(days=days, minutes=number),
                                     person=PERSON, program=session.summary["program"],
                                     profile=session.summary["profile"], rpe=rpe, pain=pain,
                                     note=note)
        summary["id"] = number
        out.append(summary)
    return out[::-1]
