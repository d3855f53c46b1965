"""Latency from a strap's notification to the heart-rate source's reading, over bumble's
virtual link: the emulated strap (tests/drivers/heart_rate/hr_strap.py) notifies, the real
client path (bleak's BleakClient on the bumble backend, then BleHeartRateSource's parser)
stamps the reading with the session clock; latency = received_s - the clock just before the
strap's notify call.

    uv run python bench/hr_latency.py [--count 1000] [--spacing-ms 10]

This is the software path only (two bumble stacks, bleak, the parser, one event loop): a real
radio adds its connection interval (7.5-50 ms on typical straps) on top.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "drivers" / "heart_rate"))

from bumble_backend import VirtualAir  # noqa: E402
from controller.clock import PreciseClock  # noqa: E402
from drivers.heart_rate.ble import BleHeartRateSource  # noqa: E402
from hr_strap import EmulatedStrap  # noqa: E402


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, round(share * len(sorted_values)))
    return sorted_values[rank - 1]


async def measure(count: int, spacing_s: float) -> tuple[list[float], int]:
    """Latencies in seconds for `count` notifications, and how many never arrived."""
    air = VirtualAir()
    strap = await EmulatedStrap.start(air)
    clock = PreciseClock()
    source = BleHeartRateSource(strap.address, clock, scan_s=2.0, backend=air.bleak_backend())
    await source.open()
    await strap.subscribed()
    latencies_s, lost = [], 0
    try:
        for index in range(count):
            before = source.latest()
            sent_s = clock.now_s()
            await strap.notify(40 + index % 200, contact=True, rr_s=(0.75,))
            give_up_s = sent_s + 1.0
            while source.latest() is before and clock.now_s() < give_up_s:
                await asyncio.sleep(0)
            if source.latest() is before:
                lost += 1
            else:
                latencies_s.append(source.latest().received_s - sent_s)
            await clock.sleep_until(sent_s + spacing_s)
    finally:
        await source.close()
    return latencies_s, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="notifications (default 1000)")
    parser.add_argument("--spacing-ms", type=float, default=10.0, help="between notifications (default 10)")
    args = parser.parse_args()
    latencies_s, lost = asyncio.run(measure(args.count, args.spacing_ms / 1000))
    ms = sorted(value * 1000 for value in latencies_s)
    print("strap notify -> HeartRateReading.received_s over bumble's virtual link (bleak client, bumble backend)")
    print(f"count {len(ms)}  lost {lost}  median {statistics.median(ms):.3f} ms  "
          f"p95 {percentile(ms, 0.95):.3f} ms  max {ms[-1]:.3f} ms")


if __name__ == "__main__":
    main()
