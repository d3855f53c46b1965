"""Fixtures for the export tests: real sessions, run once per test session (export_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_support import SESSIONS, Session, run_session  # noqa: E402


@pytest.fixture(scope="session")
def sessions(tmp_path_factory) -> dict[str, Session]:
    folder = tmp_path_factory.mktemp("export-sessions")
    return {name: run_session(folder, name) for name in SESSIONS}


@pytest.fixture(params=sorted(SESSIONS))
def session(request, sessions) -> Session:
    return sessions[request.param]
