"""Fixtures for the plan tests: `cli(*args)` (the `retrotread` command line in this process) and
`make_plan` (a plan and its programs in tmp_path); plan_support.py has the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from plan_support import SHORT
from ui.cli import main


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def cli(capsys):
    """cli(*args) -> Ran: `retrotread ARGS` in this process (argparse's exits count as codes)."""
    def run(*args) -> Ran:
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


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
