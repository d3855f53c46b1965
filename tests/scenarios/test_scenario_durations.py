"""True durations (issue 12, point 2): the length `retrotread check` and `retrotread programs` give
is within 2 % of what a `run --fast` of the same program takes (its `time m:ss`), for every
shipped program and for generated ones that change direction at almost every step."""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from scenario_support import SHIPPED_PROGRAMS, Retro, fwd, program_toml, rev

TOLERANCE = 0.02
LIMITS = {"rehab": (0.5, 3.0, 8.0), "fitness": (0.8, 5.5, 16.0), "athlete": (0.8, 8.0, 12.0)}  # start, rev, fwd


def minutes_seconds(text: str) -> int:
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


def generated(seed: int, profile: str) -> str:
    """Short steps that change direction nearly every time: where ramps, dwells and countdowns
    weigh most (about 40 % of the length)."""
    rng = random.Random(seed)
    start, reverse_cap, forward_cap = LIMITS[profile]
    steps = []
    for n in range(24):
        if n % 2:
            steps.append(rev(round(rng.uniform(start, reverse_cap), 1), rng.choice([5, 10, 15])))
        else:
            steps.append(fwd(round(rng.uniform(start, min(forward_cap, 6.0)), 1), rng.choice([5, 10, 15]),
                             **({"to_speed_kmh": 2.0} if rng.random() < 0.3 else {})))
    return program_toml(steps, name=f"Generated {profile}", profile=profile)


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    paths = list(SHIPPED_PROGRAMS)
    for seed, profile in enumerate(LIMITS):
        path = folder / f"generated-{profile}.toml"
        path.write_text(generated(seed, profile), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def measured(programs, tmp_path_factory):
    """{path: (the length check prints, the steps' own sum, the --fast run's time)}, in seconds."""
    retro = Retro(tmp_path_factory.mktemp("runs"))
    check = retro.cli("check", *map(str, programs))
    assert check.returncode == 0, check.describe()
    printed = {}
    for line in check.stdout.splitlines():
        match = re.match(r"ok: (.+?): .*, (\d+:\d\d) \(steps (\d+:\d\d) \+", line)
        assert match, line
        printed[match.group(1)] = (minutes_seconds(match.group(2)), minutes_seconds(match.group(3)))

    def run(path):
        result = retro.run(path, "--allow-reverse", "--authorize-athlete", trace=False)
        assert result.returncode == 0, result.describe()
        return minutes_seconds(re.search(r"^time (\d+:\d\d)$", result.stdout, re.M).group(1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        times = dict(zip(programs, pool.map(run, programs)))
    return {path: (*printed[str(path)], times[path]) for path in programs}


def test_check_gives_the_length_a_fast_run_takes(programs, measured):
    for path in programs:
        length_s, steps_s, run_s = measured[path]
        assert abs(length_s - run_s) <= TOLERANCE * run_s, (path, length_s, run_s)
        assert length_s >= steps_s


def test_the_generated_programs_would_fail_on_the_steps_alone(programs, measured):
    """The test bites: where direction changes are many, the steps' own sum is far off."""
    generated_paths = [path for path in programs if path.name.startswith("generated-")]
    assert len(generated_paths) == 3
    for path in generated_paths:
        _, steps_s, run_s = measured[path]
        assert run_s - steps_s > 0.25 * run_s, (path, steps_s, run_s)


def test_programs_lists_the_same_lengths(measured, tmp_path):
    retro = Retro(tmp_path)
    result = retro.cli("programs")
    assert result.returncode == 0, result.describe()
    for path in SHIPPED_PROGRAMS:
        line = next(line for line in result.stdout.splitlines() if f" {path.name} " in line)
        length = re.search(r"\s(\d+:\d\d)\s", line).group(1)
        assert minutes_seconds(length) == measured[path][0], line
