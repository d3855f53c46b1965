"""End to end, process to process: `retrotread sim-server` serving the simulator, and
`retrotread run` (or the driver) talking to it over Modbus TCP / RTU.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from drivers.base import Direction, DriveCommand
from modbus_support import (REPO_ROOT, ServerProcess, exchange, opened, pty_pair, requires_socat,
                            rtu_url, self_stop_bound_s, wait_for, write_program)

TIMEOUT = 30


def run_cli(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_retrotread_run_completes_against_the_served_simulator(tmp_path):
    program = write_program(tmp_path, "reverse", 1.5, duration_s=2.0)
    with ServerProcess() as server:
        result = run_cli("run", str(program), "--driver", server.url("delta-ms300"), "--allow-reverse",
                         "--trace", str(tmp_path / "trace.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "program complete" in result.stdout
    trace = (tmp_path / "trace.jsonl").read_text()
    assert '"direction":"reverse"' in trace and '"event":"program_complete"' in trace


async def test_sigkill_of_the_controller_the_served_belt_stops_within_watchdog_plus_decel(tmp_path):
    program = write_program(tmp_path, "forward", 3.0, duration_s=60.0)
    with ServerProcess() as server:
        controller = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "run", str(program), "--driver", server.url("delta-ms300")],
            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            async with server.control() as control:
                async def at_speed() -> bool:
                    return (await control.state()).belt_kmh_signed >= 2.9

                await wait_for(at_speed, 15.0, interval_s=0.05)
                before = await control.state()
                assert before.watchdog_s == 0.5  # the driver armed the drive's watchdog at connect
                controller.send_signal(signal.SIGKILL)
                killed = time.monotonic()

                async def still() -> bool:
                    return (await control.state()).belt_kmh_signed <= 0.05

                await wait_for(still, 5.0, interval_s=0.02)
                took = time.monotonic() - killed

                async def disabled() -> bool:
                    return not (await control.state()).drive_enabled

                await wait_for(disabled, 1.0)  # at rest the drive switches its output off
                after = await control.state()
        finally:
            if controller.poll() is None:
                controller.kill()
            controller.wait()
    bound_s = self_stop_bound_s(before.belt_kmh_signed)  # watchdog + the drive's ramp + belt lag
    assert took <= bound_s, f"stopped after {took:.2f} s (at most {bound_s:.2f} s)"
    assert took >= 0.45  # it was the drive's watchdog, not someone else
    assert after.fault_code == 0x0E  # the drive's comm-loss fault, latched until a reset


@requires_socat
async def test_sim_server_serves_modbus_rtu_on_a_pty(tmp_path):
    with pty_pair(tmp_path) as (server_end, client_end):
        with ServerProcess("--modbus-rtu", server_end, "--baud", "19200", profile="yaskawa-v1000") as server:
            assert server.where.startswith(f"modbus-rtu://{server_end}")
            drive = await opened(rtu_url(client_end, "yaskawa-v1000", timeout_ms=200))
            status = await exchange(drive, DriveCommand(True, Direction.REVERSE, 2.0), 2.0,
                                    until=lambda s: s.belt_kmh > 1.8)
            assert status.direction is Direction.REVERSE
            await drive.close()


@pytest.mark.parametrize("args, message", [
    (["--modbus-tcp", "127.0.0.1:0", "--profile", "nope"], "unknown drive profile 'nope'"),
    (["--modbus-tcp", "127.0.0.1:x"], "expected [HOST:]PORT"),
    (["--serial", "/dev/null"], "needs --protocol"),
    (["--modbus-tcp", "0", "--unit", "2"], "unit ids must differ"),
])
def test_sim_server_refuses_bad_input_with_one_line(args, message):
    result = run_cli("sim-server", *args, timeout=10)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_sim_server_binds_loopback_unless_told_otherwise():
    with ServerProcess() as server:
        assert server.where.startswith("modbus-tcp://127.0.0.1:")


def test_sim_server_stops_cleanly_on_sigterm():
    server = ServerProcess()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=5) == 0
    server.kill()


def test_a_run_against_a_drive_that_refuses_the_watchdog_is_refused_before_anything_moves(tmp_path):
    async def refuse(port: int) -> None:
        from sim.control import ControlClient

        async with ControlClient("127.0.0.1", port) as control:
            await control.set_faults(refuse_watchdog=1)

    program = write_program(tmp_path, "forward", 2.0, duration_s=2.0)
    with ServerProcess() as server:
        asyncio.run(refuse(server.port))
        result = run_cli("run", str(program), "--driver", server.url("delta-ms300"))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "comm-loss watchdog did not stick" in last and "nothing moved" in last


async def test_sigkill_of_the_server_mid_run_the_controller_faults_and_stops(tmp_path):
    program = write_program(tmp_path, "forward", 2.0, duration_s=60.0)
    trace = tmp_path / "trace.jsonl"
    with ServerProcess() as server:
        controller = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "run", str(program), "--driver", server.url("delta-ms300"),
             "--trace", str(trace)],
            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            async with server.control() as control:
                async def at_speed() -> bool:
                    return (await control.state()).belt_kmh_signed >= 1.9

                await wait_for(at_speed, 15.0, interval_s=0.05)
            server.kill()  # SIGKILL: the drive is gone mid-run
            _, stderr = controller.communicate(timeout=15)
        finally:
            if controller.poll() is None:
                controller.kill()
                controller.wait()
    assert controller.returncode == 3, stderr
    assert "drive silent for more than 0.25 s" in stderr
    assert '"event":"fault"' in trace.read_text()


def test_retrotread_run_injects_into_the_served_simulator_through_its_control_unit(tmp_path):
    program = write_program(tmp_path, "forward", 3.0, duration_s=30.0)
    with ServerProcess() as server:
        result = run_cli("run", str(program), "--driver", server.url("delta-ms300"),
                         "--sim-control", f"127.0.0.1:{server.port}", "--inject", "key-out@5",
                         "--trace", str(tmp_path / "trace.jsonl"))
    assert result.returncode == 3, result.stderr
    assert "safety key" in result.stderr
    events = [line for line in (tmp_path / "trace.jsonl").read_text().splitlines() if '"event":"estop"' in line]
    assert events and '"cause":"safety_key"' in events[0]


def test_inject_with_a_served_drive_needs_the_control_channel(tmp_path):
    program = write_program(tmp_path, "forward", 3.0, duration_s=5.0)
    result = run_cli("run", str(program), "--driver", "modbus-tcp://127.0.0.1:1?profile=delta-ms300",
                     "--inject", "fall@2")
    assert result.returncode == 2 and "--sim-control" in result.stderr
    assert result.stderr.count("\n") == 1
