"""One e-stop, timed on the simulated belt's true speed, with the bus or the controller taken
away 0.1 s after the trip (S5). Used by bench/stopping.py and the stop-path tests.

The simulated treadmill is served as a real Modbus TCP drive (Delta MS300 profile) on
127.0.0.1 from a thread of this process; `retrotread run` drives it from its own process at a
profile's top speed in one direction and is told to e-stop there (`--inject op-estop@T`, an
operator e-stop). The trip is seen where it matters, at the drive: the first tick of the
e-stop hands it the quick stop. 0.1 s later the case is applied:
    intact      nothing else goes wrong
    bus-lost    the bus goes silent (the drive hears nothing more, answers nothing)
    killed      the controller process is killed with SIGKILL
and the time and belt distance from the trip to true standstill are measured on the
simulated world's own clock (`TimedWorld`), so a busy machine delaying this process's polling
does not move the figures.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from controller.limits import load_site_config
from drivers.base import Direction
from drivers.profiles import load_profile
from drivers.site import DriveSite
from drivers.units import KMH_PER_MPS
from sim.server_modbus import serve
from sim.world import SimWorld

CASES = ("intact", "bus-lost", "killed")
ROOT = Path(__file__).resolve().parent.parent
DRIVE_PROFILE = "delta-ms300"
AFTER_TRIP_S = 0.1
POLL_S = 0.002
SETTLE_BEFORE_ESTOP_S = 2.0  # at the top speed this long before the e-stop
# The server side logs every connection a killed controller drops; the trial reports what counts.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class StopResult:
    profile: str
    direction: str
    case: str
    from_kmh: float
    time_s: float
    distance_m: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TimedWorld(SimWorld):
    """A SimWorld that notes, on its own clock, the first stop command of a belt running above
    0.5 km/h (the trip reaching the drive) and the moment the belt then stands still."""

    __slots__ = ("trip", "standstill_s")

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.trip: tuple[float, float, float] | None = None  # (world s, km/h, belt distance m)
        self.standstill_s: float | None = None

    @property
    def distance_m(self) -> float:
        return self.distance_forward_m + self.distance_reverse_m

    def apply_command(self, cmd, t_s: float) -> None:
        belt = self.belt
        driven = belt.enabled and not belt.stopping
        super().apply_command(cmd, t_s)
        if self.trip is None and driven and not (belt.enabled and not belt.stopping):
            speed_kmh = abs(self.belt_velocity_kmh_signed)
            if speed_kmh > 0.5:
                self.trip = (self.t_s, speed_kmh, self.distance_m)

    def advance_to(self, t_s: float) -> None:
        super().advance_to(t_s)
        if self.trip is not None and self.standstill_s is None and self.belt.velocity_mps == 0.0:
            self.standstill_s = self.t_s


class ServedSim:
    """The simulated drive served on 127.0.0.1 from a background thread with its own loop."""

    def __init__(self) -> None:
        site = load_site_config()
        # as sim/server_modbus.make_world: the watchdog is off until the driver sets it
        self.world = TimedWorld(fall_sensor_delay_s=site.fall_sensor_delay_s, comm_loss_timeout_s=math.inf)
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="served-sim", daemon=True)
        self._task: asyncio.Task | None = None

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._task = self.loop.create_task(serve(self.world, load_profile(DRIVE_PROFILE), DriveSite(),
                                                 tcp=("127.0.0.1", self.port), ready=lambda _: self._ready.set()))
        try:
            self.loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass

    def __enter__(self) -> "ServedSim":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the served simulator did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)

    def inject(self, event: str) -> None:
        """A world event, applied on the server's own thread."""
        self.loop.call_soon_threadsafe(self.world.inject, event)

    @property
    def true_kmh(self) -> float:
        return abs(self.world.belt_velocity_kmh_signed)


def stop_trial(profile: str, direction: str, case: str, *, timeout_s: float = 60.0) -> StopResult:
    """Run one trial (see the module docstring); RuntimeError if it could not be carried out."""
    if case not in CASES:
        raise ValueError(f"case {case!r} must be one of {', '.join(CASES)}")
    speeds = load_site_config().profiles[profile]
    top_kmh = speeds.max_kmh(Direction(direction))
    accel_mps2 = speeds.accel_reverse_mps2 if direction == "reverse" else speeds.accel_forward_mps2
    estop_at_s = speeds.countdown_s + top_kmh / KMH_PER_MPS / accel_mps2 + SETTLE_BEFORE_ESTOP_S
    with tempfile.TemporaryDirectory() as tmp, ServedSim() as sim:
        program = Path(tmp) / "top.toml"
        program.write_text(f'name = "stop trial"\n[[steps]]\ndirection = "{direction}"\n'
                           f"speed_kmh = {top_kmh}\nduration_s = 600\n")
        url = f"modbus-tcp://127.0.0.1:{sim.port}?profile={DRIVE_PROFILE}"
        args = [sys.executable, "-m", "ui.cli", "run", str(program), "--driver", url, "--profile", profile,
                "--sim-control", f"127.0.0.1:{sim.port}", "--inject", f"op-estop@{estop_at_s:.1f}"]
        if direction == "reverse":
            args.append("--allow-reverse")
        if speeds.requires_authorization:
            args.append("--authorize-athlete")
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            return _watch(sim, proc, profile, direction, case, timeout_s)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(10)


def _watch(sim: ServedSim, proc: subprocess.Popen, profile: str, direction: str, case: str,
           timeout_s: float) -> StopResult:
    world = sim.world
    deadline = time.monotonic() + timeout_s
    while world.trip is None:  # the e-stop's first tick reached the drive
        if time.monotonic() > deadline or proc.poll() is not None:
            err = proc.stderr.read() if proc.poll() is not None else ""
            raise RuntimeError(f"no e-stop seen at the drive ({profile} {direction}): {err.strip()}")
        time.sleep(POLL_S)
    time.sleep(AFTER_TRIP_S)
    if case == "bus-lost":
        sim.inject("comms-loss")
    elif case == "killed":
        os.kill(proc.pid, signal.SIGKILL)
    while world.standstill_s is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the belt did not stop ({profile} {direction} {case})")
        time.sleep(POLL_S)
    trip_s, from_kmh, from_m = world.trip
    return StopResult(profile, direction, case, from_kmh, world.standstill_s - trip_s, world.distance_m - from_m)
