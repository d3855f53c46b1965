"""Real sessions for the export and report tests: `retrotread run --fast --trace` as a subprocess,
and what a test needs to judge an export, computed from the trace here (independently of
ui/export/): a DESIGN.md session summary, the belt's distance, the steps as executed.

Distances here are integrated with the trapezoid rule (the exports use the period rule of the
summary sink), so that agreement within 0.5 % is a real check, not the same sum twice.
"""

from __future__ import annotations

import bisect
import json
import math
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
STANDSTILL_KMH = 0.05

SHORT_WALK = """\
name = "Test: walk, back, walk"
profile = "fitness"
[[steps]]
name = "Warm-up"
direction = "forward"
speed_kmh = 3.0
duration_s = 40
[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 1.5
to_speed_kmh = 2.0
duration_s = 40
[[steps]]
name = "Walk out"
direction = "forward"
speed_kmh = 3.0
incline_pct = 2.0
duration_s = 30
"""

BACKWARD_RUN = """\
name = "Test: backward running"
profile = "athlete"
[[steps]]
name = "Jog"
direction = "forward"
speed_kmh = 8.0
duration_s = 30
[[steps]]
name = "Run back"
direction = "reverse"
speed_kmh = 8.0
duration_s = 120
"""

# name -> (program text or a shipped program, extra run arguments)
SESSIONS: dict[str, tuple[str, list[str]]] = {
    # heart rate from the simulated person, then set by injections
    "hr_walk": (SHORT_WALK, ["--inject", "hr:118@5", "--inject", "hr:131@60"]),
    # no heart-rate sensor; an operator stop, then reset and start (the same step runs again),
    # then a fall: e-stop
    "stopped": ("config/programs/beginner-retro-walk.toml",
                ["--hr", "none", "--inject", "op-stop@180", "--inject", "reset@190", "--inject", "start@192",
                 "--inject", "fall@330"]),
    "backward_run": (BACKWARD_RUN, ["--authorize-athlete"]),
}


@dataclass
class Session:
    """One real run: its trace and the summary a store would keep for it."""

    name: str
    trace_path: Path
    lines: list[dict[str, Any]] = field(repr=False)
    summary: dict[str, Any] = field(repr=False)

    @property
    def ticks(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "event" not in line]

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("event") == kind]


