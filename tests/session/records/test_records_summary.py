"""The session summary (ui/session/summary.py) as DESIGN.md's "Session records" defines it:
per direction, per executed step, stops (refusals are not), heart rate and energy."""

from __future__ import annotations

import pytest

from controller.program import load_program
from drivers.base import Direction, DriveStatus
from records_support import BEGINNER, SHORT, program_file, record
from ui.session.summary import SummarySink


class Tick:
    """The names the summary reads from a tick view."""

    def __init__(self, now_s: float, status: DriveStatus | None, hr: float | None = None, step=None) -> None:
        self.now_s = now_s
        self.status = status
        self.heart_rate_bpm = hr
        self.step = step


async def test_every_executed_step_has_its_figures_and_they_add_up_to_the_totals(tmp_path):
    done = await record(tmp_path / "data", BEGINNER)
    figures = done.summary.as_dict()
    program = load_program(BEGINNER)
    steps = figures["steps"]
    assert [s["index"] for s in steps] == list(range(len(program.steps)))
    assert [s["name"] for s in steps] == [p.name for p in program.steps]
    assert [s["direction"] for s in steps] == [p.direction.value for p in program.steps]
    assert [s["planned_s"] for s in steps] == [p.duration_s for p in program.steps]
    backward = sum(s["distance_m"] for s in steps if s["direction"] == "reverse")
    forward = sum(s["distance_m"] for s in steps if s["direction"] == "forward")
    # a step's distance is belt travel in its own direction (a ramp down before a reversal is
    # the previous step's), so the steps of each direction add up to that direction's total
    assert backward == pytest.approx(figures["backward"]["distance_m"], abs=0.1 * len(steps))
    assert forward == pytest.approx(figures["forward"]["distance_m"], abs=0.1 * len(steps))
    for step, planned in zip(steps, program.steps):
        assert step["time_s"] == pytest.approx(planned.duration_s, abs=3.0)  # moving time: ramps shift it
        assert step["avg_kmh"] == pytest.approx(step["distance_m"] / step["time_s"] * 3.6, abs=0.01)
        assert step["avg_kmh"] <= planned.speed_kmh + 0.1
    assert figures["stops"] == [] and figures["program_complete"]


async def test_refusals_are_not_stops_but_estops_and_operator_stops_are(tmp_path):
    program = program_file(tmp_path)
    # key out at 25 s: an e-stop; start at 27 s while latched: refused (nothing moved)
    done = await record(tmp_path / "data", program, inject=("key-out@25", "start@27"))
    events = [line for line in done.trace_text.splitlines() if '"event":"refused"' in line]
    assert events, "the start should have been refused"
    stops = done.summary.as_dict()["stops"]
    assert [s["kind"] for s in stops] == ["estop"]
    assert stops[0]["time_s"] == pytest.approx(25.0, abs=0.05) and "key" in stops[0]["reason"]
    stopped = await record(tmp_path / "data2", program, inject=("op-stop@8",))
    stops = stopped.summary.as_dict()["stops"]
    assert [(s["kind"], s["reason"]) for s in stops] == [("operator_stop", "operator stop (inject)")]
    assert not stopped.summary.as_dict()["program_complete"]
    assert "stop: 8.0 s operator stop (inject)" in stopped.summary.text()


def test_heart_rate_is_averaged_over_ticks_with_a_reading_and_none_is_ignored():
    sink = SummarySink(0.0)
    moving = DriveStatus(3.6, Direction.FORWARD, True)
    readings = [None, 100.0, None, 110.0, 120.0, None]
    for n, hr in enumerate(readings, 1):
        sink.on_tick(Tick(n * 0.02, moving, hr))
    sink.on_tick(Tick(0.2, None, 200.0))  # a failed read is no news, whatever the view holds
    assert sink.as_dict()["heart_rate"] == {"avg_bpm": 110, "max_bpm": 120}
    assert "heart rate avg 110 bpm, max 120 bpm" in sink.text()
    quiet = SummarySink(0.0)
    quiet.on_tick(Tick(0.02, moving, None))
    assert quiet.as_dict()["heart_rate"] is None and "heart rate" not in quiet.text()


