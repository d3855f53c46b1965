"""Fixtures for the report tests: a person's sessions, their summaries built from real traces
(tests/ui/export/export_support.py runs `retrotread run --fast --trace`)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "export")]

from export_support import run_session, summary_from_trace  # noqa: E402
from report_support import COURSE, FIRST, PERSON  # noqa: E402


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
