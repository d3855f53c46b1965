"""The documented rehearsal of a shipped program (docs/programs.md, "Checking and rehearsing")."""

from __future__ import annotations

from scenario_support import REPO_ROOT, STANDSTILL_KMH

BEGINNER = REPO_ROOT / "config" / "programs" / "beginner-retro-walk.toml"


def test_beginner_program_rehearses_to_completion(retro):
    result = retro.run(BEGINNER, "--allow-reverse")
    assert result.returncode == 0, result.describe()
    assert len(result.events("program_complete")) == 1
    assert [e["index"] for e in result.events("step")] == list(range(12))
    assert max(t["command_kmh"] for t in result.ticks if t["direction"] == "reverse") <= 2.5 + 1e-9
    assert result.ticks[-1]["state"] == "idle" and result.ticks[-1]["belt_kmh"] <= STANDSTILL_KMH


def test_documented_fall_at_180_s_estops_during_the_first_backward_interval(retro):
    result = retro.run(BEGINNER, "--allow-reverse", inject=["fall@180"])
    assert result.returncode == 3, result.describe()
    estop = result.first_event("estop")
    assert 180.0 < estop["t"] < 181.0
    tick = result.tick_at(estop["t"])
    assert tick["step"] == 1 and tick["state"] == "estop"
    assert result.tick_at(179.98)["direction"] == "reverse"
