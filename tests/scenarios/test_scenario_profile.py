"""The profile rule (DESIGN.md): --profile, else the program's profile, else the site default.
A step over the effective profile's caps is refused (exit 2), never clamped (S4)."""

from __future__ import annotations

import pytest

from scenario_support import fwd, rev

REHAB_START, FITNESS_START = 0.5, 0.8


def _first_running_command(result) -> float:
    return next(t["command_kmh"] for t in result.ticks if t["state"] == "running")


def test_program_profile_applies_without_the_flag(retro, program):
    result = retro.run(program([fwd(2.0, 3)], profile="rehab"))
    assert result.returncode == 0, result.describe()
    assert _first_running_command(result) == pytest.approx(REHAB_START, abs=1e-3)


def test_site_default_profile_applies_without_either(retro, program):
    result = retro.run(program([fwd(2.0, 3)]))
    assert result.returncode == 0, result.describe()
    assert _first_running_command(result) == pytest.approx(FITNESS_START, abs=1e-3)


def test_flag_overrides_the_programs_profile(retro, program):
    result = retro.run(program([fwd(2.0, 3)], profile="rehab"), "--profile", "fitness")
    assert result.returncode == 0, result.describe()
    assert _first_running_command(result) == pytest.approx(FITNESS_START, abs=1e-3)


def test_step_over_the_flag_profile_cap_is_refused_not_clamped(retro, program):
    path = program([fwd(3.0, 3), fwd(10.0, 3)], profile="fitness")
    assert retro.cli("check", str(path)).returncode == 0  # fine under its own profile
    result = retro.run(path, "--profile", "rehab", trace=True)
    assert result.returncode == 2, result.describe()
    line = result.stderr.strip()
    assert "\n" not in line and str(path) in line and "steps[1].speed_kmh" in line and "rehab" in line, line
    assert not result.ticks


def test_reverse_step_over_the_flag_profile_cap_is_refused(retro, program):
    path = program([rev(4.0, 3)], profile="fitness")
    result = retro.run(path, "--profile", "rehab", "--allow-reverse")
    assert result.returncode == 2, result.describe()
    assert "steps[0].speed_kmh" in result.stderr and "\n" not in result.stderr.strip()


def test_program_cap_may_not_loosen_the_flag_profile(retro, program):
    path = program([rev(1.0, 3)], profile="fitness", max_reverse_kmh=4.0)
    assert retro.run(path, "--allow-reverse").returncode == 0
    result = retro.run(path, "--profile", "rehab", "--allow-reverse")
    assert result.returncode == 2, result.describe()
    assert "max_reverse_kmh" in result.stderr


def test_a_step_at_the_cap_runs_at_the_cap(retro, program):
    result = retro.run(program([rev(3.0, 8)], profile="rehab"), "--allow-reverse")
    assert result.returncode == 0, result.describe()
    assert max(t["target_kmh"] for t in result.ticks) == pytest.approx(3.0)
    assert max(t["command_kmh"] for t in result.ticks) <= 3.0 + 1e-9


def test_athlete_via_flag_needs_authorisation(retro, program):
    path = program([fwd(3.0, 3)])
    refused = retro.run(path, "--profile", "athlete")
    assert refused.returncode == 2, refused.describe()
    assert "--authorize-athlete" in refused.stderr
    allowed = retro.run(path, "--profile", "athlete", "--authorize-athlete")
    assert allowed.returncode == 0, allowed.describe()
