"""The fleet simulator's run: N session hosts on one event loop and one real-time clock.

The treadmills' control loops are spread over the control period in 1 ms slots (at 50 Hz, 20
slots: 64 treadmills make 3 or 4 a slot), instead of all falling due at once; the loops of
one slot tick one after the other on one wake-up of the shared clock. Each host has the
telemetry sink and a scripted operator; the telemetry of all of them shares one network
thread (ui/session/telemetry/hub.py).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace

from controller.commands import Command, Op
from controller.loop import LoopStats
from drivers import open_drive
from ui.fleet.clock import FleetClock
from ui.fleet.crew import ScriptedOperator
from ui.session.host import SessionHost, open_for
from ui.session.rest import RestRule
from ui.session.telemetry import open_telemetry
from ui.session.telemetry.hub import Hub
from ui.version import __version__

GIL_SWITCH_INTERVAL_S = 0.0005  # as the console's engine: a tick waits at most this for the GIL
CONTROL_NICE = -10  # as the console's control thread, best effort (root or CAP_SYS_NICE)
FIRST_START_S = 5.0  # the treadmills' first starts are spread over this many seconds
#: The loops' ticks are spread over the control period in slots this far apart; the loops of
#: one slot tick one after the other on one wake-up (a tick takes ~0.05 ms; a wake-up costs more)
SLOT_S = 0.001
STOP_WAIT_S = 20.0  # at the end, how long the belts may take to come to rest


@dataclass
class Member:
    treadmill_id: str
    host: SessionHost
    sink: object
    crew: ScriptedOperator
    stats: LoopStats


def _prioritise_this_thread() -> None:
    """The control loops ahead of the publishers and of other processes (ui/engine.py does the
    same for the console's control thread): a short GIL switch interval, and nice -10 if allowed."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CONTROL_NICE)
    except (OSError, AttributeError):
        pass


def treadmill_ids(count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"sim-{i:0{width}d}" for i in range(1, count + 1)]


class Fleet:
    """N simulated treadmills (see the module docstring); `await run(duration_s)` -> stats."""

    def __init__(self, plan, settings, count: int, *, seed: int = 0, chaos: int | None = None,
                 measure: bool = False, report=None, out=None) -> None:
        self.plan = plan
        self.settings = settings
        self.count = count
        self.seed = seed
        self.chaos = chaos
        self.measure = measure
        self.out = out or sys.stdout
        self._report = report or self._say_once
        self._said: set[str] = set()
        self.members: list[Member] = []
        self.clock = FleetClock()
        self._stopping = False

    def _say_once(self, text: str) -> None:
        """Publisher reports, each distinct text once (64 treadmills lose one broker together)."""
        if text not in self._said:
            self._said.add(text)
            print(f"retrotread: fleet-sim: {text}", file=sys.stderr, flush=True)

    async def build(self) -> None:
        clock, spread = self.clock, random.Random(self.seed)
        hub = Hub("retrotread-fleet-telemetry")  # one network thread for every treadmill's connection
        for i, tid in enumerate(treadmill_ids(self.count)):
            plan = replace(self.plan, seed=self.seed + i)
            drive = open_drive("sim://", **plan.drive_options(clock))
            await open_for(drive, plan)
            host = SessionHost(plan, drive, clock, drive_open=True)
            sink = open_telemetry(replace(self.settings, treadmill_id=tid), t0_s=host.t0_s, now_s=clock.now_s(),
                                  report=self._report, version=__version__, hub=hub)
            crew = ScriptedOperator(host, seed=self.seed * 1009 + i,
                                    chaos_seed=None if self.chaos is None else self.chaos * 1009 + i,
                                    first_start_s=spread.uniform(0.0, FIRST_START_S))
            host.add_sink(sink)
            host.add_sink(crew)
            self.members.append(Member(tid, host, sink, crew, LoopStats(keep_lateness=self.measure)))

    async def run(self, duration_s: float | None = None) -> dict:
        """Build, run until `duration_s` or a signal, stop every belt, close; return the stats."""
        # first: the network thread, started while building, inherits it (a thread holding the GIL
        # must not wait behind other processes while the control loops wait for it)
        _prioritise_this_thread()
        await self.build()
        ids = [m.treadmill_id for m in self.members]
        print(f"fleet-sim: {self.count} simulated treadmills {ids[0]}..{ids[-1]} publishing to "
              f"{self.settings.broker.display} (Ctrl-C stops)", file=self.out, flush=True)
        stop = asyncio.Event()
        self._install_signals(stop)
        gc.freeze()  # start-up's objects out of every later collection's way
        cpu0_s, wall0_s = time.process_time(), time.monotonic()
        period_s = 1.0 / self.plan.site.control_rate_hz
        slots = max(1, min(self.count, round(period_s / SLOT_S)))
        first_s = self.clock.now_s() + 0.05
        tasks = [asyncio.create_task(self._run_member(m, first_s + (i % slots) * period_s / slots))
                 for i, m in enumerate(self.members)]
        try:
            await asyncio.wait_for(stop.wait(), duration_s)
        except TimeoutError:
            pass
        run_s, cpu_s = time.monotonic() - wall0_s, time.process_time() - cpu0_s
        await self._stop_all(tasks)
        await self._close_all()
        return self.stats(run_s, cpu_s)

    async def _run_member(self, m: Member, start_s: float) -> None:
        await self.clock.sleep_until(start_s)
        rest = RestRule(m.host.plan.site)
        view = m.host.view
        await m.host.run(lambda _c: self._stopping and rest(view), m.stats)

    async def _stop_all(self, tasks) -> None:
        self._stopping = True
        for m in self.members:
            m.host.controller.submit(Command(Op.STOP, source="fleet-sim"))
            m.crew.active = False  # the crew presses nothing more
        done, pending = await asyncio.wait(tasks, timeout=STOP_WAIT_S)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                print(f"retrotread: fleet-sim: a control loop ended with {task.exception()!r}", file=sys.stderr)
        self.clock.stop()

    async def _close_all(self) -> None:
        for m in self.members:
            m.sink.close_begin()  # every publisher finishes at once; then each is waited for
        for m in self.members:
            await m.host.close()

    def _install_signals(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not the main thread
                pass

    def stats(self, run_s: float, cpu_s: float) -> dict:
        """What bench/fleet.py reads (lateness only with measure=True)."""
        late_ms = sorted(x * 1000 for m in self.members for x in m.stats.lateness_s)
        per = [sorted(m.stats.lateness_s) for m in self.members]

        def pick(values, q):
            return values[min(len(values) - 1, int(q * len(values)))] if values else None

        sinks = [m.sink for m in self.members]
        pubs = [s.publisher for s in sinks]
        return {
            "count": self.count, "run_s": run_s, "cpu_s": cpu_s, "ticks": sum(m.stats.ticks for m in self.members),
            "lateness_ms": {"p50": pick(late_ms, 0.5), "p99": pick(late_ms, 0.99),
                            "max": late_ms[-1] if late_ms else None},
            "lateness_p99_ms_each": [pick(v, 0.99) * 1000 for v in per if v],
            "states_submitted": sum(s.states_submitted for s in sinks),
            "states_dropped": sum(s.states_dropped for s in sinks),
            "states_skipped": sum(p.states_skipped for p in pubs),
            "events": {m.treadmill_id: m.sink.events_submitted for m in self.members},
            "events_dropped": sum(s.events_dropped for s in sinks),
            "events_published": sum(p.events_published for p in pubs),
            "events_acked": sum(p.events_acked for p in pubs),
            "chaos_injected": sum(m.crew.injected for m in self.members),
        }

    def summary(self, stats: dict) -> str:
        late = stats["lateness_ms"]
        unacknowledged = stats["events_published"] - stats["events_acked"]
        line = (f"fleet-sim: {stats['count']} treadmills for {stats['run_s']:.0f} s: {stats['ticks']} ticks, "
                f"{stats['states_submitted']} state messages, {sum(stats['events'].values())} events "
                f"({stats['events_dropped']} dropped, {unacknowledged} unacknowledged)")
        if late["p99"] is not None:
            line += f", tick lateness p99 {late['p99']:.2f} ms (max {late['max']:.1f} ms)"
        return line
