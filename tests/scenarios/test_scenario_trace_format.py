"""The `--trace FILE` format of DESIGN.md, checked line by line on real runs.

Tick objects: exactly t, state, direction, target_kmh, command_kmh, belt_kmh, incline_pct, step,
interlocks{safety_key, fall_stop, drive_comms, ...}, plus the documented extension heart_rate_bpm
(docs/trace.md). Event objects: t and event, plus `state`
(from/to), `step` (index, name), `estop`/`fault` (reason), `program_complete`.
"""

from __future__ import annotations

import json
import math

import pytest

from scenario_support import EPS, STATES, TICK_S, Retro, fwd, program_toml, rev

TICK_KEYS = {"t", "state", "direction", "target_kmh", "command_kmh", "belt_kmh", "incline_pct", "step",
             "interlocks", "heart_rate_bpm"}  # the last: a compatible extension, docs/trace.md
REQUIRED_INTERLOCKS = {"safety_key", "fall_stop", "drive_comms"}
DIRECTIONS = {"forward", "reverse", "none"}

# forward with incline -> reverse (a reversal) -> a block -> forward progression
STEPS = [
    fwd(3.0, 4, "Warm-up", incline_pct=2.0),
    rev(1.5, 4, "Back"),
    {"name": "Set", "repeat": 2, "steps": [fwd(2.5, 2, "Fwd"), fwd(3.0, 2, "Faster")]},
    fwd(3.0, 4, "Cool-down", to_speed_kmh=2.0),
]
N_STEPS = 1 + 1 + 2 * 2 + 1


def _run(tmp_path_factory, name, steps, *args, inject=()):
    tmp = tmp_path_factory.mktemp(name)
    path = tmp / "program.toml"
    path.write_text(program_toml(steps, name=name), encoding="utf-8")
    return Retro(tmp).run(path, *args, inject=inject)


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    """A completed run through countdown, running, paused, reversing, stopping and idle."""
    result = _run(tmp_path_factory, "completed", STEPS, "--allow-reverse", inject=["pause@5", "resume@7"])
    assert result.returncode == 0, result.describe()
    return result


@pytest.fixture(scope="module")
def estopped(tmp_path_factory):
    result = _run(tmp_path_factory, "estopped", [fwd(3.0, 20)], inject=["key-out@6"])
    assert result.returncode == 3, result.describe()
    return result


@pytest.fixture(scope="module")
def faulted(tmp_path_factory):
    result = _run(tmp_path_factory, "faulted", [fwd(3.0, 20)], inject=["drive-fault@6"])
    assert result.returncode == 3, result.describe()
    return result


@pytest.fixture(scope="module", params=["completed", "estopped", "faulted"])
def any_run(request):
    return request.getfixturevalue(request.param)


def test_every_line_is_one_json_object(any_run):
    text = any_run.raw_trace.decode("utf-8")
    assert text.endswith("\n")
    for n, line in enumerate(text.splitlines(), 1):
        assert isinstance(json.loads(line), dict), f"line {n}: {line!r}"
    assert len(any_run.lines) == len(text.splitlines())


def test_tick_objects_have_exactly_the_design_fields_with_the_right_types(any_run):
    ticks = any_run.ticks
    assert ticks
    for tick in ticks:
        assert set(tick) == TICK_KEYS, f"tick keys {sorted(tick)} differ from the documented {sorted(TICK_KEYS)}"
        assert isinstance(tick["t"], (int, float)) and not isinstance(tick["t"], bool)
        assert tick["state"] in STATES, tick
        assert tick["direction"] in DIRECTIONS, tick
        for key in ("target_kmh", "command_kmh", "belt_kmh", "incline_pct"):
            value = tick[key]
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, tick)
            assert math.isfinite(value) and value >= 0.0, (key, tick)
        assert tick["step"] is None or (isinstance(tick["step"], int) and not isinstance(tick["step"], bool)), tick
        interlocks = tick["interlocks"]
        assert isinstance(interlocks, dict)
        assert REQUIRED_INTERLOCKS <= set(interlocks), f"interlocks lack {REQUIRED_INTERLOCKS - set(interlocks)}"
        for key in REQUIRED_INTERLOCKS:
            assert isinstance(interlocks[key], bool), (key, tick)


