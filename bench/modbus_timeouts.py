"""Failed Modbus requests per 10 minutes for candidate reply timeouts, on a busy machine.

    uv run python bench/modbus_timeouts.py --minutes 10 --timeouts-ms 50
    uv run python bench/modbus_timeouts.py --minutes 3 --timeouts-ms 25,50,100

For each candidate timeout: the simulator is served over loopback TCP by `retrotread
sim-server` in its own process (as a drive sits on its own device), the real ModbusDrive
runs a 50 Hz read + write loop against it (a forward run at 3 km/h), and two processes burn
CPU beside it for the whole run (each stops by itself at the run's end, so an interrupted
bench leaves nothing behind). Prints, per candidate, the requests, the failed ones, the
failures per 10 minutes and the reply times (every request timed around the driver's one
error funnel, `ModbusBus.call`, so a time includes waiting for the bus lock and the event
loop), and how many replies took longer than 25, 50 and 100 ms: run with a long timeout
(e.g. 250 ms), those counts are the requests each shorter candidate would have failed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from drivers import open_drive  # noqa: E402
from drivers.base import Direction, DriveCommand, DriveCommsError  # noqa: E402

PROFILE = "delta-ms300"
RUN = DriveCommand(True, Direction.FORWARD, 3.0)
SERVING = re.compile(r"serving (\S+) on (\S+) ")
SLOW_MS = (25, 50, 100)  # replies slower than these would have failed with that timeout


def burn(deadline: float) -> None:
    """Keep one core busy until `deadline` (time.monotonic), then return."""
    x = 0
    while time.monotonic() < deadline:
        for _ in range(10_000):
            x = (x * 31 + 7) % 1_000_003


class Server:
    """`retrotread sim-server` on a free loopback port, in its own process."""

    def __init__(self) -> None:
        cmd = [sys.executable, "-m", "ui.cli", "sim-server", "--profile", PROFILE, "--modbus-tcp", "127.0.0.1:0"]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        match = SERVING.search(self.proc.stdout.readline())
        if not match:
            self.stop()
            raise RuntimeError("sim-server did not start")
        self.where = match.group(2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


async def run_loop(url: str, seconds: float, rate_hz: float) -> tuple[int, int, list[float]]:
    """(requests, failed requests, reply times in s) of a read + write loop at `rate_hz`."""
    drive = open_drive(url)
    await drive.open()
    bus = drive.bus
    replies: list[float] = []
    call = bus.call

    async def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        finally:
            replies.append(time.perf_counter() - start)

    bus.call = timed  # instrument the funnel: every request of the drive and its I/O unit
    requests0, failures0 = bus.stats.requests, bus.stats.failures
    period = 1.0 / rate_hz
    next_t = time.monotonic()
    end = next_t + seconds
    while next_t < end:
        for step in (drive.read, lambda: drive.write(RUN)):
            try:
                await step()
            except DriveCommsError:
                pass
        next_t += period
        await asyncio.sleep(max(0.0, next_t - time.monotonic()))
    requests, failures = bus.stats.requests - requests0, bus.stats.failures - failures0
    await drive.close()
    return requests, failures, replies


def measure(timeout_ms: int, minutes: float, burners: int, rate_hz: float) -> dict:
    seconds = minutes * 60
    server = Server()
    deadline = time.monotonic() + seconds + 5  # the burners outlive the loop a little, never long
    procs = [multiprocessing.Process(target=burn, args=(deadline,), daemon=True) for _ in range(burners)]
    for proc in procs:
        proc.start()
    try:
        url = f"{server.where}?profile={PROFILE}&timeout_ms={timeout_ms}"
        requests, failures, replies = asyncio.run(run_loop(url, seconds, rate_hz))
    finally:
        for proc in procs:
            proc.terminate()
            proc.join()
        server.stop()
    slow = {limit: sum(r > limit / 1000 for r in replies) for limit in SLOW_MS}
    return {"timeout_ms": timeout_ms, "minutes": minutes, "requests": requests, "failures": failures, "slow": slow,
            "per_10_min": failures / minutes * 10, "p50": pct(replies, 50), "p99": pct(replies, 99),
            "p999": pct(replies, 99.9), "max": max(replies, default=float("nan"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per candidate (default 10)")
    parser.add_argument("--timeouts-ms", default="25,50,100", help="candidates, comma-separated")
    parser.add_argument("--burners", type=int, default=2, help="CPU-burning processes beside the loop")
    parser.add_argument("--rate-hz", type=float, default=50.0)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {args.burners} CPU burners, "
          f"{args.rate_hz:g} Hz read + write, profile {PROFILE}, Modbus TCP loopback", flush=True)
    slow_heads = " | ".join(f"> {limit} ms" for limit in SLOW_MS)
    print(f"| timeout | minutes | requests | failed | failed / 10 min | p50 | p99 | p99.9 | max | {slow_heads} |")
    print("|---" * (9 + len(SLOW_MS)) + "|", flush=True)
    for text in args.timeouts_ms.split(","):
        r = measure(int(text), args.minutes, args.burners, args.rate_hz)
        print(f"| {r['timeout_ms']} ms | {r['minutes']:g} | {r['requests']} | {r['failures']} | "
              f"{r['per_10_min']:.1f} | {r['p50'] * 1000:.1f} ms | {r['p99'] * 1000:.1f} ms | "
              f"{r['p999'] * 1000:.1f} ms | {r['max'] * 1000:.1f} ms | "
              + " | ".join(str(r["slow"][limit]) for limit in SLOW_MS) + " |", flush=True)


if __name__ == "__main__":
    main()
