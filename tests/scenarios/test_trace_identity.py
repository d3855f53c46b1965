"""Refactors keep behaviour: the traces of the sample programs, with and without a set of
injections, are byte-identical to the digests saved in tests/fixtures/trace_hashes.json.

A change meant to change behaviour regenerates the file (`uv run python bench/trace_hashes.py
--write tests/fixtures/trace_hashes.json`) and says so in its commit message.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


def test_sample_program_traces_are_byte_identical_to_the_saved_digests():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "trace_hashes.py"), "--check",
                           str(ROOT / "tests" / "fixtures" / "trace_hashes.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stdout + done.stderr
    traces = 2 * len(list((ROOT / "config" / "programs").glob("*.toml")))  # each with and without injections
    assert f"{traces} of {traces} traces byte-identical" in done.stdout
