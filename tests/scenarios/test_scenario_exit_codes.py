"""Exit codes of `retrotread run` (DESIGN.md "Headless runs"): 0 completed, 3 stopped before
the end (reason in the trace and on stderr), 2 refused input (see test_scenario_bad_input.py)."""

from __future__ import annotations

import re

from scenario_support import STANDSTILL_KMH, fwd, rev

SUMMARY_TIME = re.compile(r"^time \d+:\d\d$", re.M)
SUMMARY_FORWARD = re.compile(r"^forward\s+(\d+) m in (\d+):(\d\d)$", re.M)
SUMMARY_BACKWARD = re.compile(r"^backward\s+(\d+) m in (\d+):(\d\d)$", re.M)


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.describe()


def test_short_program_completes_with_exit_0_and_a_summary(retro, program):
    path = program([fwd(2.0, 3, "A"), fwd(3.0, 3, "B")])
    result = retro.run(path)
    assert result.returncode == 0, result.describe()
    _no_traceback(result)
    out = result.stdout
    assert SUMMARY_TIME.search(out), out
    forward = SUMMARY_FORWARD.search(out)
    backward = SUMMARY_BACKWARD.search(out)
    assert forward and backward, out
    assert int(forward.group(1)) > 0, "a forward program covers some forward distance"
    assert int(backward.group(1)) == 0, "a forward-only program covers no backward distance"
    assert "stops: none" in out, out
    assert len(result.events("program_complete")) == 1
    assert result.ticks[-1]["state"] == "idle"
    assert result.ticks[-1]["belt_kmh"] <= STANDSTILL_KMH


def test_summary_counts_backward_distance(retro, program):
    path = program([fwd(2.0, 2, "F"), rev(2.0, 6, "B")])
    result = retro.run(path, "--allow-reverse")
    assert result.returncode == 0, result.describe()
    backward = SUMMARY_BACKWARD.search(result.stdout)
    assert backward, result.stdout
    seconds = int(backward.group(2)) * 60 + int(backward.group(3))
    assert int(backward.group(1)) >= 1 and seconds >= 4, result.stdout


def test_operator_stop_exits_3_with_the_reason_on_stderr(retro, program):
    path = program([fwd(3.0, 10, "A"), fwd(4.0, 10, "B")])
    result = retro.run(path, inject=["op-stop@8"])
    assert result.returncode == 3, result.describe()
    _no_traceback(result)
    assert "operator stop" in result.stderr.lower(), result.stderr
    assert result.events("operator_stop"), result.event_log()
    assert not result.events("program_complete")
    assert "stop:" in result.stdout  # the summary lists the stop


def test_latched_operator_estop_exits_3(retro, program):
    path = program([fwd(3.0, 10, "A"), fwd(4.0, 10, "B")])
    result = retro.run(path, inject=["op-estop@8"])
    assert result.returncode == 3, result.describe()
    _no_traceback(result)
    assert "e-stop" in result.stderr.lower(), result.stderr
    assert result.ticks[-1]["state"] == "estop"
    assert result.ticks[-1]["belt_kmh"] <= STANDSTILL_KMH


def test_start_refused_at_the_outset_exits_3_with_the_reason_on_stderr(retro, program):
    """The key is out before the (implicit) start: nothing moves, the run is stopped before the
    end of the program, and 'the reason is in the trace and on stderr' (DESIGN.md)."""
    path = program([fwd(3.0, 10, "A")])
    result = retro.run(path, inject=["key-out@0"])
    assert result.returncode == 3, result.describe()
    assert all(t["command_kmh"] == 0.0 for t in result.ticks)
    refused = result.first_event("refused")
    assert "key" in refused["reason"].lower()
    assert "key" in result.stderr.lower(), (
        f"stderr should give the reason the run stopped (the start was refused: {refused['reason']!r}); "
        f"got {result.stderr!r}")


def test_run_ends_when_the_program_completes_even_with_injections_left(retro, program):
    """'It ends when the program completes' (DESIGN.md): injections scheduled after the end do
    not keep the run going, and cannot turn a completed program into exit 3."""
    path = program([fwd(2.0, 3, "A")])
    result = retro.run(path, inject=["op-estop@60"])
    assert result.returncode == 0, result.describe()
    assert result.events("program_complete")
    assert result.ticks[-1]["t"] < 20, f"the run went on to t={result.ticks[-1]['t']} after the program completed"
    assert not result.events("estop"), result.event_log()
