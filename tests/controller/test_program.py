"""Interval programs: structure errors and limit errors (every one at once, in plain words with
the value given), flattening, the shipped samples, and the slowest speed a rehab program may use."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.errors import InputError
from controller.interlocks.speed_monitor import STALL_MIN_COMMAND_KMH
from controller.limits import CONFIG_DIR, load_site_config
from controller.program import (
    MPH_TO_KMH,
    Program,
    ProgramStep,
    check_program,
    in_file_order,
    limit_errors,
    load_checked,
    load_program,
    parse_program,
    read_program,
    read_program_file,
)
from drivers.base import Direction

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "programs"
SAMPLES = sorted((CONFIG_DIR / "programs").glob("*.toml"))
SITE = load_site_config()


def load_and_check(path: Path) -> Program:
    program = load_program(path)
    check_program(program, SITE.profile(program.profile))
    return program


def refusal(path: Path) -> InputError:
    """The one error of a file with one mistake: one line naming the file."""
    with pytest.raises(InputError) as info:
        load_and_check(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: "), message
    assert info.value.errors == (info.value,)
    return info.value


def every_error(data: dict, profile: str | None = None) -> list[str]:
    """Every error of `data` (structure; then limits when a profile is named) as `FIELD: REASON`."""
    program, errors = read_program(data, "x")
    if profile is not None:
        errors = in_file_order(errors + limit_errors(program, SITE.profile(profile)))
    return [error.line.removeprefix("x: ") for error in errors]


# --- refused files: one fixture per kind of error ------------------------------------------

REFUSED = [
    # fixture, field path, the reason (in plain words, with the value given)
    ("unknown-top-level-key", "colour", "unknown key"),
    ("unknown-step-key", "steps[0].incline", "unknown key (did you mean incline_pct?)"),
    ("misspelt-key", "steps[0].duraton_s", "unknown key (did you mean duration_s?)"),
    ("duration-in-minutes", "steps[0].duration_min", "unknown key: duration is in seconds here: duration_s = 300"),
    ("missing-direction", "steps[0].direction", "missing"),
    ("missing-duration", "steps[1].duration_s", "missing"),
    ("speed-as-string", "steps[0].speed_kmh", 'a number, not the text "3.0"'),
    ("bool-for-number", "steps[0].duration_s", "a number, not true"),
    ("zero-duration", "steps[0].duration_s", "0 s must be more than 0 s"),
    ("negative-duration", "steps[0].duration_s", "-30 s must be more than 0 s"),
    ("nan-speed", "steps[0].speed_kmh", "nan is not a finite number"),
    ("both-speeds", "steps[0].speed_mph", "give speed_kmh or speed_mph, not both"),
    ("mixed-units", "steps[0].to_speed_mph", "the step's speed is speed_kmh; give both in one unit"),
    ("bad-direction", "steps[0].direction", '"backward" is not forward or reverse'),
    ("empty-steps", "steps", "an empty list: at least 1 needed"),
    ("step-not-a-table", "steps[0]",
     "each step must be a table (direction, speed, duration) or a block (repeat, steps), not 3"),
    ("repeat-zero", "steps[1].repeat", "0 is below the minimum of 1"),
    ("repeat-not-whole", "steps[0].repeat", "a whole number, not 2.5"),
    ("cue-too-long", "steps[0].cue", "223 characters: at most 200"),
    ("nested-unknown-key", "steps[1].steps[0].speed_khm", "unknown key (did you mean speed_kmh?)"),
    ("too-deep", "steps[0].steps[0].steps[0].steps[0]", "blocks nest at most 3 deep"),
    ("too-many-steps", "steps[0]", "repeats expand to 1100 steps; at most 1000"),
    ("hr-empty-range", "steps[0].max_speed_kmh", "1.5 km/h must be above min_speed_kmh (2 km/h): the range is empty"),
    ("hr-target-at-limit", "steps[0].target_hr_bpm", "140 bpm is at or above the heart-rate limit of 140 bpm"),
    ("over-reverse-cap", "steps[1].steps[0].speed_kmh",
     "6.0 km/h is over the fitness profile's reverse cap of 5.5 km/h"),
    ("over-program-cap-progression", "steps[0].to_speed_kmh",
     "3.0 km/h is over the program's max_reverse_kmh of 2.5 km/h"),
    ("over-cap-mph", "steps[0].speed_mph",
     "4.0 mph (6.437 km/h) is over the fitness profile's reverse cap of 3.418 mph (5.5 km/h)"),
    ("below-start-speed", "steps[0].speed_kmh", "0.3 km/h is below the rehab profile's start speed of 0.5 km/h"),
    ("cap-loosens-profile", "max_reverse_kmh",
     "7 would loosen the profile's 5.5 km/h reverse cap (fitness); a program may only tighten it"),
    ("incline-over-max", "steps[0].incline_pct", "12 % is over the rehab profile's incline max of 10 %"),
]


@pytest.mark.parametrize(("fixture", "field", "reason"), REFUSED, ids=[case[0] for case in REFUSED])
def test_refused_with_file_field_and_reason(fixture, field, reason):
    path = FIXTURES / f"{fixture}.toml"
    error = refusal(path)
    assert (error.field, error.reason) == (field, reason)
    assert str(error) == f"{path}: {field}: {reason}"


def test_every_fixture_is_exercised():
    named = {case[0] for case in REFUSED} | {"malformed-toml", "several-errors", "over-cap-every-step"}
    assert {path.stem for path in FIXTURES.glob("*.toml")} == named


def test_malformed_toml_names_the_line():
    path = FIXTURES / "malformed-toml.toml"
    error = refusal(path)
    assert error.field is None
    assert "not valid TOML" in error.reason
    assert "line 5" in error.reason


def test_missing_file():
    error = refusal(FIXTURES / "no-such-program.toml")
    assert error.reason == "no such file"


# --- every error at once ----------------------------------------------------------------------

def test_a_file_with_several_mistakes_gets_every_one_in_file_order():
    """The issue's file: a wrong direction, a step over the cap and a misspelt key come together
    (not one fix at a time), with a text for a number, a key in minutes and a step below the
    start speed inside a block repeated twice (named once)."""
    path = FIXTURES / "several-errors.toml"
    with pytest.raises(InputError) as info:
        load_checked(path, lambda program: SITE.profile(program.profile))
    error = info.value
    assert str(error).splitlines() == [f"{path}: {line}" for line in [
        'steps[1].direction: "backwards" is not forward or reverse',
        "steps[2].speed_kmh: 9.0 km/h is over the fitness profile's reverse cap of 5.5 km/h",
        "steps[3].duraton_s: unknown key (did you mean duration_s?)",
        'steps[4].speed_kmh: a number, not the text "3"',
        "steps[4].duration_min: unknown key: duration is in seconds here: duration_s = 300",
        "steps[5].steps[0].speed_kmh: 0.3 km/h is below the fitness profile's start speed of 0.8 km/h",
    ]]
    assert error.lines == str(error).splitlines()
    # usable as before: the parts are the first error's
    assert (error.source, error.field) == (str(path), "steps[1].direction")
    assert error.reason == '"backwards" is not forward or reverse'


def test_limits_are_checked_for_every_step_not_just_the_first():
    path = FIXTURES / "over-cap-every-step.toml"
    program, errors = read_program_file(path)
    assert errors == []
    found = limit_errors(program, SITE.profile("fitness"))
    assert [(e.field, e.reason) for e in found] == [
        ("steps[0].speed_kmh", "6.0 km/h is over the fitness profile's reverse cap of 5.5 km/h"),
        ("steps[2].to_speed_kmh", "7.0 km/h is over the fitness profile's reverse cap of 5.5 km/h"),
    ]
    with pytest.raises(InputError) as info:
        check_program(program, SITE.profile("fitness"))
    assert info.value.lines == [e.line for e in found]


def test_a_misspelt_key_is_not_also_reported_missing():
    _, errors = read_program_file(FIXTURES / "misspelt-key.toml")
    assert [e.field for e in errors] == ["steps[0].duraton_s"]  # not "steps[0].duration_s: missing" too
    assert every_error({"name": "x", "steps": [{"direction": "forward", "duration_s": 5, "speed": 3}]}) == [
        "steps[0].speed: unknown key (did you mean speed_kmh?)"]  # nor "speed_kmh: missing (or speed_mph)"
    assert every_error({"naem": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 5}]}) == [
        "naem: unknown key (did you mean name?)"]


def test_a_key_with_an_error_is_said_once_and_the_rest_of_its_step_is_still_checked():
    assert every_error({"name": "x", "profile": "fitness", "steps": [
        {"direction": "reverse", "speed_kmh": 9.0, "duration_s": "60"},
        {"direction": "forward", "speed_kmh": -1, "duration_s": 60},
        {"direction": "sideways", "speed_kmh": 30, "duration_s": 60},
    ]}, profile="fitness") == [
        'steps[0].duration_s: a number, not the text "60"',
        "steps[0].speed_kmh: 9.0 km/h is over the fitness profile's reverse cap of 5.5 km/h",
        "steps[1].speed_kmh: -1 km/h must be more than 0 km/h",
        'steps[2].direction: "sideways" is not forward or reverse',  # no cap without a direction
    ]


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("duraton_s", 60, "unknown key (did you mean duration_s?)"),
    ("duration", 60, "unknown key (did you mean duration_s?)"),
    ("duration_min", 2.5, "unknown key: duration is in seconds here: duration_s = 150"),
    ("duration_h", 1, "unknown key: duration is in seconds here: duration_s = 3600"),
    ("duration_sec", "1", "unknown key: duration is in seconds here (duration_s)"),
    ("target_hr", 120, "unknown key (did you mean target_hr_bpm?)"),
    ("colour", "red", "unknown key"),
])
def test_unknown_keys_say_what_was_probably_meant(key, value, reason):
    """One line each: a key meant for duration_s does not leave duration_s reported missing too."""
    step = {"direction": "forward", "speed_kmh": 3.0, key: value}
    if not key.startswith("duration"):
        step["duration_s"] = 60
    assert every_error({"name": "x", "steps": [step]}) == [f"steps[0].{key}: {reason}"]


def test_speed_in_kph_is_named_in_km_h():
    assert every_error({"name": "x", "steps": [{"direction": "forward", "speed_kph": 3, "duration_s": 5}]}) == [
        "steps[0].speed_kph: unknown key: speed is in km/h here: speed_kmh = 3"]


def test_several_input_errors_in_one():
    one = InputError("f.toml", "a", "first")
    two = InputError("f.toml", None, "second")
    assert InputError.of([one]) is one
    both = InputError.of([one, InputError.of([two])])
    assert both.errors == (one, two)
    assert str(both) == "f.toml: a: first\nf.toml: second"
    assert (both.source, both.field, both.reason) == ("f.toml", "a", "first")


@pytest.mark.parametrize(("data", "field", "reason"), [
    ({"steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}, "name", "missing"),
    ({"name": "  ", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}, "name",
     '"  " must not be blank'),
    ({"name": 5, "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}, "name",
     "a text in quotes, not 5"),
    ({"name": "x"}, "steps", "missing"),
    ({"name": "x", "steps": "walk"}, "steps", 'a list, not the text "walk"'),
    ({"name": "x", "steps": [3]}, "steps[0]", "must be a table"),
    ({"name": "x", "max_reverse_kmh": 0, "steps": [{"direction": "reverse", "speed_kmh": 1, "duration_s": 1}]},
     "max_reverse_kmh", "0 km/h must be more than 0 km/h"),
    ({"name": "x", "steps": [{"direction": "forward", "duration_s": 1}]}, "steps[0].speed_kmh", "missing"),
    ({"name": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "to_speed_mph": 2, "duration_s": 1}]},
     "steps[0].to_speed_mph", "one unit"),
    ({"name": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 4 * 3600 + 1}]},
     "steps[0].duration_s", "14401 s is over the maximum of 14400 s"),
    ({"name": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1, "incline_pct": 26}]},
     "steps[0].incline_pct", "26 % is over the maximum of 25 %"),
    ({"name": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1, "cue": "x" * 201}]},
     "steps[0].cue", "201 characters: at most 200"),
    ({"name": "x", "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1, "cue": "a\nb"}]},
     "steps[0].cue", '"a\\nb" must be one line'),
    ({"name": "x", "steps": [{"repeat": 2, "direction": "forward", "steps": [
        {"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}]}, "steps[0].direction", "unknown key"),
    ({"name": "x", "steps": [{"steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}]},
     "steps[0].repeat", "missing"),
    ({"name": "x", "steps": [{"repeat": 2.0, "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}]},
     "steps[0].repeat", "a whole number, not 2.0"),
    ({"name": "x", "steps": [{"repeat": 101, "steps": [{"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}]},
     "steps[0].repeat", "101 is over the maximum of 100"),
    ({"name": "x", "steps": [{"repeat": 100, "steps": [{"repeat": 100, "steps": [
        {"direction": "forward", "speed_kmh": 3, "duration_s": 1}]}]}]}, "steps[0]", "at most 1000"),
])
def test_refused_structures(data, field, reason):
    with pytest.raises(InputError) as info:
        parse_program(data)
    assert info.value.field == field
    assert reason in info.value.reason
    assert str(info.value).startswith(f"<string>: {field}: ")
    assert "\n" not in str(info.value)


# --- what a good program turns into ---------------------------------------------------------

def plain(direction: str = "forward", speed_kmh: float = 3.0, duration_s: float = 60, **more) -> dict:
    return {"direction": direction, "speed_kmh": speed_kmh, "duration_s": duration_s, **more}


def test_mph_is_converted_to_kmh():
    program = parse_program({"name": "mph", "steps": [
        {"direction": "forward", "speed_mph": 3.0, "to_speed_mph": 5.0, "duration_s": 60}]})
    step = program.steps[0]
    assert step.speed_kmh == pytest.approx(3.0 * MPH_TO_KMH)
    assert step.to_speed_kmh == pytest.approx(5.0 * MPH_TO_KMH)
    assert step.in_mph


def test_repeat_blocks_are_flattened_with_names_indices_and_paths():
    program = parse_program({"name": "blocks", "steps": [
        plain(name="Warm-up"),
        {"name": "Intervals", "repeat": 2, "steps": [
            plain("reverse", 1.5, 30, name="Backward"),
            plain("forward", 3.0, 45),
        ]},
        {"repeat": 2, "steps": [{"name": "Inner", "repeat": 2, "steps": [plain("reverse", 2.0, 10)]}]},
        plain(),
    ]})
    assert [s.index for s in program.steps] == list(range(10))
    assert [s.name for s in program.steps] == [
        "Warm-up",
        "Intervals 1/2: Backward", "Intervals 1/2: Step 2",
        "Intervals 2/2: Backward", "Intervals 2/2: Step 2",
        "Block 1/2: Inner 1/2: Step 1", "Block 1/2: Inner 2/2: Step 1",
        "Block 2/2: Inner 1/2: Step 1", "Block 2/2: Inner 2/2: Step 1",
        "Step 4",
    ]
    assert [s.path for s in program.steps] == [
        "steps[0]",
        "steps[1].steps[0]", "steps[1].steps[1]", "steps[1].steps[0]", "steps[1].steps[1]",
        *["steps[2].steps[0].steps[0]"] * 4,
        "steps[3]",
    ]
    assert [s.direction for s in program.steps[1:3]] == [Direction.REVERSE, Direction.FORWARD]
    assert program.total_duration_s == 60 + 2 * (30 + 45) + 4 * 10 + 60
    assert program.has_reverse


def test_step_defaults_and_forward_only_program():
    program = parse_program({"name": "forward", "steps": [plain()]})
    step = program.steps[0]
    assert (step.incline_pct, step.cue, step.to_speed_kmh) == (0.0, None, None)
    assert (program.profile, program.description, program.source) == (None, None, "<string>")
    assert not program.has_reverse


def test_progression_target_is_linear_and_held_at_the_ends():
    step = parse_program({"name": "p", "steps": [plain("reverse", 1.0, 100, to_speed_kmh=2.0)]}).steps[0]
    assert step.target_kmh(-5) == 1.0
    assert step.target_kmh(0) == 1.0
    assert step.target_kmh(25) == pytest.approx(1.25)
    assert step.target_kmh(100) == 2.0
    assert step.target_kmh(500) == 2.0
    down = ProgramStep(0, "d", "steps[0]", Direction.FORWARD, 3.0, 2.0, 0.0, 60.0, None)
    assert down.target_kmh(30) == pytest.approx(2.5)
    steady = ProgramStep(0, "s", "steps[0]", Direction.FORWARD, 3.0, None, 0.0, 60.0, None)
    assert steady.target_kmh(30) == 3.0


def test_effective_profile_only_tightens():
    fitness = SITE.profile("fitness")
    program = parse_program({"name": "caps", "max_reverse_kmh": 2.5, "steps": [plain()]})
    eff = program.effective_profile(fitness)
    assert (eff.reverse_max_kmh, eff.forward_max_kmh) == (2.5, fitness.forward_max_kmh)
    loose = parse_program({"name": "loose", "max_forward_kmh": 30, "steps": [plain()]})
    with pytest.raises(ValueError):
        loose.effective_profile(fitness)
    with pytest.raises(InputError) as info:
        check_program(loose, fitness)
    assert info.value.field == "max_forward_kmh"


def test_speeds_on_the_caps_are_allowed():
    rehab = SITE.profile("rehab")
    program = parse_program({"name": "edges", "steps": [
        plain("reverse", rehab.start_speed_kmh, to_speed_kmh=rehab.reverse_max_kmh, incline_pct=rehab.incline_max_pct),
        plain("forward", rehab.forward_max_kmh),
    ]})
    check_program(program, rehab)


# --- the shipped samples --------------------------------------------------------------------

def test_the_samples_are_all_there():
    assert {path.stem for path in SAMPLES} >= {
        "beginner-retro-walk", "knee-rehab-backward", "fitness-intervals-incline",
        "athlete-backward-running", "forward-classic",
    }


@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_loads_and_checks_against_its_profile(path):
    program = load_and_check(path)
    assert program.profile in SITE.profiles
    assert program.description
    assert all(step.cue for step in program.steps)


def test_sample_shapes():
    by_name = {path.stem: load_and_check(path) for path in SAMPLES}
    beginner = by_name["beginner-retro-walk"]
    assert 12 * 60 <= beginner.total_duration_s <= 15 * 60
    assert 4 <= sum(s.direction is Direction.REVERSE for s in beginner.steps) <= 6
    assert beginner.max_reverse_kmh == 2.5
    assert not by_name["forward-classic"].has_reverse
    assert SITE.profile(by_name["athlete-backward-running"].profile).requires_authorization
    rehab = by_name["knee-rehab-backward"]
    assert all(0.5 <= s.speed_kmh <= 2.0 for s in rehab.steps if s.direction is Direction.REVERSE)
    assert max(s.incline_pct for s in by_name["fitness-intervals-incline"].steps) <= 8.0


# --- property: within the caps passes, over a cap is refused --------------------------------

@st.composite
def programs_within_caps(draw):
    """(program data, profile, leaves): a leaf is (indices to a plain step, its cap in km/h)."""
    profile = SITE.profile(draw(st.sampled_from(sorted(SITE.profiles))))
    data: dict = {"name": "generated"}
    caps = {}
    for direction in (Direction.FORWARD, Direction.REVERSE):
        caps[direction] = profile.max_kmh(direction)
        if draw(st.booleans()):
            caps[direction] = draw(st.floats(profile.start_speed_kmh, caps[direction]))
            data[f"max_{direction.value}_kmh"] = caps[direction]
    leaves = []

    def step(indices: tuple[int, ...]) -> dict:
        direction = draw(st.sampled_from([Direction.FORWARD, Direction.REVERSE]))
        speeds = st.floats(profile.start_speed_kmh, caps[direction])
        item = {"direction": direction.value, "speed_kmh": draw(speeds),
                "duration_s": draw(st.floats(0.1, 3600))}
        if draw(st.booleans()):
            item["to_speed_kmh"] = draw(speeds)
        if draw(st.booleans()):
            item["incline_pct"] = draw(st.floats(0, profile.incline_max_pct))
        leaves.append((indices, caps[direction]))
        return item

    def items(indices: tuple[int, ...]) -> list:
        out = []
        for i in range(draw(st.integers(1, 3))):
            if len(indices) < 2 and draw(st.integers(0, 3)) == 0:
                out.append({"repeat": draw(st.integers(1, 3)), "steps": items((*indices, i))})
            else:
                out.append(step((*indices, i)))
        return out

    data["steps"] = items(())
    return data, profile, leaves


@settings(max_examples=200, deadline=None)
@given(programs_within_caps())
def test_any_program_within_the_caps_passes(generated):
    data, profile, _ = generated
    program = parse_program(data)
    check_program(program, profile)
    eff = program.effective_profile(profile)
    assert all(s.speed_kmh <= eff.max_kmh(s.direction) for s in program.steps)


@settings(max_examples=200, deadline=None)
@given(programs_within_caps(), st.data())
def test_any_step_speed_over_its_cap_is_refused(generated, extra):
    data, profile, leaves = generated
    indices, cap_kmh = extra.draw(st.sampled_from(leaves))
    key = extra.draw(st.sampled_from(["speed_kmh", "to_speed_kmh"]))
    bad = copy.deepcopy(data)
    item = bad
    for i in indices:
        item = item["steps"][i]
    item[key] = cap_kmh + extra.draw(st.floats(0.001, 10))
    with pytest.raises(InputError) as info:
        check_program(parse_program(bad), profile)
    assert info.value.field == ".".join(f"steps[{i}]" for i in indices) + f".{key}"
    assert "is over the" in info.value.reason


@settings(max_examples=100, deadline=None)
@given(programs_within_caps(), st.data())
def test_every_step_over_its_cap_is_named(generated, extra):
    """Not only the first: k distinct steps over their caps give k errors, one per step path."""
    data, profile, leaves = generated
    chosen = extra.draw(st.lists(st.sampled_from(range(len(leaves))), min_size=1, max_size=len(leaves), unique=True))
    bad = copy.deepcopy(data)
    for n in chosen:
        indices, cap_kmh = leaves[n]
        item = bad
        for i in indices:
            item = item["steps"][i]
        item["speed_kmh"] = cap_kmh + 1.0
        item.pop("to_speed_kmh", None)
    errors = limit_errors(parse_program(bad), profile)
    assert sorted(e.field for e in errors) == sorted(
        ".".join(f"steps[{i}]" for i in leaves[n][0]) + ".speed_kmh" for n in chosen)
    assert all("is over the" in e.reason for e in errors)


# --- the slowest speed (issue 12, point 3) ------------------------------------------------------

def test_the_rehab_start_speed_is_the_slowest_the_speed_monitor_still_watches():
    """docs/programs.md: rehab programs start at 0.5 km/h, not the literature's 0.3, because
    below it the stall check (S10) judges no command and at 0.3 a wrong-way belt is not seen.
    Lowering the start speed without those checks fails here."""
    rehab = SITE.profile("rehab")
    assert rehab.start_speed_kmh >= STALL_MIN_COMMAND_KMH
    assert rehab.start_speed_kmh > SITE.monitor.direction_mismatch_kmh
    assert min(p.start_speed_kmh for p in SITE.profiles.values()) == rehab.start_speed_kmh
    docs = (CONFIG_DIR.parent / "docs" / "programs.md").read_text(encoding="utf-8")
    assert f"### The slowest speed: {rehab.start_speed_kmh:g} km/h, also for rehab" in docs
    assert f"| start speed km/h | {rehab.start_speed_kmh:g} |" in docs
    slow = parse_program({"name": "0.3", "profile": "rehab", "steps": [
        {"direction": "reverse", "speed_kmh": 0.3, "duration_s": 60}]})
    (error,) = limit_errors(slow, rehab)
    assert error.reason == "0.3 km/h is below the rehab profile's start speed of 0.5 km/h"
    check_program(parse_program({"name": "0.5", "profile": "rehab", "steps": [
        {"direction": "reverse", "speed_kmh": rehab.start_speed_kmh, "duration_s": 60}]}), rehab)
