"""`retrotread check` and `retrotread diagram`."""

from __future__ import annotations

import shutil

import pytest

from scenario_support import SHIPPED_PROGRAMS, STATES, fwd


def test_check_accepts_every_shipped_program(retro):
    assert len(SHIPPED_PROGRAMS) >= 5
    result = retro.cli("check", *map(str, SHIPPED_PROGRAMS))
    assert result.returncode == 0, result.describe()
    assert result.stderr == ""
    ok_lines = [line for line in result.stdout.splitlines() if line.startswith("ok: ")]
    assert len(ok_lines) == len(SHIPPED_PROGRAMS), result.stdout
    for path in SHIPPED_PROGRAMS:
        assert any(line.startswith(f"ok: {path}:") for line in ok_lines), path


def test_check_refuses_a_bad_program_naming_the_path(retro, program):
    good = program([fwd(2.0, 3)], file="good.toml")
    bad = program([fwd(2.0, 3), fwd(17.0, 3)], file="bad.toml")
    result = retro.cli("check", str(good), str(bad))
    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "steps[1].speed_kmh" in lines[0], result.stderr
    assert f"ok: {good}" in result.stdout


def test_check_refuses_a_missing_file(retro, tmp_path):
    missing = tmp_path / "nope.toml"
    result = retro.cli("check", str(missing))
    assert result.returncode == 2, result.describe()
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_diagram_prints_mermaid_with_every_state(retro):
    result = retro.cli("diagram")
    assert result.returncode == 0, result.describe()
    assert "stateDiagram" in result.stdout
    for state in STATES:
        assert state in result.stdout, state


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is installed by .ci/run")
def test_diagram_svg_has_every_state(retro, tmp_path):
    out = tmp_path / "states.svg"
    result = retro.cli("diagram", "--format", "svg", "--output", str(out))
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for state in ("idle", "countdown", "running", "paused", "stopping", "reversing", "estop", "fault"):
        assert f">{state}<" in svg


def test_diagram_to_an_unwritable_place_is_one_line_and_exit_2(retro):
    result = retro.cli("diagram", "--output", "/nonexistent/dir/x.mmd")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
