"""How an HR-guided backward session settles, for three simulated fitness levels.

Runs the real `retrotread run --fast` path (controller, simulator, the simulated person's heart)
on a 20-minute HR-guided backward step and reads the trace back. Prints, per fitness level:
the settling time (from the step's start until the heart rate stays within +-5 bpm of the
target for good), the RMS error after settling, the number of speed changes, and the speed the
step settled at. The strap's notification-to-controller latency over the virtual link is
measured by bench/hr_latency.py.

    uv run python bench/hr_guided.py [--target 120] [--minutes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.cli import build_parser  # noqa: E402
from ui.run import execute, plan_run  # noqa: E402

BAND_BPM = 5.0


def program_toml(target_bpm: float, minutes: float) -> str:
    return f"""name = "HR-guided backward, bench"
profile = "fitness"
[[steps]]
name = "Backward cardio"
direction = "reverse"
target_hr_bpm = {target_bpm}
min_speed_kmh = 1.0
max_speed_kmh = 5.5
duration_s = {minutes * 60}
"""


def run_once(fitness: str, target_bpm: float, minutes: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "hr.toml"
        program.write_text(program_toml(target_bpm, minutes), encoding="utf-8")
        trace = Path(tmp) / "trace.jsonl"
        args = build_parser().parse_args(["run", str(program), "--allow-reverse", "--fast", "--seed", str(seed),
                                          "--driver", f"sim://?fitness={fitness}", "--trace", str(trace)])
        code = asyncio.run(execute(plan_run(args), out=io.StringIO(), err=io.StringIO()))
        return summarise(trace.read_text(encoding="utf-8").splitlines(), target_bpm, code)


def summarise(lines: list[str], target_bpm: float, code: int) -> dict:
    step_t0 = None
    samples = []  # (t, hr, belt_kmh) while the step runs
    changes = 0
    for line in lines:
        row = json.loads(line)
        if row.get("event") == "step":
            step_t0 = row["t"]
        elif row.get("event") == "hr_adjust":
            changes += 1
        elif "state" in row and "event" not in row and step_t0 is not None and row["state"] == "running":
            samples.append((row["t"] - step_t0, row["heart_rate_bpm"], row["belt_kmh"]))
    settled_at = None
    for t, hr, _ in reversed(samples):  # the last time it was outside the band
        if hr is None or abs(hr - target_bpm) > BAND_BPM:
            settled_at = t
            break
    settled_s = 0.0 if settled_at is None else settled_at
    after = [hr for t, hr, _ in samples if t > settled_s and hr is not None]
    rms = math.sqrt(sum((hr - target_bpm) ** 2 for hr in after) / len(after)) if after else float("nan")
    end_kmh = samples[-1][2] if samples else 0.0
    settled = settled_at is None or settled_at < samples[-1][0] - 60.0
    return {"exit": code, "settled": settled, "settling_s": settled_s, "rms_bpm": rms,
            "speed_changes": changes, "end_kmh": end_kmh, "end_hr": samples[-1][1] if samples else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=120.0)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"HR-guided backward step, target {args.target:g} bpm, range 1.0-5.5 km/h, {args.minutes:g} min, "
          f"seed {args.seed}")
    print(f"{'fitness':<9} {'settled':>7} {'settling s':>10} {'RMS bpm':>8} {'changes':>8} {'end km/h':>9} {'end bpm':>8}")
    for fitness in ("low", "average", "high"):
        r = run_once(fitness, args.target, args.minutes, args.seed)
        print(f"{fitness:<9} {'yes' if r['settled'] else 'NO':>7} {r['settling_s']:>10.0f} {r['rms_bpm']:>8.2f} "
              f"{r['speed_changes']:>8} {r['end_kmh']:>9.2f} {r['end_hr'] or 0:>8.0f}")


if __name__ == "__main__":
    main()
