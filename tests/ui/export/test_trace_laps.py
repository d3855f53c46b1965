"""The exports' reading of a trace (ui/export/seconds.py, laps.py): laps as the summary counts
steps, and the traces that are not the usual `run` trace."""

from __future__ import annotations

import pytest

from export_support import executed_steps
from ui.export.seconds import TraceSeconds


def read(lines) -> TraceSeconds:
    seconds = TraceSeconds(iter(lines))
    for _ in seconds:
        pass
    return seconds


def test_each_laps_distance_is_its_steps(session):
    """Per step, the belt travel the summary gives it (export_support computes it independently)."""
    laps = read(session.lines).laps
    steps = session.summary["steps"]
    assert [lap.index for lap in laps] == [step["index"] for step in steps]
    for lap, step in zip(laps, steps):
        assert lap.distance_m == pytest.approx(step["distance_m"], rel=0.01, abs=0.5), lap.name
        assert lap.direction == step["direction"]


def test_a_first_step_without_its_event_is_a_lap_of_its_own(sessions):
    """The console's trace begins after its program was loaded: no event for the first step."""
    lines = sessions["hr_walk"].lines
    first_event = next(i for i, line in enumerate(lines) if line.get("event") == "step")
    laps = read(lines[:first_event] + lines[first_event + 1:]).laps
    steps = executed_steps(lines)
    assert [lap.index for lap in laps] == [step["index"] for step in steps]
    assert laps[0].name == "Step 1" and laps[0].direction == steps[0]["direction"]
    assert [lap.name for lap in laps[1:]] == [step["name"] for step in steps[1:]]


def test_a_trace_whose_start_was_refused_is_one_lap(sessions):
    """No step ever ran (only idle ticks, no step event): one lap for the whole session."""
    ticks = [{**tick, "state": "idle", "direction": "none", "belt_kmh": 0.0, "step": None}
             for tick in sessions["hr_walk"].ticks[:200]]
    seconds = read(ticks)
    (lap,) = seconds.laps
    assert (lap.index, lap.name, lap.distance_m) == (None, "Session", 0.0)
    assert lap.elapsed_s == pytest.approx(ticks[-1]["t"] - ticks[0]["t"])
