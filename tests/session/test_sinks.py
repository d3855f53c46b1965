"""Sinks (ui/session/sinks.py): one that blocks forever never delays a tick nor the end of a
run; its loss is reported once. And sinks see a read-only view, never the controller."""

from __future__ import annotations

import threading
import time

import pytest

from controller.clock import PreciseClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.loop import LoopStats
from controller.program import load_program
from drivers import open_drive
from ui.session.host import SessionHost, open_for
from ui.session.plan import SessionPlan
from ui.session.sinks import Queued
from ui.session.summary import SummarySink
from ui.session.view import TickView

PROGRAM = """\
name = "Two seconds forward"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 1.0
duration_s = 2
"""


class Counting:
    def __init__(self) -> None:
        self.ticks = self.events = 0
        self.closed = False

    def on_event(self, event) -> None:
        self.events += 1

    def on_tick(self, view) -> None:
        self.ticks += 1

    def close(self) -> None:
        self.closed = True


class BlocksForever(Counting):
    """A broker that never answers: its first tick never returns (until the test ends)."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def on_tick(self, view) -> None:
        self.ticks += 1
        self.release.wait()


async def _real_time_run(tmp_path, *sinks) -> tuple[float, LoopStats, Counting]:
    path = tmp_path / "two.toml"
    path.write_text(PROGRAM)
    site = load_site_config()
    plan = SessionPlan(site, load_program(path), site.profiles["fitness"])
    clock = PreciseClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    counting = Counting()
    host = SessionHost(plan, drive, clock, sinks=[counting, *sinks], drive_open=True)
    host.controller.submit(Command(Op.START, source="test"))
    stats = LoopStats(keep_lateness=True)
    start = time.monotonic()
    await host.run(lambda _: host.rest(host.view), stats)
    wall_s = time.monotonic() - start
    await host.close()
    assert host.controller.program_complete
    return wall_s, stats, counting


async def test_a_sink_that_blocks_forever_delays_no_tick_and_its_loss_is_reported_once(tmp_path):
    plain_s, plain_stats, plain = await _real_time_run(tmp_path)
    release = threading.Event()
    reports: list[str] = []
    blocker = BlocksForever(release)
    queued = Queued(blocker, name="broker", items=16, report=reports.append, close_wait_s=0.2)
    try:
        wall_s, stats, counting = await _real_time_run(tmp_path, queued)
        assert blocker.ticks == 1  # stuck in its first tick for the whole run
        assert counting.ticks == stats.ticks and counting.closed  # every other sink saw every tick
        assert wall_s == pytest.approx(plain_s, abs=0.5)  # the run ended on time
        assert stats.ticks == pytest.approx(plain_stats.ticks, abs=25)
        late = sorted(stats.lateness_s)
        assert late[len(late) // 2] < 0.005 and late[-1] < 0.1  # ticks ran when due
        assert len(reports) == 1 and "broker" in reports[0] and "dropped" in reports[0]
        assert queued.dropped >= stats.ticks - 16 - 1
        queued.close()
        assert len(reports) == 1  # once, however often it is closed
    finally:
        release.set()


def test_the_view_is_read_only_and_a_frozen_tick_keeps_its_values():
    site = load_site_config()
    from controller.core import Controller

    view = TickView(Controller(site, site.profiles["fitness"]), 0.0)
    with pytest.raises(AttributeError):
        view.state = "running"
    frozen = view.freeze()
    assert frozen.state == view.state == "idle" and frozen.interlock_flags == tuple(view.interlock_flags)
    assert frozen.belt_kmh == 0.0 and frozen.direction == "none"


def test_the_summary_counts_fresh_readings_only():
    from drivers.base import Direction, DriveStatus

    summary = SummarySink(0.0)

    class View:
        now_s = 0.0
        status = None

    v = View()
    for tick in range(1, 51):
        v.now_s = tick * 0.02
        v.status = DriveStatus(3.6, Direction.FORWARD, True) if tick <= 25 else None
        summary.on_tick(v)
    assert summary.distance_m["forward"] == pytest.approx(0.5)
    assert summary.time_s["forward"] == pytest.approx(0.5) and summary.duration_s == pytest.approx(1.0)
