"""Fixtures for the plan tests: `make_plan` (a plan and its programs in tmp_path); `cli(*args)` (the
`retrotread` command line in this process) is in tests/conftest.py; plan_support.py has the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_support import SHORT


@pytest.fixture
def make_plan(tmp_path):
    """make_plan(body, programs={"short.toml": SHORT}, name="plan.toml") -> the plan's path; the
    programs are written beside it."""
    def make(body: str, programs: dict[str, str] | None = None, name: str = "plan.toml") -> Path:
        for file, text in (programs if programs is not None else {"short.toml": SHORT}).items():
            (tmp_path / file).write_text(text, encoding="utf-8")
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return make
