"""Helpers for the import tests: `retrotread check` on a written program as a user runs it (a
subprocess), and the written program read back."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


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
