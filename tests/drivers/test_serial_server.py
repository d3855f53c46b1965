"""`sim.server_serial.serve` and `retrotread sim-server --serial DEVICE --protocol biodex`:
the served unit brings its own watchdog, whatever the world was built with."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from drivers import open_drive
from drivers import biodex as bx
from drivers.base import Direction, DriveCommand
from sim.server_serial import SerialSimServer, serve
from sim.world import SimWorld
from test_serial_pty import biodex_url, requires_socat, socat_pty_pair


def test_an_unknown_protocol_or_unit_is_refused_before_anything_opens():
    with pytest.raises(ValueError, match="unknown serial protocol 'woodway' \\(known: biodex\\)"):
        SerialSimServer(SimWorld(), "/dev/null", "woodway")
    with pytest.raises(ValueError, match="unknown speed unit"):
        SerialSimServer(SimWorld(), "/dev/null", units="knots")


def test_the_unit_sets_its_own_watchdog_over_a_world_built_without_one():
    world = SimWorld(comm_loss_timeout_s=math.inf)  # as sim-server builds it for Modbus
    SerialSimServer(world, "/dev/null")
    assert world.belt.comm_loss_timeout_s == 0.5
    with pytest.raises(ValueError, match="finite"):
        SerialSimServer(world, "/dev/null", comm_loss_timeout_s=math.inf)


def test_serve_reports_a_device_it_cannot_open(tmp_path):
    with pytest.raises(OSError, match="cannot open .*missing"):
        serve(SimWorld(), str(tmp_path / "missing"), "biodex")


@requires_socat
async def test_serve_runs_in_a_thread_until_stopped(tmp_path):
    world = SimWorld(comm_loss_timeout_s=math.inf)
    stop = threading.Event()
    with socat_pty_pair(tmp_path) as (host, device):
        opened = threading.Event()
        serving = asyncio.create_task(asyncio.to_thread(
            serve, world, device, "biodex", stop=stop, ready=lambda server: opened.set()))
        assert await asyncio.to_thread(opened.wait, 5)
        drive = open_drive(biodex_url(host))
        await drive.open()
        assert (await drive.read()).belt_kmh == 0.0
        await drive.close()
        stop.set()
        await asyncio.wait_for(serving, 2)


@requires_socat
@pytest.mark.timeout(30)
async def test_the_sim_server_command_serves_a_unit_whose_watchdog_stops_a_silent_controller(
        tmp_path):
    with socat_pty_pair(tmp_path) as (host, device):
        proc = subprocess.Popen(
            [sys.executable, "-c", "from ui.cli import run_main; run_main()",
             "sim-server", "--serial", device, "--protocol", "biodex"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
        try:
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 15)
            assert f"serving biodex on {device}" in line
            drive = open_drive(biodex_url(host))
            for _ in range(100):  # the server opens the device just after it prints
                try:
                    await drive.open()
                    break
                except Exception:
                    await asyncio.sleep(0.05)
            for i in range(1, 76):
                await drive.read()
                await drive.write(DriveCommand(True, Direction.FORWARD, min(3.0, 0.1 * i)))
                await asyncio.sleep(0.02)
            status = await drive.read()
            assert status.belt_kmh > 2.5
            t0 = time.monotonic()
            while status.belt_kmh > 0.0 and time.monotonic() - t0 < 5.0:
                await asyncio.sleep(0.05)
                status = await drive.read()  # polling only: no commands
            assert status.belt_kmh == 0.0 and status.fault_code & bx.SYS_COMM_FAULT
            await drive.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == 0
