"""Helpers for the Modbus tests: pty pairs, served simulators in-process and as subprocesses,
and a 50 Hz exchange loop. Imported by the test modules (tests/drivers is on sys.path).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers import open_drive
from drivers.base import Drive, DriveCommand, DriveStatus
from drivers.profiles import load_profile
from drivers.site import DriveSite
from sim.control import ControlClient
from sim.server_modbus import SimServer, make_world
from sim import ptys

REPO_ROOT = Path(__file__).resolve().parents[2]
requires_socat = pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat")
requires_mbpoll = pytest.mark.skipif(shutil.which("mbpoll") is None, reason="needs mbpoll")
SERVING = re.compile(r"serving (\S+) on (\S+) ")


def pty_pair(directory: Path):
    """Two linked pseudo-terminals (socat), raw, no echo; 8N1 only (ptys reject parity)."""
    return ptys.pty_pair(directory, "ttyM")


@contextlib.asynccontextmanager
async def served_tcp(profile: str = "delta-ms300", site: DriveSite | None = None,
                     world=None) -> AsyncIterator[SimServer]:
    """A SimServer on 127.0.0.1 (a free port) in this event loop."""
    site = site or DriveSite()
    server = SimServer(world or make_world(drive_site=site), load_profile(profile), site)
    await server.start_tcp("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def served_rtu(directory: Path, profile: str = "delta-ms300", site: DriveSite | None = None,
                     baud: int = 19200) -> AsyncIterator[tuple[SimServer, str]]:
    """A SimServer on one end of a pty pair; yields (server, the other end for the client)."""
    site = site or DriveSite()
    with pty_pair(directory) as (server_end, client_end):
        server = SimServer(make_world(drive_site=site), load_profile(profile), site)
        await server.start_rtu(server_end, baud=baud)
        try:
            yield server, client_end
        finally:
            await server.close()


def tcp_url(server: SimServer, profile: str = "delta-ms300", **query) -> str:
    host, port = server.address
    params = "&".join(f"{k}={v}" for k, v in {"profile": profile, **query}.items())
    return f"modbus-tcp://{host}:{port}?{params}"


def rtu_url(device: str, profile: str = "delta-ms300", baud: int = 19200, **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"profile": profile, "baud": baud, "parity": "N", **query}.items())
    return f"modbus-rtu://{device}?{params}"


async def exchange(drive: Drive, command: DriveCommand, seconds: float, period_s: float = 0.02,
                   tolerate_errors: bool = False, until=None) -> DriveStatus | None:
    """Read and write at `period_s` for `seconds` (or until `until(status)`); the last status."""
    from drivers.base import DriveCommsError

    status = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            status = await drive.read()
            await drive.write(command)
        except DriveCommsError:
            if not tolerate_errors:
                raise
        if until is not None and status is not None and until(status):
            break
        await asyncio.sleep(period_s)
    return status


async def wait_for(predicate, timeout_s: float, interval_s: float = 0.02) -> float:
    """Poll `predicate()` (sync or async) until true; return the seconds it took."""
    start = time.monotonic()
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - start
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(interval_s)


class ServerProcess:
    """`retrotread sim-server` in a subprocess; `url`, `port`, a control client, kill()."""

    def __init__(self, *args: str, profile: str = "delta-ms300") -> None:
        cmd = [sys.executable, "-m", "ui.cli", "sim-server", "--profile", profile, *args]
        if "--modbus-rtu" not in args:
            cmd += ["--modbus-tcp", "127.0.0.1:0"]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.proc.stdout.readline()
        match = SERVING.search(line)
        if not match:
            self.kill()
            raise RuntimeError(f"sim-server did not start: {line!r} {self.proc.stderr.read()}")
        self.where = match.group(2)
        self.port = int(self.where.rsplit(":", 1)[1]) if self.where.startswith("modbus-tcp") else None

    def url(self, profile: str = "delta-ms300", **query) -> str:
        params = "&".join(f"{k}={v}" for k, v in {"profile": profile, **query}.items())
        return f"{self.where}?{params}"

    def control(self) -> ControlClient:
        return ControlClient("127.0.0.1", self.port)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.kill(signal.SIGTERM)


async def opened(url: str, **options) -> Drive:
    drive = open_drive(url, **options)
    await drive.open()
    return drive


def write_program(directory: Path, direction: str = "reverse", speed_kmh: float = 2.0,
                  duration_s: float = 60.0, name: str = "modbus test") -> Path:
    """A one-step interval program in `directory`."""
    path = directory / f"{name.replace(' ', '-')}.toml"
    path.write_text(f'name = "{name}"\nprofile = "fitness"\n\n[[steps]]\nname = "step"\n'
                    f'direction = "{direction}"\nspeed_kmh = {speed_kmh}\nduration_s = {duration_s}\n')
    return path


class LoopRun:
    """The real Controller and control loop against `drive`, in the background of this loop."""

    def __init__(self, drive: Drive, program_path: Path, *, allow_reverse: bool = True) -> None:
        from controller.clock import MonotonicClock
        from controller.core import Controller
        from controller.limits import load_site_config
        from controller.program import load_program

        self.site = load_site_config(None)
        self.drive = drive
        self.clock = MonotonicClock()
        program = load_program(program_path)
        self.controller = Controller(self.site, self.site.profile(program.profile), program,
                                     allow_reverse=allow_reverse, now_s=self.clock.now_s())
        self.events: list[dict] = []
        self.ticks: list[tuple[float, DriveStatus | None, DriveCommand]] = []
        self._stop = False
        self._task: asyncio.Task | None = None

    def _after_tick(self, controller, status, command, now_s) -> None:
        self.events += controller.drain_events()
        self.ticks.append((now_s, status, command))

    async def __aenter__(self) -> "LoopRun":
        from controller.commands import Command, Op
        from controller.loop import run_loop

        self.controller.submit(Command(Op.START, source="test"))
        self._task = asyncio.create_task(run_loop(
            self.controller, self.drive, self.clock, self.site.control_rate_hz,
            after_tick=self._after_tick, should_stop=lambda c: self._stop))
        return self

    async def __aexit__(self, *exc) -> None:
        self._stop = True
        await asyncio.wait_for(self._task, 5.0)
        await self.drive.close()

    async def until(self, predicate, timeout_s: float) -> float:
        if self._task.done():
            self._task.result()
        return await wait_for(lambda: predicate(self.controller), timeout_s)

    def reasons(self, kind: str) -> list[str]:
        # `until` can see the new state while the loop is still awaiting this tick's write,
        # before after_tick has drained the tick's events: take them here too (same thread)
        self.events += self.controller.drain_events()
        return [event["reason"] for event in self.events if event["event"] == kind]


#: A drive's own stop at the factory setting: 10 s from the maximum frequency (75 Hz x 0.32
#: km/h per Hz in the served simulator: 2/3 m/s^2; the in-process simulator's 0.69 is quicker).
FACTORY_STOP_DECEL_MPS2 = 24.0 / 3.6 / 10.0


def self_stop_bound_s(speed_kmh: float, watchdog_s: float = 0.5,
                      stop_decel_mps2: float = FACTORY_STOP_DECEL_MPS2) -> float:
    """How long a drive left alone at `speed_kmh` may take to stand still by itself: its
    watchdog, its own stop at `stop_decel_mps2` (the factory setting unless the driver
    configured it), the belt's lag behind the ramp (first order, 0.1 s: 0.3 s to settle) and
    0.3 s for polling and a loaded machine."""
    return watchdog_s + speed_kmh / 3.6 / stop_decel_mps2 + 0.3 + 0.3
