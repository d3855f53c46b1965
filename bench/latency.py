"""Interlock-to-wire latency over Modbus (issue 3): the fall-stop input opens at the drive at
T0; how long until the e-stop command arrives at the drive?

    uv run python bench/latency.py                    # TCP, RTU 115200, RTU 19200; 200 trials each
    uv run python bench/latency.py --transport tcp --trials 300 --rate 50

Everything is real: `retrotread sim-server` in its own process serves the simulated drive
(Delta MS300 profile) and a Modbus I/O unit carrying the fall-stop switch; this process runs
the real Controller, control loop and Modbus driver at the given rate. Each trial runs the
belt in reverse at 1 km/h, waits a random fraction of a tick, then releases the harness
through the server's control unit ("harness-off": the switch opens at once). The server
timestamps the release (T0) and the first command write that slows the belt (the e-stop's
first, lower reference) on its own monotonic clock, so the figure is input-to-wire with
nothing of the bench's own timing in it. Then the harness is clipped back on, the latch
reset, and the next trial starts. Countdowns are skipped by advancing the controller's clock
(they are not part of the measurement).

RTU runs over a socat pty pair. A pty carries bytes at memory speed whatever its baud rate,
so the server adds the wire time of every request and reply at the configured baud
(`--emulate-line-speed`): the RTU figures include the line time a real RS-485 bus would take.

Prints p50/p90/p99/max per transport, the loop's own lateness, and the bus load per tick.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from controller.clock import MonotonicClock  # noqa: E402
from controller.commands import Command, Op  # noqa: E402
from controller.core import Controller  # noqa: E402
from controller.limits import load_site_config  # noqa: E402
from controller.loop import LoopStats, run_loop  # noqa: E402
from controller.program import load_program  # noqa: E402
from drivers import open_drive  # noqa: E402
from sim.control import ControlClient  # noqa: E402
from sim import ptys

PROFILE = "delta-ms300"
PROGRAM = """name = "latency bench"
profile = "fitness"
[[steps]]
name = "backward"
direction = "reverse"
speed_kmh = 1.0
duration_s = 14400
"""
SERVING = re.compile(r"serving \S+ on (\S+) .*?(?:also (modbus-tcp://\S+?))?\); Ctrl-C stops")


class SkipClock(MonotonicClock):
    """Real time, plus jumps forward on request (to skip countdowns between trials)."""

    def __init__(self) -> None:
        super().__init__()
        self.offset_s = 0.0

    def now_s(self) -> float:
        return super().now_s() + self.offset_s

    def skip(self, seconds: float) -> None:
        self.offset_s += seconds


@dataclass
class Result:
    name: str
    rate_hz: float
    latencies_s: list[float]
    lateness_s: list[float]
    requests_per_tick: float
    bytes_per_tick: float
    failures: int

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies_s)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))]

        late = sorted(x * 1000 for x in self.lateness_s)
        return (f"{self.name:<14} {self.rate_hz:>4.0f} Hz  n={len(ms):<4} p50 {pct(50):5.1f}  p90 {pct(90):5.1f}  "
                f"p99 {pct(99):5.1f}  max {ms[-1]:5.1f} ms | loop lateness p99 {late[int(0.99 * (len(late) - 1))]:4.1f} ms"
                f" | {self.requests_per_tick:.2f} req, {self.bytes_per_tick:.0f} B per tick, {self.failures} failed")


def pty_pair(directory: Path):
    return ptys.pty_pair(directory, "ttyL")


@contextlib.contextmanager
def sim_server(*args: str):
    """`retrotread sim-server ...`; yields (drive URL base, control (host, port))."""
    cmd = [sys.executable, "-m", "ui.cli", "sim-server", "--profile", PROFILE, *args]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        match = SERVING.search(line)
        if not match:
            raise RuntimeError(f"sim-server did not start: {line!r}")
        where, also = match.group(1), match.group(2)
        control = (also or where).removeprefix("modbus-tcp://").rsplit(":", 1)
        yield where, (control[0], int(control[1]))
    finally:
        proc.terminate()
        proc.wait()


async def until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def reset(controller) -> None:
    """Reset the latch once the belt is at rest (retrying: a settling belt may refuse one)."""
    for _ in range(20):
        await until(lambda: controller.can_clear_latch() and controller.status.belt_kmh == 0.0, 5,
                    "standstill with the harness clipped")
        controller.submit(Command(Op.RESET, source="bench"))
        try:
            await until(lambda: controller.state == "idle", 0.3, "reset")
            return
        except RuntimeError:
            continue
    raise RuntimeError("the latch would not reset")


async def measure(name: str, url: str, control_at: tuple[str, int], trials: int, rate_hz: float,
                  program_path: Path) -> Result:
    site = load_site_config(None).model_copy(update={"control_rate_hz": rate_hz})
    program = load_program(program_path)
    profile = site.profile(program.profile)
    drive = open_drive(url, site=site)
    await drive.open()
    clock = SkipClock()
    controller = Controller(site, profile, program, allow_reverse=True, now_s=clock.now_s())
    stats = LoopStats(keep_lateness=True)
    ticks = [0]
    stop = [False]

    def before_tick(now_s: float) -> None:
        c = controller
        if c.state == "countdown" and c.standstill_since_s is not None:
            needed_s = profile.countdown_s + profile.dwell_s
            left_s = c.standstill_since_s + needed_s - now_s
            if left_s > 0:
                clock.skip(left_s + 0.001)

    def after_tick(c, status, command, now_s) -> None:
        ticks[0] += 1
        c.drain_events()

    loop = asyncio.create_task(run_loop(controller, drive, clock, rate_hz, before_tick=before_tick,
                                        after_tick=after_tick, should_stop=lambda c: stop[0], stats=stats))
    latencies: list[float] = []
    requests0 = bytes0 = None
    async with ControlClient(*control_at) as control:
        try:
            for trial in range(trials + 1):  # the first trial warms up and is not counted
                controller.submit(Command(Op.START, source="bench"))
                await until(lambda: controller.state == "running"
                            and controller.command_kmh == controller.target_kmh > 0, 10, "running")
                if requests0 is None:
                    requests0, bytes0, ticks[0] = drive.stats.requests, drive.stats.bytes_out + drive.stats.bytes_in, 0
                    stats.lateness_s.clear()
                await asyncio.sleep(random.uniform(0.05, 0.05 + 2 / rate_hz))
                await control.inject("harness-off")
                await until(lambda: controller.state == "estop", 2, "e-stop")
                await asyncio.sleep(2 / rate_hz)
                latency_s = (await control.state()).latency_s
                if trial and latency_s is not None:
                    latencies.append(latency_s)
                await control.inject("harness-on")
                await reset(controller)
        finally:
            stop[0] = True
            await loop
            await drive.close()
    requests = drive.stats.requests - requests0
    moved = drive.stats.bytes_out + drive.stats.bytes_in - bytes0
    return Result(name, rate_hz, latencies, list(stats.lateness_s), requests / ticks[0], moved / ticks[0],
                  drive.stats.failures)


async def bench(transport: str, trials: int, rate_hz: float, directory: Path) -> Result:
    program = directory / "program.toml"
    program.write_text(PROGRAM)
    if transport == "tcp":
        with sim_server("--modbus-tcp", "127.0.0.1:0") as (where, control):
            return await measure("tcp", f"{where}?profile={PROFILE}", control, trials, rate_hz, program)
    baud = int(transport.removeprefix("rtu"))
    with pty_pair(directory) as (server_end, client_end):
        with sim_server("--modbus-rtu", server_end, "--baud", str(baud), "--control-tcp", "127.0.0.1:0",
                        "--emulate-line-speed") as (_, control):
            url = f"modbus-rtu://{client_end}?profile={PROFILE}&baud={baud}&parity=N"
            return await measure(f"rtu {baud}", url, control, trials, rate_hz, program)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", action="append", choices=["tcp", "rtu115200", "rtu19200"],
                        help="default: all three")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rate", type=float, help="control rate, Hz (default 50; 20 for RTU at 19200)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {args.trials} trials per transport")
    with tempfile.TemporaryDirectory() as tmp:
        for transport in args.transport or ["tcp", "rtu115200", "rtu19200"]:
            rate_hz = args.rate or (20.0 if transport == "rtu19200" else 50.0)
            result = asyncio.run(bench(transport, args.trials, rate_hz, Path(tmp)))
            print(result.line(), flush=True)
            if result.latencies_s:
                mean_ms = statistics.mean(result.latencies_s) * 1000
                print(f"{'':14} mean {mean_ms:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
