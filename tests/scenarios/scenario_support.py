"""Support for the scenario tests (used by conftest.py and imported by the test modules).

`retrotread` is run end to end as a subprocess (`python -m ui.cli ...`) with the repository
root as its working directory, and judged by what a user sees: the exit code, stdout, stderr
and the JSON Lines trace, against DESIGN.md ("Headless runs: retrotread run", S1-S12).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_PROGRAMS = sorted((REPO_ROOT / "config" / "programs").glob("*.toml"))
TICK_S = 0.02  # default control rate 50 Hz
EPS = 1e-6
STANDSTILL_KMH = 0.05
STATES = ("idle", "countdown", "running", "paused", "stopping", "reversing", "estop", "fault")


@dataclass
class Result:
    """What one `retrotread` invocation produced."""

    args: list[str]
    returncode: int
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)
    lines: list[dict[str, Any]] = field(repr=False)  # parsed trace lines (empty if no trace or no file)
    trace_path: Path | None = None
    raw_trace: bytes | None = field(default=None, repr=False)  # None: the trace file does not exist

    # -- views of the trace ----------------------------------------------------------------
    @property
    def ticks(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "event" not in line]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [line for line in self.lines if "event" in line and (kind is None or line["event"] == kind)]

    def first_event(self, kind: str, **match: Any) -> dict[str, Any]:
        for event in self.events(kind):
            if all(event.get(k) == v for k, v in match.items()):
                return event
        raise AssertionError(f"no {kind!r} event matching {match} in the trace of {self.cmd}\n{self.event_log()}")

    def ticks_between(self, t0: float, t1: float = float("inf")) -> list[dict[str, Any]]:
        return [tick for tick in self.ticks if t0 - EPS <= tick["t"] <= t1 + EPS]

    def tick_at(self, t: float) -> dict[str, Any]:
        for tick in self.ticks:
            if abs(tick["t"] - t) < EPS:
                return tick
        raise AssertionError(f"no tick at t={t}")

    def states_visited(self) -> list[str]:
        out: list[str] = []
        for tick in self.ticks:
            if not out or out[-1] != tick["state"]:
                out.append(tick["state"])
        return out

    @property
    def cmd(self) -> str:
        return " ".join(self.args)

    def event_log(self) -> str:
        return "\n".join(json.dumps(e) for e in self.events())

    def describe(self) -> str:
        return (f"command: {self.cmd}\nexit: {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}\n"
                f"events:\n{self.event_log()}")


def _invoke(args: list[str], trace_path: Path | None, timeout_s: float = 60.0) -> Result:
    argv = [sys.executable, "-m", "ui.cli", *args]
    proc = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s)
    lines: list[dict[str, Any]] = []
    raw = None
    if trace_path is not None and trace_path.exists():
        raw = trace_path.read_bytes()
        for n, text in enumerate(raw.decode("utf-8").splitlines(), 1):
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError as exc:  # keep the test's failure message useful
                raise AssertionError(f"trace line {n} is not JSON ({exc}): {text!r}") from None
    return Result(["retrotread", *args], proc.returncode, proc.stdout, proc.stderr, lines, trace_path, raw)


class Retro:
    """Runs `retrotread` in a subprocess; traces go into tmp_path."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self._n = 0

    def trace_file(self) -> Path:
        self._n += 1
        return self.tmp_path / f"trace-{self._n}.jsonl"

    def run(self, program: str | Path, *args: str, trace: bool | Path = True, fast: bool = True,
            inject: Iterable[str] = ()) -> Result:
        """`retrotread run PROGRAM [--fast] [--inject X ...] [--trace FILE] ARGS...`."""
        argv = ["run", str(program)]
        if fast:
            argv.append("--fast")
        for item in inject:
            argv += ["--inject", item]
        trace_path: Path | None = None
        if trace:
            trace_path = trace if isinstance(trace, Path) else self.trace_file()
            argv += ["--trace", str(trace_path)]
        argv += list(args)
        return _invoke(argv, trace_path)

    def cli(self, *args: str) -> Result:
        """Any subcommand, no trace: `retrotread ARGS...`."""
        return _invoke(list(args), None)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string for plain text
    raise TypeError(f"no TOML for {value!r}")


def _steps_toml(steps: list[dict[str, Any]], table: str) -> list[str]:
    out: list[str] = []
    for step in steps:
        out.append(f"[[{table}]]")
        inner = step.get("steps")
        for key, value in step.items():
            if key != "steps":
                out.append(f"{key} = {_toml_value(value)}")
        if inner is not None:
            out += _steps_toml(inner, f"{table}.steps")
    return out


def program_toml(steps: list[dict[str, Any]], name: str = "Scenario", **top: Any) -> str:
    lines = [f"name = {_toml_value(name)}"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in top.items()]
    lines += _steps_toml(steps, "steps")
    return "\n".join(lines) + "\n"


def fwd(speed: float, duration: float, name: str | None = None, **more: Any) -> dict[str, Any]:
    step = {"direction": "forward", "speed_kmh": speed, "duration_s": duration, **more}
    if name:
        step = {"name": name, **step}
    return step


def rev(speed: float, duration: float, name: str | None = None, **more: Any) -> dict[str, Any]:
    step = {"direction": "reverse", "speed_kmh": speed, "duration_s": duration, **more}
    if name:
        step = {"name": name, **step}
    return step
