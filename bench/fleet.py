"""Fleet scale (issue 11): N simulated treadmills publishing through a local Mosquitto to the
fleet view, in real time, on this machine.

    uv run python bench/fleet.py [--counts 16 32 64] [--seconds 30] [--chaos 1]

For each N, three processes as a site would run them: Mosquitto (its own config, a free
loopback port), the fleet view (the real Textual app, headless, with its MQTT feed, started
and subscribed first), and `retrotread fleet-sim --count N` (50 Hz control, 10 Hz state while
moving, with --chaos for events and safety stops). Printed per N:

- tick lateness of the fleet-sim loop: p50 and p99 over all ticks, and the worst treadmill's
  p99 (the target: p99 <= 2 ms per treadmill); beside it, measured just before, the p99 of a
  bare sleep loop at the same tick rate and priority that does nothing else: what this
  machine allows at that moment (other processes, the VM's stolen time);
- end-to-end latency from a state change in a controller (the `ts` of the state message that
  carries it) to the fleet view's model: p50, p99 (target p99 <= 250 ms);
- messages per second heard by the view; CPU of fleet-sim per treadmill (% of one core), of
  the view and of the broker;
- events lost: published by the controllers (counted in fleet-sim) but never heard by the view.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def start_broker(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = folder / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false", "max_queued_messages 10000"]
    if os.geteuid() == 0:
        lines.append("user root")
    config.write_text("\n".join(lines) + "\n")
    broker = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("mosquitto did not start")


def view_main(port: int, out: str) -> None:
    """The child that is the fleet view: the Textual app, headless, on the real feed."""
    from ui.fleet.app import FleetApp
    from ui.fleet.feed import MqttFeed
    from ui.fleet.model import FleetModel
    from ui.fleet_cmd import broker_for

    model = FleetModel()
    feed = MqttFeed(broker_for(f"mqtt://127.0.0.1:{port}"), model).start()
    while not feed.subscribed:
        time.sleep(0.01)
    print("ready", flush=True)

    class BenchedView(FleetApp):
        def on_mount(self) -> None:
            super().on_mount()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)  # the parent's "done"

    app = BenchedView(model)
    app.run(headless=True, size=(160, 60))
    feed.stop()
    Path(out).write_text(json.dumps({"latencies_s": list(model.latencies_s), "counts": dict(model.counts),
                                     "events_by_id": dict(model.events_by_id),
                                     "treadmills": len(model.treadmills())}))


BASELINE = """
import os, sys, threading, time
try:
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
except OSError:
    pass
period, n, late = float(sys.argv[1]), int(sys.argv[2]), []
t0 = time.monotonic()
for i in range(1, n + 1):
    due = t0 + i * period
    if (wait := due - time.monotonic()) > 0:
        time.sleep(wait)
    late.append(time.monotonic() - due)
late.sort()
print(late[int(0.99 * len(late))] * 1000)
"""


def baseline_p99_ms(count: int, seconds: float) -> float:
    """This machine's own lateness right now: a bare sleep loop at the fleet's tick rate
    (count x 50 Hz), nice -10 like fleet-sim, doing nothing else. Run just before each N."""
    rate_hz = 50.0 * count
    out = subprocess.run([sys.executable, "-c", BASELINE, str(1 / rate_hz), str(int(rate_hz * seconds))],
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def measure(count: int, seconds: float, chaos: int, folder: Path) -> dict:
    baseline_ms = baseline_p99_ms(count, min(10.0, seconds / 2))
    broker, port = start_broker(folder)
    view_out, sim_out = folder / f"view-{count}.json", folder / f"sim-{count}.json"
    view = subprocess.Popen([sys.executable, __file__, "--view", str(port), str(view_out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert view.stdout.readline().strip() == "ready"
        cpu0 = {"view": cpu_s(view.pid), "broker": cpu_s(broker.pid)}
        t0 = time.monotonic()
        sim = subprocess.run([sys.executable, "-m", "ui.cli", "fleet-sim", "--count", str(count), "--mqtt",
                              f"mqtt://127.0.0.1:{port}", "--duration", str(seconds), "--chaos", str(chaos),
                              "--stats", str(sim_out)], cwd=ROOT, capture_output=True, text=True)
        wall_s = time.monotonic() - t0
        if sim.returncode != 0:
            raise RuntimeError(sim.stderr)
        cpu = {"view": cpu_s(view.pid) - cpu0["view"], "broker": cpu_s(broker.pid) - cpu0["broker"]}
        time.sleep(1.0)  # the last messages reach the view
        view.terminate()  # SIGTERM: Textual exits, the child writes what it heard
        view.wait(30)
    finally:
        for process in (view, broker):
            if process.poll() is None:
                process.terminate()
                process.wait(10)
    s = json.loads(sim_out.read_text())
    v = json.loads(view_out.read_text()) if view_out.exists() else {}
    heard = v.get("events_by_id", {})
    lost = sum(max(0, n - heard.get(tid, 0)) for tid, n in s["events"].items())
    messages = sum(v.get("counts", {}).values())
    lat = v.get("latencies_s", [])
    return {"count": count, "baseline_p99_ms": baseline_ms, "run_s": s["run_s"], "late_p50_ms": s["lateness_ms"]["p50"],
            "late_p99_ms": s["lateness_ms"]["p99"], "late_worst_p99_ms": max(s["lateness_p99_ms_each"]),
            "late_max_ms": s["lateness_ms"]["max"], "e2e_p50_ms": pct(lat, 0.5) * 1000,
            "e2e_p99_ms": pct(lat, 0.99) * 1000, "e2e_samples": len(lat), "msgs_per_s": messages / wall_s,
            "cpu_per_treadmill_pct": 100 * s["cpu_s"] / s["run_s"] / count,
            "cpu_view_pct": 100 * cpu["view"] / wall_s, "cpu_broker_pct": 100 * cpu["broker"] / wall_s,
            "events": sum(s["events"].values()), "events_lost": lost, "chaos": s["chaos_injected"],
            "states_dropped": s["states_dropped"], "events_dropped": s["events_dropped"]}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--view":
        view_main(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--chaos", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores); {args.seconds:g} s per run")
    header = ("N", "bare loop p99", "late p50", "late p99", "worst p99", "late max", "e2e p50", "e2e p99", "msg/s",
              "CPU/tm", "view CPU", "broker", "events", "lost")
    print(" | ".join(header))
    with tempfile.TemporaryDirectory() as folder:
        for count in args.counts:
            r = measure(count, args.seconds, args.chaos, Path(folder))
            print(f"{r['count']} | {r['baseline_p99_ms']:.2f} ms | {r['late_p50_ms']:.2f} ms | "
                  f"{r['late_p99_ms']:.2f} ms | {r['late_worst_p99_ms']:.2f} ms | {r['late_max_ms']:.1f} ms | "
                  f"{r['e2e_p50_ms']:.0f} ms | "
                  f"{r['e2e_p99_ms']:.0f} ms (n={r['e2e_samples']}) | {r['msgs_per_s']:.0f} | "
                  f"{r['cpu_per_treadmill_pct']:.2f} % | {r['cpu_view_pct']:.0f} % | {r['cpu_broker_pct']:.0f} % | "
                  f"{r['events']} | {r['events_lost']}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
