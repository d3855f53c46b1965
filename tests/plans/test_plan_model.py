"""Plan files: the structure, the sessions each week generates, and errors naming the plan
file and the plan's field."""

from __future__ import annotations

import pytest

from controller.limits import load_site_config
from drivers.base import Direction
from drivers.input_errors import InputError
from ui.session.plans.check import check_plan
from ui.session.plans.model import load_plan, session_program

SITE = load_site_config(None)

TWO_WEEKS = """name = "Test plan"
weeks = 2
[[sessions]]
program = "short.toml"
backward_speed_kmh = [1.2, 2.0]
backward_min = [0.5, 1.5]
[[sessions]]
name = "plain"
program = "short.toml"
"""

INTERVALS = """name = "Intervals"
profile = "fitness"
[[steps]]
direction = "forward"
speed_kmh = 3.0
duration_s = 60
[[steps]]
name = "Set"
repeat = 3
  [[steps.steps]]
  name = "Back"
  direction = "reverse"
  speed_kmh = 1.0
  to_speed_kmh = 1.5
  duration_s = 40
  [[steps.steps]]
  name = "Fwd"
  direction = "forward"
  speed_kmh = 3.0
  duration_s = 30
"""


def backward(program):
    return [step for step in program.steps if step.direction is Direction.REVERSE]


def test_each_week_sets_the_backward_speed_and_minutes(make_plan):
    plan = load_plan(make_plan(TWO_WEEKS))
    assert (plan.weeks, plan.per_week, plan.total) == (2, 2, 4)
    assert plan.order() == [(1, 1), (1, 2), (2, 1), (2, 2)]
    week1, week2 = session_program(plan, 1, 1), session_program(plan, 2, 1)
    assert [(s.speed_kmh, s.duration_s) for s in backward(week1)] == [(1.2, 30.0)]
    assert [(s.speed_kmh, s.duration_s) for s in backward(week2)] == [(2.0, 90.0)]
    forward = [(s.speed_kmh, s.duration_s) for s in week2.steps if s.direction is Direction.FORWARD]
    assert forward == [(3.0, 20.0), (3.0, 20.0)]  # forward steps are never changed
    assert week2.name == "Test plan: week 2 of 2, session 1 of 2"
    plain = session_program(plan, 2, 2)
    assert plain.name.endswith("session 2 of 2 (plain)")
    assert [(s.speed_kmh, s.duration_s) for s in backward(plain)] == [(1.0, 20.0)]


def test_speeds_scale_from_the_fastest_backward_speed_and_minutes_from_the_total(make_plan):
    plan = load_plan(make_plan('name = "P"\nweeks = 1\n[[sessions]]\nprogram = "intervals.toml"\n'
                               'backward_speed_kmh = 2.4\nbackward_min = 4\n', {"intervals.toml": INTERVALS}))
    program = session_program(plan, 1, 1)
    steps = backward(program)
    assert len(steps) == 3  # the block's three rounds, each changed alike
    assert {(s.speed_kmh, s.to_speed_kmh) for s in steps} == {(1.6, 2.4)}  # 1.0 -> 1.5 times 2.4 / 1.5
    assert {s.duration_s for s in steps} == {80.0} and sum(s.duration_s for s in steps) == 240.0
    assert check_plan(plan, SITE) == []


def test_the_shipped_plans_pass_every_week(make_plan):
    from pathlib import Path

    shipped = sorted((Path(__file__).resolve().parents[2] / "config" / "plans").glob("*.toml"))
    assert len(shipped) == 2
    for path in shipped:
        plan = load_plan(path)
        assert plan.weeks == 6 and plan.per_week == 3
        assert check_plan(plan, SITE) == [], path
        first, last = session_program(plan, 1, 1), session_program(plan, 6, 1)
        assert max(s.speed_kmh for s in backward(first)) < max(s.speed_kmh for s in backward(last))
        assert sum(s.duration_s for s in backward(first)) < sum(s.duration_s for s in backward(last))


