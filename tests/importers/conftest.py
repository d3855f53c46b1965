"""Fixtures for the import tests: `cli(*args)`, the `retrotread` command line in this process
(helpers that are not fixtures live in import_support.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

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
    def run(*args: str) -> Ran:
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run
