"""A run is a deterministic function of program, seed and injections (DESIGN.md: the loop)."""

from __future__ import annotations

from scenario_support import fwd, rev

STEPS = [fwd(3.0, 5, "F"), rev(1.5, 5, "B"), fwd(4.0, 4, "F2")]
INJECT = ["hr:120@2", "pause@6", "resume@8"]


def test_same_program_seed_and_injections_give_byte_identical_traces(retro, program):
    path = program(STEPS)
    a = retro.run(path, "--allow-reverse", "--seed", "7", inject=INJECT)
    b = retro.run(path, "--allow-reverse", "--seed", "7", inject=INJECT)
    assert a.returncode == b.returncode == 0, a.describe()
    assert a.raw_trace and a.raw_trace == b.raw_trace
    assert a.stdout == b.stdout


def test_a_different_seed_changes_the_measured_belt_speed(retro, program):
    path = program(STEPS)
    a = retro.run(path, "--allow-reverse", "--seed", "7", inject=INJECT)
    b = retro.run(path, "--allow-reverse", "--seed", "8", inject=INJECT)
    assert a.returncode == b.returncode == 0
    belt_a = [t["belt_kmh"] for t in a.ticks]
    belt_b = [t["belt_kmh"] for t in b.ticks]
    assert belt_a != belt_b
    # the noise changes the measurement, not the program: same states, same steps
    assert [e["index"] for e in a.events("step")] == [e["index"] for e in b.events("step")]
