"""Control-tick lateness (jitter) at 50 Hz in real time: headless vs with the console drawing.

How late each control tick starts after its due time, measured by the loop itself
(`LoopStats.lateness_s`), over a program that keeps the belt moving (speed changes, a
direction change, the chart and the event log busy):

- headless: the console's control thread (ui/engine.py) with no UI at all;
- console:  the same thread while the Textual console runs in a real pseudo-terminal of the
  given size and redraws ~10 times a second (this process reads and discards its output, as
  a terminal would).

Target (issue 4): p99 <= 2 ms headless, <= 5 ms with the console.
Usage: uv run python bench/jitter.py [--seconds 60] [--size 120x40] [--only headless|console]
       [--switch-interval S]   (the GIL switch interval; the engine sets 0.0005 s)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROGRAM = """\
name = "Bench: speed and direction changes"
profile = "fitness"
[[steps]]
repeat = 20
  [[steps.steps]]
  direction = "forward"
  speed_kmh = 5.0
  duration_s = 12
  cue = "Forward, brisk"
  [[steps.steps]]
  direction = "forward"
  speed_kmh = 3.0
  duration_s = 8
  [[steps.steps]]
  direction = "reverse"
  speed_kmh = 2.0
  duration_s = 10
  cue = "Backward: short steps"
