"""Fixtures for the telemetry tests: a real Mosquitto per test, a subscriber, a simulated session.

    broker       an anonymous Mosquitto on a free 127.0.0.1 port (its own config; stopped by pid)
    subscriber   a paho subscriber to retrotread/# on it (records in order)
    session      build(program_text, settings_or_url, ...) -> Session: a real controller and
                 simulator through the SessionHost on a SimClock, with the telemetry sink
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mosquitto import Broker, Subscriber  # noqa: E402
from telemetry_support import WALK, WALL0_S  # noqa: E402



@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


@pytest.fixture
def subscriber(broker):
    s = Subscriber(broker)
    yield s
    s.close()


@dataclass
class Session:
    host: object
    sink: object
    reports: list[str] = field(default_factory=list)

    @property
    def publisher(self):
        return self.sink.publisher

    async def run_for(self, seconds: float, *, until_rest: bool = True) -> None:
        """Run the loop `seconds` of simulated time further (or to rest, if sooner and asked)."""
        clock = self.host.clock
        end_s = clock.now_s() + seconds
        at_rest = self.host.rest.until(self.host.view) if until_rest else (lambda c: False)
        await self.host.run(lambda c: clock.now_s() >= end_s - 1e-9 or at_rest(c))

    async def run_to_end(self) -> None:
        await self.host.run(self.host.rest.until(self.host.view))

    async def close(self) -> None:
        await self.host.close()


@pytest.fixture
def session(tmp_path):
    """build(url, program=WALK, treadmill_id="tm-1", start=True, **settings) -> Session (SimClock)."""
    from controller.clock import SimClock
    from controller.commands import Command, Op
    from controller.limits import load_site_config
    from controller.program import load_program
    from drivers import open_drive
    from ui.session.host import SessionHost, open_for
    from ui.session.plan import SessionPlan
    from ui.session.telemetry import open_telemetry, plan_telemetry

    built: list[Session] = []

    async def build(url: str, program: str = WALK, treadmill_id: str = "tm-1", start: bool = True,
                    sinks=(), items: int | None = None) -> Session:
        path = tmp_path / f"program-{len(built)}.toml"
        path.write_text(program)
        site = load_site_config()
        plan = SessionPlan(site, load_program(path), site.profiles["fitness"], allow_reverse=True)
        clock = SimClock()
        drive = open_drive("sim://", **plan.drive_options(clock))
        await open_for(drive, plan)
        host = SessionHost(plan, drive, clock, sinks=sinks, drive_open=True)
        settings = plan_telemetry(mqtt=url, treadmill_id=treadmill_id, plan=plan)
        reports: list[str] = []
        sink = open_telemetry(settings, t0_s=host.t0_s, report=reports.append, wall0_s=WALL0_S)
        if items is not None:
            sink.publisher._queue.maxsize = items
        host.add_sink(sink)
        if start:
            host.controller.submit(Command(Op.START, source="test"))
        s = Session(host, sink, reports)
        built.append(s)
        return s

    yield build
    for s in built:
        s.sink.close()
