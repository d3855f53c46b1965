"""How fast `retrotread run --fast` simulates: a 60-minute program at 50 Hz with a full trace.

Target (issue 2): at most 2 s wall on a 2-core machine, i.e. at least 1800x real time.
Prints the wall time of the whole command (process start to exit) as the median of N runs,
and the simulated/real ratio. Usage: uv run python bench/simspeed.py [--runs 5] [--minutes 60]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = """\
name = "Benchmark: {minutes} minutes of intervals"
profile = "fitness"
[[steps]]
name = "Warm-up"
direction = "forward"
speed_kmh = 3.0
duration_s = 300
[[steps]]
repeat = {repeats}
  [[steps.steps]]
  direction = "reverse"
  speed_kmh = 2.5
  duration_s = 90
  [[steps.steps]]
  direction = "forward"
  speed_kmh = 5.0
  incline_pct = 2.0
  duration_s = 120
[[steps]]
name = "Cool-down"
direction = "forward"
speed_kmh = 3.0
duration_s = 300
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    repeats = max(1, (args.minutes * 60 - 600) // 210)
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "bench.toml"
        program.write_text(PROGRAM.format(minutes=args.minutes, repeats=repeats))
        trace = Path(tmp) / "trace.jsonl"
        command = [sys.executable, "-m", "ui.cli", "run", str(program), "--fast", "--allow-reverse",
                   "--trace", str(trace)]
        walls = []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"run failed ({done.returncode}): {done.stderr.strip()}")
        ticks = sum(1 for line in trace.open() if line.startswith('{"t"') and '"state"' in line
                    and '"event"' not in line)
        simulated_s = (300 + repeats * 210 + 300)
    wall = statistics.median(walls)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"program: {simulated_s / 60:.1f} simulated minutes, {ticks} ticks traced at 50 Hz")
    print(f"wall (median of {args.runs}, whole process): {wall:.2f} s  [min {min(walls):.2f}, max {max(walls):.2f}]")
    print(f"speed: {simulated_s / wall:.0f}x real time (target >= 1800x, <= 2 s for 60 min)")


if __name__ == "__main__":
    main()
