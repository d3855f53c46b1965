"""Simulation speed of two checkouts side by side: paired, alternating runs of the same
60-minute program (bench/simspeed.py's) with `--fast --trace`, timed as CPU time.

    git worktree add /tmp/before <commit> && (cd /tmp/before && uv sync)
    uv run python bench/paired_simspeed.py /tmp/before . --rounds 8

Each round runs BEFORE then AFTER, each with its own .venv, so a busy moment costs both; two
figures per checkout: the whole process (start-up included), and the loop alone (CPU time
from `main()` to its return, in process). Prints medians and the after/before ratios; this
machine is shared, so only a ratio means anything.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simspeed import PROGRAM  # noqa: E402

# Everything `run` imports is imported before the clock starts: which imports are lazy differs
# between checkouts, and the loop alone is what this figure is for.
IN_PROCESS = """
import asyncio, contextlib, io, sys, time
import ui.run
from ui.cli import main
t0 = time.process_time()
with contextlib.redirect_stdout(io.StringIO()):
    main(["run", {program!r}, "--fast", "--allow-reverse", "--trace", {trace!r}])
print(time.process_time() - t0)
"""


def whole_process_s(tree: Path, program: Path, trace: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(tree / ".venv/bin/python"), "-m", "ui.cli", "run", str(program), "--fast", "--allow-reverse",
                    "--trace", str(trace)], cwd=tree, capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def loop_s(tree: Path, program: Path, trace: Path) -> float:
    done = subprocess.run([str(tree / ".venv/bin/python"), "-c", IN_PROCESS.format(program=str(program),
                                                                                   trace=str(trace))],
                          cwd=tree, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "bench.toml"
        program.write_text(PROGRAM.format(minutes=60, repeats=14))
        trace = Path(tmp) / "trace.jsonl"
        for label, measure in (("whole process", whole_process_s), ("loop alone", loop_s)):
            times: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    times[name].append(measure(tree, program, trace))
            pairs = [a / b for a, b in zip(times["after"], times["before"])]
            print(f"{label}: before median {statistics.median(times['before']):.2f} s, "
                  f"after median {statistics.median(times['after']):.2f} s; after/before: median of pairs "
                  f"{statistics.median(pairs):.3f}, ratio of medians "
                  f"{statistics.median(times['after']) / statistics.median(times['before']):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