def run_session(folder: Path, name: str, started: datetime | None = None, **summary_extra: Any) -> Session:
    """Run SESSIONS[name] with --fast --trace into `folder`; the summary is built from the trace."""
    program, extra = SESSIONS[name]
    if program.endswith(".toml"):
        program_path = REPO_ROOT / program
    else:
        program_path = folder / f"{name}.toml"
        program_path.write_text(program, encoding="utf-8")
    declared = tomllib.loads(program_path.read_text(encoding="utf-8"))
    summary_extra.setdefault("program", declared["name"])
    summary_extra.setdefault("profile", declared.get("profile", "fitness"))
    trace_path = folder / f"{name}.jsonl"
    argv = [sys.executable, "-m", "ui.cli", "run", str(program_path), "--allow-reverse", "--fast",
            "--trace", str(trace_path), *extra]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3), f"{argv}: exit {done.returncode}\n{done.stderr}"
    lines = load_trace(trace_path)
    started = started or datetime(2025, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    return Session(name, trace_path, lines, summary_from_trace(lines, started=started, **summary_extra))


def load_trace(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def belt_distances_m(lines: list[dict[str, Any]]) -> dict[str, float]:
    """Belt distance by the direction the belt last ran in (trapezoid rule); 'total' both."""
    out = {"forward": 0.0, "reverse": 0.0}
    previous = None
    direction = "forward"
    for tick in (line for line in lines if "event" not in line):
        if tick["direction"] != "none":
            direction = tick["direction"]
        if previous is not None:
            out[direction] += (previous["belt_kmh"] + tick["belt_kmh"]) / 2 / 3.6 * (tick["t"] - previous["t"])
        previous = tick
    out["total"] = out["forward"] + out["reverse"]
    return out


def executed_steps(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per `step` event: index, name, direction, planned_s, start and end time. A step
    that turns the belt round starts once the belt has stopped (or runs its way): until then the
    belt is still slowing down for the step before."""
    steps, pending = [], None
    belt_direction, belt_kmh = "forward", 0.0
    for line in lines:
        if line.get("event") == "step":
            step = dict(index=line["index"], name=line["name"], direction=line["direction"],
                        planned_s=line["duration_s"], start_s=line["t"])
            steps.append(step)
            turning = belt_kmh > STANDSTILL_KMH and step["direction"] != belt_direction
            pending = step if turning else None
        elif "event" not in line:
            if line["direction"] != "none":
                belt_direction = line["direction"]
            belt_kmh = line["belt_kmh"]
            if pending and (belt_kmh <= STANDSTILL_KMH or belt_direction == pending["direction"]):
                pending["start_s"], pending = line["t"], None
    ends = [following["start_s"] for following in steps[1:]] + [[line["t"] for line in lines if "event" not in line][-1]]
    for step, end_s in zip(steps, ends):
        step["end_s"] = end_s
    return steps


def summary_from_trace(lines: list[dict[str, Any]], *, started: datetime, person: str = "P-0001",
                       program: str = "Test program", profile: str = "fitness", rpe: int | None = 3,
                       pain: int | None = 1, note: str = "") -> dict[str, Any]:
    """A session summary with DESIGN.md's fields, computed from the trace."""
    ticks = [line for line in lines if "event" not in line]
    duration_s = ticks[-1]["t"] - ticks[0]["t"]
    moving = {"forward": 0.0, "reverse": 0.0}
    direction = "forward"
    for previous, tick in zip(ticks, ticks[1:]):
        if tick["direction"] != "none":
            direction = tick["direction"]
        if tick["belt_kmh"] > STANDSTILL_KMH:
            moving[direction] += tick["t"] - previous["t"]
    distances = belt_distances_m(lines)
    hrs = [tick["heart_rate_bpm"] for tick in ticks if tick["heart_rate_bpm"] is not None]
    stops = [dict(time_s=e["t"], kind=e["event"], reason=e.get("reason", "operator stop"))
             for e in lines if e.get("event") in ("estop", "fault", "operator_stop")]
    complete = any(e.get("event") == "program_complete" for e in lines)
    mass_kg = 70.0
    met_avg = 3.5  # a stand-in: the energy model is the records helper's, not the exports'
    return {
        "id": 1, "person": person, "program": program, "profile": profile,
        "driver": "sim://", "started": started.isoformat(timespec="seconds"),
        "ended": (started + timedelta(seconds=duration_s)).isoformat(timespec="seconds"),
        "status": "completed" if complete else "stopped",
        "end_reason": "program complete" if complete else (stops[-1]["reason"] if stops else "stopped"),
        "duration_s": duration_s,
        "forward": {"time_s": moving["forward"], "distance_m": distances["forward"]},
        "backward": {"time_s": moving["reverse"], "distance_m": distances["reverse"]},
        "stops": stops,
        "heart_rate": {"avg_bpm": sum(hrs) / len(hrs), "max_bpm": max(hrs)} if hrs else None,
        "energy": {"kcal": met_avg * 3.5 * mass_kg * duration_s / 60 * 5 / 1000, "met_avg": met_avg,
                   "mass_kg": mass_kg, "estimated": True},
        "steps": [_step_summary(step, ticks) for step in executed_steps(lines)],
        "rpe": rpe, "pain": pain, "note": note,
    }


def _step_summary(step: dict[str, Any], ticks: list[dict[str, Any]]) -> dict[str, Any]:
    inside = [tick for tick in ticks if step["start_s"] <= tick["t"] <= step["end_s"]]
    distance_m = sum((a["belt_kmh"] + b["belt_kmh"]) / 2 / 3.6 * (b["t"] - a["t"]) for a, b in zip(inside, inside[1:]))
    time_s = step["end_s"] - step["start_s"]
    hrs = [tick["heart_rate_bpm"] for tick in inside if tick["heart_rate_bpm"] is not None]
    return {"index": step["index"], "name": step["name"], "direction": step["direction"],
            "planned_s": step["planned_s"], "time_s": time_s, "distance_m": distance_m,
            "avg_kmh": distance_m / time_s * 3.6 if time_s > 0 else 0.0,
            "hr_avg_bpm": sum(hrs) / len(hrs) if hrs else None, "hr_max_bpm": max(hrs) if hrs else None}


def ticks_per_second(ticks: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """For each second k < count, the first tick at or after k seconds, else the last tick."""
    times = [tick["t"] for tick in ticks]
    return [ticks[min(bisect.bisect_left(times, k - 1e-6), len(ticks) - 1)] for k in range(count)]


def expected_rows(ticks: list[dict[str, Any]]) -> int:
    """Rows at 1 Hz from second 0 through the first whole second at or after the last tick."""
    return math.ceil(ticks[-1]["t"] - 1e-6) + 1
