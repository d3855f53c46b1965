"""`retrotread --help` and `--version` start light: none of pydantic, textual or pymodbus is
imported for them (bench/startup.py measures the time against `python -c pass`)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from ui.cli import main
try:
    main([{flag!r}])
except SystemExit as done:
    code = done.code
print("HEAVY", sorted(m for m in ("pydantic", "textual", "pymodbus") if m in sys.modules), code)
"""


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag):
    done = subprocess.run([sys.executable, "-c", PROBE.format(flag=flag)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY [] 0"


def test_version_names_the_installed_distribution():
    done = subprocess.run([sys.executable, "-m", "ui.cli", "--version"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("retrotread ") and done.stdout.strip() != "retrotread"
    from importlib.metadata import version

    assert done.stdout.strip() == f"retrotread {version('retrotread')}"
