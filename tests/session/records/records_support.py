"""Record real sessions for the records tests: the session host on a simulated drive and a
SimClock (no wall time), the recorder as one of its sinks, the start and end events sent as
the front ends send them. Also used by tests/ui/test_sessions_cmd.py."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from controller.clock import SimClock
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from drivers import open_drive
from sim.faults import InjectionSchedule, parse_injection
from ui.session.host import SessionHost, open_for
from ui.session.plan import SessionPlan
from ui.session.records import Store
from ui.session.records.recorder import recording_sink
from ui.session.summary import SummarySink
from ui.session.trace import TraceSink

REPO = Path(__file__).resolve().parents[3]
BEGINNER = REPO / "config" / "programs" / "beginner-retro-walk.toml"

SHORT = """\
name = "Short: forward, back, forward"
profile = "fitness"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 1.5
duration_s = 15
[[steps]]
name = "Walk again"
direction = "forward"
speed_kmh = 2.5
duration_s = 10
"""


class Recorded:
    """What one recorded session left: the front end's own figures and trace, the recorder."""

    def __init__(self, host: SessionHost, summary: SummarySink, trace: io.StringIO, sink) -> None:
        self.host = host
        self.summary = summary
        self.trace_text = trace.getvalue()
        self.sink = sink
        self.recorder = sink.recorder

    @property
    def id(self) -> str:
        return self.recorder.ids[-1]


def program_file(tmp_path: Path, text: str = SHORT, name: str = "short.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def record(data_dir: Path, program: Path = BEGINNER, *, person: str | None = None,
                 mass_kg: float | None = None, inject: tuple[str, ...] = (), realtime_sink: bool = False,
                 send_end: bool = True, end_summary: bool = True, seed: int = 0) -> Recorded:
    """Run `program` to its end on the simulator (simulated time) with the recorder as a sink."""
    site = load_site_config()
    prog = load_program(program)
    profile = site.profiles[prog.profile or site.default_profile]
    plan = SessionPlan(site, prog, profile, allow_reverse=True, seed=seed)
    clock = SimClock()
    drive = open_drive("sim://", **plan.drive_options(clock))
    await open_for(drive, plan)
    schedule = InjectionSchedule([parse_injection(text) for text in inject])
    sink = recording_sink(Store.open(data_dir, create=True), realtime=realtime_sink)
    host = SessionHost(plan, drive, clock, schedule=schedule, drive_open=True)
    trace = io.StringIO()
    summary = SummarySink(host.t0_s, mass_kg=mass_kg)
    for each in (TraceSink(trace, host.t0_s), summary, sink):
        host.add_sink(each)
    start: dict[str, Any] = {"t": host.t0_s, "event": "session_start", "program": prog.name,
                             "profile": profile.name, "driver": drive.name}
    if person is not None:
        start["person"] = person
    if mass_kg is not None:
        start["mass_kg"] = mass_kg
    host.note(start)
    host.controller.submit(Command(Op.START, source="test"))
    await host.run(host.rest.until(host.view, schedule))
    if send_end:
        end = {"t": clock.now_s(), "event": "session_end", "reason": "program complete"
               if host.controller.program_complete else "stopped"}
        if end_summary:
            end["summary"] = summary.as_dict()
        host.note(end)
        clock.advance_to(clock.now_s() + 0.02)
        host.after_tick(host.controller, None, host.view.command, clock.now_s())
    await host.close()
    return Recorded(host, summary, trace, sink)


def record_now(data_dir: Path, program: Path = BEGINNER, **options) -> Recorded:
    return asyncio.run(record(data_dir, program, **options))
