"""Start-up of `retrotread --help` and `--version` against a bare `python -c pass`.

    uv run python bench/startup.py [--runs 30]

Paired and alternating: each round runs the three commands back to back with this
interpreter, so a busy moment costs all three alike; the ratio of medians is the figure
(issue 8: within 5x `python -c pass`). Neither command may import pydantic, textual or
pymodbus (tests/scenarios/test_scenario_startup.py holds that).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "retrotread --help": [sys.executable, "-m", "ui.cli", "--help"],
    "retrotread --version": [sys.executable, "-m", "ui.cli", "--version"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            t0 = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["python -c pass"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:22} median {median * 1000:6.1f} ms  x{median / base:4.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
