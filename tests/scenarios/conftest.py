"""Fixtures for the scenario tests; the helpers themselves live in scenario_support.py.

    retro    -> Retro: .run(program, *args, inject=[...], trace=True, fast=True) / .cli(*args),
                each a subprocess `python -m ui.cli ...` with the repository root as cwd,
                returning Result(returncode, stdout, stderr, lines=parsed trace, ...)
    program  -> make(steps=[...], name=..., **top) or make(text=...): a TOML file in tmp_path
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenario_support import REPO_ROOT, Retro, program_toml  # noqa: E402


@pytest.fixture
def retro(tmp_path: Path) -> Retro:
    return Retro(tmp_path)


@pytest.fixture
def program(tmp_path: Path):
    """make(steps=[...], name=..., file=..., **top) or make(text=...) -> the path of a TOML file."""
    count = [0]

    def make(steps: list[dict[str, Any]] | None = None, *, text: str | None = None,
             file: str | None = None, **top: Any) -> Path:
        count[0] += 1
        path = tmp_path / (file or f"program-{count[0]}.toml")
        if text is None:
            assert steps is not None, "give steps or text"
            text = program_toml(steps, **top)
        path.write_text(text, encoding="utf-8")
        return path

    return make



@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