def test_energy_is_an_estimate_for_the_mass_given_else_for_70_kg_assumed():
    def walk(mass_kg):
        sink = SummarySink(0.0, mass_kg=mass_kg)
        for n in range(1, 3001):  # 60 s at 5 km/h backward
            sink.on_tick(Tick(n * 0.02, DriveStatus(5.0, Direction.REVERSE, True)))
        return sink.as_dict()["energy"], sink.text()

    assumed, text = walk(None)
    heavier, _ = walk(90.0)
    assert assumed["mass_kg"] == 70.0 and assumed["estimated"] is True and "70 kg assumed" in text
    assert heavier["mass_kg"] == 90.0 and heavier["estimated"] is False
    assert heavier["kcal"] == pytest.approx(assumed["kcal"] * 90 / 70, rel=0.02)
    assert assumed["met_avg"] > 1.0 and assumed["kcal"] > 0


def test_the_first_step_is_taken_from_the_view_and_later_ones_from_step_events():
    program = load_program(BEGINNER)
    sink = SummarySink(0.0)
    forward = DriveStatus(3.0, Direction.FORWARD, True)
    sink.on_tick(Tick(0.02, forward, step=program.steps[0]))
    sink.on_event({"t": 0.03, "event": "step", "index": 1, "name": "Back", "direction": "reverse",
                   "speed_kmh": 1.5, "duration_s": 45.0, "cue": None})
    sink.on_tick(Tick(0.04, forward))  # still slowing forward: the first step's
    sink.on_tick(Tick(0.06, DriveStatus(1.0, Direction.REVERSE, True)))
    first, second = sink.as_dict()["steps"]
    assert (first["index"], first["name"], first["planned_s"]) == (0, program.steps[0].name, program.steps[0].duration_s)
    assert first["distance_m"] == pytest.approx(0.0, abs=0.1) and first["time_s"] == pytest.approx(0.0, abs=0.1)
    assert sink.steps[0].distance_m == pytest.approx(2 * 3.0 / 3.6 * 0.02)
    assert sink.steps[1].distance_m == pytest.approx(1.0 / 3.6 * 0.02)
    assert (second["index"], second["direction"]) == (1, "reverse")


def test_a_step_that_was_never_entered_or_walked_is_not_listed():
    program = load_program(BEGINNER)
    sink = SummarySink(0.0)
    sink.on_tick(Tick(0.02, DriveStatus(0.0, Direction.NONE, False), step=program.steps[0]))
    assert sink.as_dict()["steps"] == []  # a refused start: nothing was executed


async def test_a_step_stopped_and_started_again_is_listed_once_per_start(tmp_path):
    program = program_file(tmp_path)
    done = await record(tmp_path / "data", program, inject=("op-stop@8", "start@15"))
    steps = done.summary.as_dict()["steps"]
    assert [(s["index"], s["name"]) for s in steps] == [(0, "Walk"), (0, "Walk"), (1, "Back"), (2, "Walk again")]
    first, again = steps[0], steps[1]
    assert first["time_s"] < 8.0  # cut short by the stop ...
    assert again["time_s"] == pytest.approx(again["planned_s"], abs=3.0)  # ... then run from its beginning
    assert done.summary.as_dict()["program_complete"]


def test_energy_counted_a_second_at_a_time_is_what_counting_every_tick_gives():
    from controller.energy import EnergyMeter

    sink = SummarySink(0.0, mass_kg=80.0)
    per_tick = EnergyMeter(80.0, False)
    for n in range(1, 30001):  # 10 minutes: ramps within each gait, reversals, grade changes
        direction = Direction.FORWARD if (n // 6000) % 2 else Direction.REVERSE
        speed_kmh = 0.5 + (n % 2500) / 1000 + (3.0 if direction is Direction.FORWARD else 0.0)
        status = DriveStatus(speed_kmh, direction, True, incline_pct=float((n // 9000) % 3))
        sink.on_tick(Tick(n * 0.02, status))
        per_tick.add(speed_kmh, status.incline_pct, direction, 0.02)
    assert sink.as_dict()["energy"] == pytest.approx(per_tick.as_dict())