def test_ticks_start_at_zero_and_advance_by_one_period(any_run):
    times = [tick["t"] for tick in any_run.ticks]
    assert times[0] == pytest.approx(0.0, abs=EPS)
    for a, b in zip(times, times[1:]):
        assert b - a == pytest.approx(TICK_S, abs=1e-3), f"tick at {a} followed by {b}"


def test_step_field_is_a_valid_index(completed):
    steps = {tick["step"] for tick in completed.ticks}
    assert steps - {None} == set(range(N_STEPS))


def test_events_have_t_and_event_on_the_tick_grid(any_run):
    tick_times = [tick["t"] for tick in any_run.ticks]
    events = any_run.events()
    assert events
    last = -1.0
    for event in events:
        assert isinstance(event["event"], str) and event["event"]
        t = event["t"]
        assert isinstance(t, (int, float)) and not isinstance(t, bool)
        assert t >= last - EPS, "events are in time order"
        last = t
        assert any(abs(t - tt) < 1e-3 for tt in tick_times), f"event off the tick grid: {event}"


def test_state_events_chain_and_agree_with_the_tick_states(any_run):
    current = "idle"
    seen_change = False
    for line in any_run.lines:
        if line.get("event") == "state":
            assert line["from"] in STATES and line["to"] in STATES, line
            assert line["from"] == current, f"state event {line} does not follow from {current!r}"
            assert line["to"] != line["from"]
            current = line["to"]
            seen_change = True
        elif "event" not in line:
            assert line["state"] == current, f"tick {line} disagrees with the last state event ({current!r})"
    assert seen_change


def test_the_completed_run_visits_the_expected_states(completed):
    visited = completed.states_visited()
    for state in ("countdown", "running", "paused", "reversing", "stopping", "idle"):
        assert state in visited, visited
    assert visited[0] == "countdown" and visited[-1] == "idle"


def test_step_events_have_index_and_name_in_program_order(completed):
    steps = completed.events("step")
    assert [event["index"] for event in steps] == list(range(N_STEPS))
    names = [event["name"] for event in steps]
    assert names[0] == "Warm-up" and names[1] == "Back" and names[-1] == "Cool-down"
    assert names[2] == "Set 1/2: Fwd" and names[5] == "Set 2/2: Faster"
    for event in steps:
        assert isinstance(event["index"], int) and isinstance(event["name"], str)


def test_program_complete_appears_once_at_the_end(completed):
    done = completed.events("program_complete")
    assert len(done) == 1
    assert done[0]["t"] >= completed.events("step")[-1]["t"]
    assert all(tick["step"] is None for tick in completed.ticks_between(done[0]["t"] + TICK_S))


def test_direction_follows_the_program(completed):
    direction_of = {event["index"]: event["direction"] for event in completed.events("step")}
    for tick in completed.ticks:
        if tick["state"] == "running":
            assert tick["direction"] == direction_of[tick["step"]], tick
        if tick["state"] in ("idle", "countdown"):
            assert tick["command_kmh"] == 0.0, tick
    assert any(t["direction"] == "reverse" for t in completed.ticks)
    assert any(t["direction"] == "forward" for t in completed.ticks)


def test_every_start_begins_at_the_start_speed(completed):
    """S6: whenever the belt starts (after the countdown, after a reversal, after a resume),
    the first running tick commands exactly the fitness start speed, 0.8 km/h."""
    starts = 0
    previous = None
    for tick in completed.ticks:
        if tick["state"] == "running" and previous is not None and previous["state"] != "running":
            starts += 1
            assert tick["command_kmh"] == pytest.approx(0.8, abs=1e-3), (previous, tick)
        previous = tick
    assert starts == 4  # the start, the resume after the pause, two reversals (F->R, R->F)


def test_incline_is_reported(completed):
    assert max(t["incline_pct"] for t in completed.ticks) == pytest.approx(2.0, abs=0.05)


def test_estop_and_fault_events_have_a_reason(estopped, faulted):
    for result, kind in ((estopped, "estop"), (faulted, "fault")):
        events = result.events(kind)
        assert events, result.event_log()
        for event in events:
            assert isinstance(event.get("reason"), str) and event["reason"], event


def test_no_program_complete_on_a_stopped_run(estopped, faulted):
    assert not estopped.events("program_complete")
    assert not faulted.events("program_complete")
