"""Helpers for the import tests: the `retrotread` command line in this process (fast) or as a
subprocess (`retrotread check` on a written program, end to end), and the written program read back."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from ui.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]


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
    def run(*args: str) -> Ran:
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def check_subprocess(path: Path) -> subprocess.CompletedProcess:
    """`retrotread check PATH` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "ui.cli", "check", str(path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)


def program_of(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def header_of(path: Path) -> str:
    """The file's leading comment block."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)