"""


def make_engine(program_path: Path):
    from controller.clock import MonotonicClock
    from controller.commands import Command, Op
    from controller.limits import load_site_config
    from controller.program import load_program
    from ui.engine import Engine

    site = load_site_config()
    clock = MonotonicClock() if os.environ.get("JITTER_PLAIN_CLOCK") else None
    engine = Engine(site, site.profiles["fitness"], load_program(program_path), keep_lateness=True,
                    ui_heartbeat_timeout_s=1.0, clock=clock)
    engine.submit(Command(Op.ARM_REVERSE, True, source="bench"))
    engine.submit(Command(Op.START, source="bench"))
    return engine


def run_headless(seconds: float, program_path: Path, switch_interval: float | None) -> dict:
    from controller.commands import Command, Op

    engine = make_engine(program_path)
    engine.start()
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        engine.submit(Command(Op.UI_HEARTBEAT, source="bench"))  # what a live console would send
        engine.take()
        time.sleep(0.1)
    engine.submit(Command(Op.STOP, source="bench"))
    while engine.controller.status.belt_kmh > 0.0 or engine.controller.state != "idle":
        engine.submit(Command(Op.UI_HEARTBEAT, source="bench"))
        time.sleep(0.1)
    engine.stop()
    return summarise(engine.stats.lateness_s[:int(seconds * engine.rate_hz)], engine)


def run_console_child(seconds: float, program_path: Path, out_path: Path, switch_interval: float | None) -> None:
    """In the pty: the real console on a real (pseudo-)terminal, exiting after `seconds`."""
    from ui.console.app import ConsoleApp
    from ui.pin import PinStore

    import gc
    gcs = []
    gc_t = {}

    def on_gc(phase, info):
        if phase == "start":
            gc_t["t"] = time.perf_counter()
        else:
            gcs.append((info["generation"], round((time.perf_counter() - gc_t["t"]) * 1000, 2)))

    gc.callbacks.append(on_gc)
    engine = make_engine(program_path)
    engine.start()
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    pins = PinStore(Path(tempfile.mkdtemp()) / "pin.json")
    app = ConsoleApp(engine, pins=pins, start_locked=False)
    if os.environ.get("JITTER_NO_GC_FREEZE"):
        import gc as gc_module

        gc_module.freeze = lambda: None
    app.call_later(lambda: app.set_timer(seconds, app.begin_quit))  # the console's own quit: stop, then exit
    try:
        app.run()
    finally:
        engine.stop()
    result = summarise(engine.stats.lateness_s[:int(seconds * engine.rate_hz)], engine)
    result["gc"] = sorted(gcs, key=lambda g: -g[1])[:5]
    out_path.write_text(json.dumps(result))


def run_console(seconds: float, program_path: Path, size: tuple[int, int], switch_interval: float | None) -> dict:
    out_path = Path(tempfile.mkdtemp()) / "console.json"
    args = [sys.executable, __file__, "--child", "--seconds", str(seconds), "--program", str(program_path),
            "--out", str(out_path)]
    if switch_interval is not None:
        args += ["--switch-interval", str(switch_interval)]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLORTERM"] = "truecolor"
        os.execv(sys.executable, args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    written = 0
    t0 = time.monotonic()
    while True:  # be the terminal: read everything the console draws
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            written += len(data)
        if time.monotonic() - t0 > seconds + 60:
            os.kill(pid, 9)
            break
    os.waitpid(pid, 0)
    result = json.loads(out_path.read_text())
    result["terminal_bytes_per_s"] = round(written / seconds)
    return result


def summarise(lateness_s: list[float], engine) -> dict:
    ms = sorted(x * 1000.0 for x in lateness_s)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p / 100.0 * len(ms)))]

    return {"ticks": len(ms), "p50_ms": round(pct(50), 3), "p99_ms": round(pct(99), 3),
            "p999_ms": round(pct(99.9), 3), "max_ms": round(ms[-1], 3),
            "mean_ms": round(statistics.fmean(ms), 3), "late_over_5ms": sum(x > 5.0 for x in ms),
            "latched": list(engine.controller.latched.values()),
            "worst": [(round(i / engine.rate_hz, 2), round(x * 1000, 1)) for i, x in
                      sorted(enumerate(lateness_s), key=lambda p: -p[1])[:5]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="120x40", help="console terminal size, COLUMNSxROWS")
    parser.add_argument("--only", choices=["headless", "console"])
    parser.add_argument("--switch-interval", type=float, default=None)
    parser.add_argument("--plain-clock", action="store_true",
                        help="wait with asyncio.sleep alone (controller.clock.MonotonicClock), for comparison")
    parser.add_argument("--no-gc-freeze", action="store_true", help="for comparison: leave gc alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--program", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_clock:
        os.environ["JITTER_PLAIN_CLOCK"] = "1"  # inherited by the console child
    if args.no_gc_freeze:
        os.environ["JITTER_NO_GC_FREEZE"] = "1"
    if args.child:
        run_console_child(args.seconds, Path(args.program), Path(args.out), args.switch_interval)
        return
    program_path = Path(tempfile.mkdtemp()) / "bench.toml"
    program_path.write_text(PROGRAM)
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    results = {}
    if args.only in (None, "headless"):
        results["headless"] = run_headless(args.seconds, program_path, args.switch_interval)
    if args.only in (None, "console"):
        results[f"console {columns}x{rows}"] = run_console(args.seconds, program_path, (columns, rows),
                                                           args.switch_interval)
    variant = [name for flag, name in ((args.plain_clock, "plain asyncio clock"),
                                         (args.no_gc_freeze, "no gc.freeze"),
                                         (args.switch_interval, f"switch interval {args.switch_interval}"))
               if flag]
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{args.seconds:g} s at 50 Hz each{'; ' + ', '.join(variant) if variant else ''}")
    print("| run | ticks | p50 ms | p99 ms | p99.9 ms | max ms | ticks > 5 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['ticks']} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['p999_ms']:.3f} | "
              f"{r['max_ms']:.3f} | {r['late_over_5ms']} |")
    for name, r in results.items():
        extra = f", terminal output {r['terminal_bytes_per_s']} bytes/s" if "terminal_bytes_per_s" in r else ""
        latched = f", LATCHED: {r['latched']}" if r["latched"] else ""
        print(f"{name}: mean {r['mean_ms']:.3f} ms{extra}{latched}; worst (s, ms): {r['worst']} {r.get('gc')}")


if __name__ == "__main__":
    main()
