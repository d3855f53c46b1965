"""Stopping time and distance from an e-stop at each profile's top speed, with the bus or the
controller taken away 0.1 s after the trip (issue 7, S5). A benchmark, not a test.

    uv run python bench/stopping.py                  # every profile, both directions, all cases
    uv run python bench/stopping.py --profile fitness --direction reverse

Everything is real: `retrotread run` in its own process drives the simulator served as a
Modbus TCP drive (Delta MS300 profile) on 127.0.0.1 and e-stops at the top speed; the times
and distances are the simulated belt's true ones from the trip (the quick stop reaching the
drive) to standstill (sim/stop_trial.py). Target: "bus-lost" and "killed" within 10 % of
"intact".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from controller.limits import load_site_config  # noqa: E402
from sim.stop_trial import CASES, stop_trial  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", help="speed profile(s) (default: all)")
    parser.add_argument("--direction", action="append", choices=["reverse", "forward"])
    args = parser.parse_args()
    profiles = args.profile or list(load_site_config().profiles)
    directions = args.direction or ["reverse", "forward"]
    print(f"{'profile':9} {'direction':9} {'from km/h':>9}  " + "  ".join(f"{c:>17}" for c in CASES)
          + "  worst/intact")
    print(f"{'':9} {'':9} {'':>9}  " + "  ".join(f"{'s':>8} {'m':>8}" for _ in CASES))
    worst = 0.0
    for profile in profiles:
        for direction in directions:
            results = [stop_trial(profile, direction, case) for case in CASES]
            intact = results[0]
            ratio = max(r.time_s for r in results[1:]) / intact.time_s
            worst = max(worst, ratio)
            cells = "  ".join(f"{r.time_s:8.2f} {r.distance_m:8.2f}" for r in results)
            print(f"{profile:9} {direction:9} {intact.from_kmh:9.1f}  {cells}  {ratio:10.3f}", flush=True)
    print(f"worst time ratio to the intact stop: {worst:.3f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
