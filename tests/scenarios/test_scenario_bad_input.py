"""Refused input (S12): exit 2, exactly one line on stderr naming the file/field or the flag,
never a traceback, nothing moved (no trace of motion)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from scenario_support import REPO_ROOT, Retro, fwd, program_toml, rev

GOOD = [fwd(2.0, 3, "A")]
ATHLETE = REPO_ROOT / "config" / "programs" / "athlete-backward-running.toml"
MODBUS = "modbus-tcp://127.0.0.1:1?profile=delta-ms300"


def _case(name, *, text=None, steps=None, top=None, args=(), program_path=None, site=None, expect=(), fast=True):
    return pytest.param(dict(text=text, steps=steps, top=top or {}, args=list(args), program_path=program_path,
                             site=site, expect=list(expect), fast=fast), id=name)


CASES = [
    _case("malformed-toml",
          text='name = "x"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 2.0\nduration_s = \n',
          expect=["{program}", "line 5"]),
    _case("unknown-top-level-key", steps=GOOD, top={"colour": "red"}, expect=["{program}", "colour", "unknown"]),
    _case("unknown-step-key", steps=[fwd(2.0, 3, "A", speeed_kmh=2.0)],
          expect=["{program}", "steps[0].speeed_kmh"]),
    _case("missing-field", steps=[{"name": "A", "direction": "forward", "speed_kmh": 2.0}],
          expect=["{program}", "steps[0].duration_s", "missing"]),
    _case("wrong-type", steps=[{"direction": "forward", "speed_kmh": "2.0", "duration_s": 3}],
          expect=["{program}", "steps[0].speed_kmh"]),
    _case("bool-for-number", steps=[{"direction": "forward", "speed_kmh": 2.0, "duration_s": True}],
          expect=["{program}", "steps[0].duration_s"]),
    _case("zero-duration", steps=[fwd(2.0, 0)], expect=["{program}", "steps[0].duration_s"]),
    _case("negative-duration", steps=[fwd(2.0, -5)], expect=["{program}", "steps[0].duration_s"]),
    _case("below-start-speed", steps=[fwd(2.0, 3), fwd(0.3, 3)],
          expect=["{program}", "steps[1].speed_kmh", "start speed"]),
    _case("over-the-cap-nested", steps=[fwd(2.0, 3), {"repeat": 2, "steps": [rev(6.0, 3), fwd(2.0, 3)]}],
          args=["--allow-reverse"], expect=["{program}", "steps[1].steps[0].speed_kmh", "5.5"]),
    _case("over-the-forward-cap", steps=[fwd(17.0, 3)], expect=["{program}", "steps[0].speed_kmh", "16"]),
    _case("reverse-without-allow-reverse", steps=[fwd(2.0, 3), rev(1.5, 3)],
          expect=["{program}", "--allow-reverse"]),
    _case("athlete-without-authorisation", program_path=ATHLETE, args=["--allow-reverse"],
          expect=["athlete", "--authorize-athlete"]),
    _case("unknown-profile", steps=GOOD, args=["--profile", "turbo"], expect=["--profile", "turbo"]),
    _case("unknown-profile-in-program", steps=GOOD, top={"profile": "turbo"}, expect=["{program}", "turbo"]),
    _case("unknown-injection", steps=GOOD, args=["--inject", "explode@3"], expect=["--inject", "explode"]),
    _case("negative-injection-time", steps=GOOD, args=["--inject", "fall@-1"], expect=["--inject", "fall@-1"]),
    _case("garbage-injection-time", steps=GOOD, args=["--inject", "fall@soon"], expect=["--inject", "soon"]),
    _case("heart-rate-out-of-range", steps=GOOD, args=["--inject", "hr:900@3"], expect=["--inject", "900"]),
    _case("fast-with-modbus", steps=GOOD, args=["--driver", MODBUS], expect=["--fast"]),
    _case("inject-with-modbus", steps=GOOD, args=["--driver", MODBUS, "--inject", "fall@3"], expect=["--inject"],
          fast=False),
    _case("unknown-driver-scheme", steps=GOOD, args=["--driver", "foo://x"], expect=["foo://x"],
          fast=False),
    _case("config-unknown-key", steps=GOOD, site="comms_timeout_sec = 0.2\n", expect=["{site}", "comms_timeout_sec"]),
    _case("config-out-of-bounds", steps=GOOD, site="comms_timeout_s = 100\n", expect=["{site}", "comms_timeout_s"]),
    _case("config-profile-out-of-bounds", steps=GOOD, site="[profiles.fitness]\nreverse_max_kmh = 50\n",
          expect=["{site}", "reverse_max_kmh"]),
    _case("missing-program-file", program_path="{tmp}/no-such-program.toml", expect=["no-such-program.toml"]),
    _case("injection-without-time", steps=GOOD, args=["--inject", "fall"], expect=["--inject", "fall"]),
    _case("heart-rate-without-value", steps=GOOD, args=["--inject", "hr@3"], expect=["--inject", "hr@3"]),
    _case("bad-sim-url-parameter", steps=GOOD, args=["--driver", "sim://?seed=abc"], expect=["sim://?seed=abc", "seed"]),
    _case("negative-seed", steps=GOOD, args=["--seed", "-1"], expect=["--seed"]),
]


def test_unwritable_trace_is_refused_with_one_line(retro, program, tmp_path):
    trace = tmp_path / "no-such-dir" / "trace.jsonl"
    result = retro.run(program(GOOD), trace=trace)
    assert result.returncode == 2, result.describe()
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "--trace" in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert not trace.exists()


def _prepare(case, tmp):
    """Write the case's files into `tmp`; return (program path, run args, site path)."""
    if case["program_path"] is not None:
        path = str(case["program_path"]).replace("{tmp}", str(tmp))
    else:
        path = tmp / "program.toml"
        path.write_text(case["text"] if case["text"] is not None else program_toml(case["steps"], **case["top"]),
                        encoding="utf-8")
        path = str(path)
    args = list(case["args"])
    site_path = None
    if case["site"] is not None:
        site_path = tmp / "site.toml"
        site_path.write_text(case["site"], encoding="utf-8")
        args += ["--config", str(site_path)]
    return path, args, site_path


@pytest.fixture(scope="module")
def refused_runs(tmp_path_factory):
    """Every case run once, a few at a time (each is a fresh interpreter: startup dominates)."""
    jobs = {}
    for param in CASES:
        (case,) = param.values
        tmp = tmp_path_factory.mktemp(param.id)
        path, args, site_path = _prepare(case, tmp)
        jobs[param.id] = (path, args, site_path, tmp)

    def run(item):
        name, (path, args, site_path, tmp) = item
        case = next(p.values[0] for p in CASES if p.id == name)
        result = Retro(tmp).run(path, *args, trace=tmp / "refused.jsonl", fast=case["fast"])
        return name, (result, path, site_path)

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 1))) as pool:
        return dict(pool.map(run, jobs.items()))


@pytest.mark.parametrize("case", CASES)
def test_refused_input_exits_2_with_one_line_and_nothing_moves(case, refused_runs, request):
    name = request.node.callspec.id
    result, path, site_path = refused_runs[name]

    assert result.returncode == 2, result.describe()
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{result.stderr}"
    message = lines[0]
    for needle in case["expect"]:
        needle = needle.replace("{program}", path).replace("{site}", str(site_path))
        assert needle in message, f"{needle!r} not in the message {message!r}"
    assert not result.ticks, "refused input must not produce a trace of motion"
    assert result.stdout.strip() == "", f"nothing should be printed on stdout: {result.stdout!r}"
