"""Helpers for the plan tests: small plans and programs written into tmp_path, and the
`retrotread` command line in this process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ui.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]

#: a short session: forward, backward, forward (about a minute of steps)
SHORT = """name = "Short"
profile = "fitness"
max_reverse_kmh = 2.5

[[steps]]
name = "In"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
cue = "Forward"

[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 1.0
duration_s = 20
cue = "Backward: short steps"

[[steps]]
name = "Out"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
cue = "Forward again"
"""


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
