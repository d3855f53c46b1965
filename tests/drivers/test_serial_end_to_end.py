"""`retrotread run --driver serial://...` against the simulator served as a Biodex RTM 400:
the whole control loop, in real time, over a socat pty pair."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest

from ui.cli import build_parser
from ui.run import execute, plan_run
from test_serial_pty import biodex_url, requires_socat, served_biodex

FORWARD_THEN_REVERSE = """
name = "Serial smoke: forward, then backward"
profile = "fitness"

[[steps]]
direction = "forward"
speed_kmh = 1.6
duration_s = 1.5

[[steps]]
direction = "reverse"
speed_kmh = 1.0
duration_s = 1.5
"""


def run(argv: list[str]) -> tuple[int, str]:
    """`retrotread run ...` in this process; the exit code and stderr."""
    err = io.StringIO()
    code = asyncio.run(execute(plan_run(build_parser().parse_args(argv)), io.StringIO(), err))
    return code, err.getvalue()


@requires_socat
@pytest.mark.timeout(40)
def test_a_program_runs_forward_and_backward_over_the_serial_line(tmp_path):
    program = tmp_path / "smoke.toml"
    program.write_text(FORWARD_THEN_REVERSE)
    trace = tmp_path / "trace.jsonl"
    with served_biodex(tmp_path) as (host, server):
        code, err = run(["run", str(program), "--driver", biodex_url(host, fall_stop="ext"),
                         "--allow-reverse", "--trace", str(trace)])
        # The run ends at measured standstill (a noisy reading); the last creep stops by itself.
        deadline = time.monotonic() + 3.0
        while True:
            with server.lock:
                server.world.advance_to(server.now_s())
                creep_kmh = server.world.belt_velocity_kmh_signed
            if creep_kmh == 0.0:
                break
            assert time.monotonic() < deadline, f"the belt still creeps at {creep_kmh} km/h"
            time.sleep(0.05)
    assert code == 0, err
    ticks = [row for row in map(json.loads, trace.read_text().splitlines()) if "state" in row
             and "event" not in row]
    forward = [t["belt_kmh"] for t in ticks if t["direction"] == "forward" and t["state"] == "running"]
    reverse = [t["belt_kmh"] for t in ticks if t["direction"] == "reverse" and t["state"] == "running"]
    assert max(forward) == pytest.approx(1.6, abs=0.17)
    assert max(reverse) == pytest.approx(1.0, abs=0.17)
    assert all(t["interlocks"]["drive_comms"] for t in ticks)


@requires_socat
@pytest.mark.timeout(30)
def test_without_a_fall_stop_reading_reverse_is_not_run(tmp_path):
    program = tmp_path / "smoke.toml"
    program.write_text(FORWARD_THEN_REVERSE)
    with served_biodex(tmp_path) as (host, _server):
        code, err = run(["run", str(program), "--driver", biodex_url(host), "--allow-reverse"])
    assert code != 0
    assert "reverse needs a fall-stop harness, and none is fitted" in err
