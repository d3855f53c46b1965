"""Export time for a 60-minute session: FIT and CSV (ui/export/), from a real `run --fast` trace.

    uv run python bench/export.py [--repeat N]

Runs a 60-minute program (forward and backward intervals, heart rate from the simulated person)
with `retrotread run --fast --trace`, parses the trace once, then times write_fit and write_csv
N times each, alternating (median and spread printed), and prints the file sizes. The first
write_fit is timed apart: it includes importing fit-tool's message profile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PROGRAM = """\
name = "Bench: 60 minutes of intervals"
profile = "fitness"
[[steps]]
name = "Intervals"
repeat = 12
  [[steps.steps]]
  name = "Forward"
  direction = "forward"
  speed_kmh = 4.0
  duration_s = 180
  [[steps.steps]]
  name = "Backward"
  direction = "reverse"
  speed_kmh = 2.0
  duration_s = 120
"""


def make_trace(folder: Path) -> Path:
    program, trace = folder / "sixty.toml", folder / "sixty.jsonl"
    program.write_text(PROGRAM, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ui.cli", "run", str(program), "--allow-reverse", "--fast",
                    "--trace", str(trace)], cwd=REPO, check=True, capture_output=True)
    return trace


def timed(write, summary, lines, path) -> float:
    start = time.perf_counter()
    write(summary, iter(lines), path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        trace = make_trace(folder)
        start = time.perf_counter()
        with open(trace, encoding="utf-8") as stream:
            lines = [json.loads(line) for line in stream]
        parse_s = time.perf_counter() - start
        ticks = [line for line in lines if "event" not in line]
        summary = {"started": "2026-01-05T09:00:00+01:00", "program": "Bench: 60 minutes of intervals",
                   "energy": {"kcal": 250.0}}
        from ui.export.csv import write_csv
        from ui.export.fit import write_fit

        fit, csv_path = folder / "sixty.fit", folder / "sixty.csv"
        first_fit_s = timed(write_fit, summary, lines, fit)
        fit_s, csv_s = [], []
        for _ in range(args.repeat):  # alternating, so that a busy moment hits both
            fit_s.append(timed(write_fit, summary, lines, fit))
            csv_s.append(timed(write_csv, summary, lines, csv_path))
        print(f"trace: {ticks[-1]['t'] / 60:.1f} min, {len(ticks)} ticks, {trace.stat().st_size / 1e6:.1f} MB; "
              f"json parse {parse_s:.2f} s")
        print(f"FIT: first {first_fit_s:.2f} s (with fit-tool's import), then median {statistics.median(fit_s):.2f} s "
              f"(min {min(fit_s):.2f}, max {max(fit_s):.2f}); {fit.stat().st_size / 1e3:.0f} kB")
        print(f"CSV: median {statistics.median(csv_s):.2f} s (min {min(csv_s):.2f}, max {max(csv_s):.2f}); "
              f"{csv_path.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