def test_the_beginner_plan_keeps_to_older_adults_backward_speeds_and_rehab_session_lengths():
    from pathlib import Path

    plan = load_plan(Path(__file__).resolve().parents[2] / "config" / "plans" / "retro-walking-beginner.toml")
    speeds = [s.speed_kmh for week, n in plan.order() for s in backward(session_program(plan, week, n))]
    assert min(speeds) == 1.6 and max(speeds) == 2.1  # REFERENCE.md: older adults 1.6-2.1 km/h backward
    minutes = [session_program(plan, week, n).total_duration_s / 60 for week, n in plan.order()]
    assert 10 <= min(minutes) and max(minutes) <= 30  # rehab protocols: 10-30 min, 3x a week
    assert plan.per_week == 3


def test_a_week_over_the_cap_names_the_plan_field_and_the_week(make_plan):
    path = make_plan(TWO_WEEKS.replace("[1.2, 2.0]", "[1.2, 2.8]"))
    errors = check_plan(load_plan(path), SITE)
    assert len(errors) == 1
    text = str(errors[0])
    assert text.startswith(f"{path}: sessions[0].backward_speed_kmh[1]: week 2: short.toml: steps[1].speed_kmh:")
    assert "2.8 km/h is over the program's max_reverse_kmh of 2.5 km/h" in text


def test_a_single_number_applies_to_every_week_and_is_named_without_an_index(make_plan):
    path = make_plan(TWO_WEEKS.replace("[1.2, 2.0]", "3.0"))
    errors = check_plan(load_plan(path), SITE)
    assert [error.field for error in errors] == ["sessions[0].backward_speed_kmh"]
    assert "week 1" in str(errors[0])  # said once, for the first week it breaks


@pytest.mark.parametrize("body, field, words", [
    (TWO_WEEKS.replace("[0.5, 1.5]", "[0.5, 1.5, 2]"), "sessions[0].backward_min", "3 values for 2 weeks"),
    (TWO_WEEKS.replace("weeks = 2", "weeks = 2\nweek = 3"), "week", "unknown key"),
    (TWO_WEEKS.replace("weeks = 2", 'weeks = "2"'), "weeks", "'2'"),
    (TWO_WEEKS.replace("[1.2, 2.0]", "[1.2, -1]"), "sessions[0].backward_speed_kmh", "greater than 0"),
    (TWO_WEEKS.replace('name = "Test plan"\n', ""), "name", "missing"),
    ('name = "P"\nweeks = 1\nsessions = []\n', "sessions", "at least 1"),
])
def test_structure_errors_name_the_plan_file_and_field(make_plan, body, field, words):
    path = make_plan(body)
    with pytest.raises(InputError) as caught:
        load_plan(path)
    first = str(caught.value).splitlines()[0]
    assert first.startswith(f"{path}: {field}"), first
    assert words in str(caught.value)


def test_a_missing_or_broken_program_is_blamed_on_the_sessions_program_field(make_plan):
    path = make_plan(TWO_WEEKS.replace('program = "short.toml"\nback', 'program = "nope.toml"\nback'))
    errors = check_plan(load_plan(path), SITE)
    assert [str(error) for error in errors] == [f"{path}: sessions[0].program: nope.toml: {path.parent / 'nope.toml'}: "
                                                "no such file"]
    broken = make_plan(TWO_WEEKS, {"short.toml": "name = 'x'\nsteps = 3\n"})
    assert all(error.field == f"sessions[{i}].program" for i, error in
               zip((0, 1), check_plan(load_plan(broken), SITE)))


def test_changes_need_plain_backward_steps(make_plan):
    forward_only = 'name = "F"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 3.0\nduration_s = 60\n'
    path = make_plan('name = "P"\nweeks = 1\n[[sessions]]\nprogram = "f.toml"\nbackward_min = 2\n', {"f.toml": forward_only})
    (error,) = check_plan(load_plan(path), SITE)
    assert error.field == "sessions[0].backward_min" and "no backward step" in error.reason
