"""Session records (issue 10): what recording costs a tick, what a recorded hour takes on disk,
how long a 60-minute session takes to export.

1. Tick lateness with and without recording, in real time: paired runs, alternating which goes
   first, each a fresh process running a session host at 50 Hz on the simulator with run's
   sinks (summary, and the recorder behind its queue when recording); lateness is measured by
   the loop itself (LoopStats.lateness_s). Prints p50/p99/max per run and the medians.
2. Store size per recorded hour: a 60-minute program recorded (`run --fast --record`), the
   database and the compressed trace, against the trace uncompressed.
3. CPU cost of recording a --fast rehearsal (the recorder in line), paired with --no-record.
4. Export time of that 60-minute session: FIT, CSV (ui/export/) and JSON Lines.

Usage: uv run python bench/records.py [--seconds 60] [--pairs 3] [--skip-realtime] [--skip-hour]
       [--switch-interval S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from simspeed import PROGRAM  # noqa: E402

LOOPING = """\
name = "Bench: forward and back, looping"
profile = "fitness"
[[steps]]
repeat = 40
  [[steps.steps]]
  direction = "forward"
  speed_kmh = 4.0
  duration_s = 20
  [[steps.steps]]
  direction = "reverse"
  speed_kmh = 2.0
  duration_s = 15
"""


async def one_real_time_run(program: Path, seconds: float, record: bool, data: Path) -> list[float]:
    from controller.clock import PreciseClock
    from controller.commands import Command, Op
    from controller.limits import load_site_config
    from controller.loop import LoopStats
    from controller.program import load_program
    from drivers import open_drive
    from ui.session.host import SessionHost, open_for
    from ui.session.plan import SessionPlan
    from ui.session.records import Store
    from ui.session.records.recorder import recording_sink
    from ui.session.summary import SummarySink

    site = load_site_config()
    plan = SessionPlan(site, load_program(program), site.profiles["fitness"], allow_reverse=True)
    clock = PreciseClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    host = SessionHost(plan, drive, clock, drive_open=True)
    host.add_sink(SummarySink(host.t0_s))
    if record:
        host.add_sink(recording_sink(Store.open(data, create=True), realtime=True, report=print))
    host.emit({"t": host.t0_s, "event": "session_start", "program": plan.program.name, "profile": "fitness",
               "driver": "sim://"})
    host.controller.submit(Command(Op.START, source="bench"))
    stats = LoopStats(keep_lateness=True)
    await host.run(lambda c: clock.now_s() - host.t0_s >= seconds, stats)
    host.emit({"t": clock.now_s(), "event": "session_end", "reason": "bench"})
    await host.close()
    return list(stats.lateness_s)


def child(args) -> int:
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    late = asyncio.run(one_real_time_run(Path(args.program), args.seconds, args.child == "record",
                                         Path(args.data)))
    print(json.dumps(late))
    return 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def lateness(args, tmp: Path) -> None:
    program = tmp / "looping.toml"
    program.write_text(LOOPING)
    results: dict[str, list[tuple[float, float, float]]] = {"plain": [], "record": []}
    for pair in range(args.pairs):
        order = ("plain", "record") if pair % 2 == 0 else ("record", "plain")
        for kind in order:
            done = subprocess.run([sys.executable, __file__, "--child", kind, "--program", str(program),
                                   "--seconds", str(args.seconds), "--data", str(tmp / f"data-{pair}"),
                                   "--switch-interval", str(args.switch_interval or 0)],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            late = json.loads(done.stdout.strip().splitlines()[-1])
            figures = (percentile(late, 0.5) * 1e3, percentile(late, 0.99) * 1e3, max(late) * 1e3)
            results[kind].append(figures)
            print(f"pair {pair + 1} {kind:6s}: {len(late)} ticks, lateness p50 {figures[0]:.3f} ms, "
                  f"p99 {figures[1]:.3f} ms, max {figures[2]:.2f} ms", flush=True)
    for kind, rows in results.items():
        print(f"{kind:6s} median of runs: p50 {statistics.median(r[0] for r in rows):.3f} ms, "
              f"p99 {statistics.median(r[1] for r in rows):.3f} ms, max {statistics.median(r[2] for r in rows):.2f} ms")
    p99 = [r[1] - p[1] for r, p in zip(results["record"], results["plain"])]
    print(f"p99 record - plain, per pair: {', '.join(f'{d:+.3f}' for d in p99)} ms "
          f"(median {statistics.median(p99):+.3f} ms)")


def cpu_of(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=ROOT, capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def hour(args, tmp: Path) -> None:
    program = tmp / "hour.toml"
    program.write_text(PROGRAM.format(minutes=60, repeats=15))
    data = tmp / "hour-data"
    trace = tmp / "hour.jsonl"
    base = ["run", str(program), "--fast", "--allow-reverse"]
    cpu = {"record": [], "plain": []}
    for pair in range(args.pairs):
        for kind in (("plain", "record") if pair % 2 == 0 else ("record", "plain")):
            flags = ["--record", "--data-dir", str(tmp / f"cpu-{pair}")] if kind == "record" else ["--no-record"]
            cpu[kind].append(cpu_of(base + flags))
    print(f"run --fast of 60 minutes, CPU: plain median {statistics.median(cpu['plain']):.2f} s, with --record "
          f"median {statistics.median(cpu['record']):.2f} s "
          f"(ratio of medians {statistics.median(cpu['record']) / statistics.median(cpu['plain']):.2f})")
    cpu_of(base + ["--record", "--data-dir", str(data), "--trace", str(trace)])
    from ui.session.records import Store

    with Store.open(data) as store:
        summary = store.get("last")
        trace_path = store.trace_path("last")
        hours = summary["duration_s"] / 3600
        db_bytes = sum(p.stat().st_size for p in data.glob("sessions.db*"))
        print(f"recorded {summary['duration_s'] / 60:.1f} minutes: trace {trace_path.stat().st_size / 1e6 / hours:.2f} MB "
              f"per hour compressed (uncompressed {trace.stat().st_size / 1e6 / hours:.1f} MB per hour), "
              f"database {db_bytes / 1e3:.0f} kB (one session, {len(summary['steps'])} steps)")
        exports(store, summary, tmp)


def exports(store, summary, tmp: Path) -> None:
    from ui.export.csv import write_csv
    from ui.export.fit import write_fit
    from ui.sessions_cmd import _write_jsonl

    for name, writer in (("fit", write_fit), ("csv", write_csv), ("jsonl", _write_jsonl)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            writer(summary, store.trace(summary["id"]), tmp / f"export.{name}")
            times.append(time.perf_counter() - start)
        size = (tmp / f"export.{name}").stat().st_size
        print(f"export {name:5s} of the 60-minute session: median {statistics.median(times):.2f} s "
              f"({size / 1e6:.2f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each real-time run")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--skip-realtime", action="store_true")
    parser.add_argument("--skip-hour", action="store_true")
    parser.add_argument("--switch-interval", type=float, default=None, metavar="S",
                        help="the GIL switch interval in the real-time runs (default: Python's, 0.005 s)")
    parser.add_argument("--child", choices=["plain", "record"], help=argparse.SUPPRESS)
    parser.add_argument("--program", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_hour:
            hour(args, Path(tmp))
        if not args.skip_realtime:
            lateness(args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
