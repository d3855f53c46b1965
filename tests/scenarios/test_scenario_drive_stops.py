"""`retrotread run` against the simulator served as a real Delta drive over Modbus TCP: what one
session leaves on the drive must not refuse the next (issue 7, point 7).

A real Delta latches fault 58 (comm time-out) once the controller has exited and its
comm-loss watchdog fires at standstill; the next run resets that one fault at connect, says
so, and records it as a `drive_notice` event. Any other fault stays a refusal.
"""

import json
import subprocess
import sys
import time

import pytest

from sim.belt import FAULT_DRIVE
from sim.stop_trial import ROOT, ServedSim

pytestmark = pytest.mark.timeout(120)
SHORT = 'name = "short"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 2.0\nduration_s = 2\n'


def run(sim: ServedSim, program, trace) -> subprocess.CompletedProcess:
    url = f"modbus-tcp://127.0.0.1:{sim.port}?profile=delta-ms300"
    return subprocess.run([sys.executable, "-m", "ui.cli", "run", str(program), "--driver", url,
                           "--trace", str(trace)], cwd=ROOT, capture_output=True, text=True, timeout=60)


def events(trace, kind):
    return [e for e in map(json.loads, trace.read_text().splitlines()) if e.get("event") == kind]


def test_a_comm_loss_fault_left_by_the_last_session_is_reset_at_connect_and_recorded(tmp_path):
    program = tmp_path / "short.toml"
    program.write_text(SHORT)
    with ServedSim() as sim:
        first = run(sim, program, tmp_path / "first.jsonl")
        assert first.returncode == 0, first.stderr
        deadline = time.monotonic() + 5.0  # the drive's 0.5 s watchdog fires with nobody writing
        while sim.world.belt.fault_code == 0:
            assert time.monotonic() < deadline, "the served Delta never latched its comm-loss fault"
            time.sleep(0.05)
        second = run(sim, program, tmp_path / "second.jsonl")
    assert second.returncode == 0, second.stderr
    notices = events(tmp_path / "second.jsonl", "drive_notice")
    assert len(notices) == 1 and "0x3A" in notices[0]["text"], notices
    assert not events(tmp_path / "first.jsonl", "drive_notice")


def test_any_other_fault_at_connect_is_refused_naming_its_code(tmp_path):
    program = tmp_path / "short.toml"
    program.write_text(SHORT)
    with ServedSim() as sim:
        sim.loop.call_soon_threadsafe(sim.world.belt.trip, FAULT_DRIVE)
        done = run(sim, program, tmp_path / "t.jsonl")
        assert sim.world.belt.fault_code == FAULT_DRIVE  # not reset behind the operator's back
    assert done.returncode == 3, done.stderr
    assert f"0x{FAULT_DRIVE:02X}" in done.stderr and "Traceback" not in done.stderr
    assert not [e for e in events(tmp_path / "t.jsonl", "state") if e["to"] == "running"]
