"""`retrotread run`: a program from start to end, headless, on any driver.

Everything the user gave is checked before the drive is even opened (S12); then the loop
runs until the program completes or the belt is at standstill with nothing left to happen.
Exit codes: 0 completed, 2 refused input, 3 stopped before the end.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from controller import states as S
from controller.clock import PreciseClock, SimClock
from controller.commands import Command, Op
from controller.core import Controller
from drivers import DriveError, open_drive
from drivers.base import Direction
from sim.faults import InjectionSchedule, parse_injection
from ui.session.host import SessionHost, open_for, open_heart_rate
from ui.session.plan import Refused, SessionPlan, plan_session
from ui.session.progress import ProgressSink
from ui.session.records import StoreError
from ui.session.records.planning import open_records, person_figures
from ui.session.records.recorder import recording_sink
from ui.session.summary import SummarySink
from ui.session.telemetry import open_telemetry, plan_telemetry
from ui.session.trace import TraceSink

EXIT_COMPLETED, EXIT_REFUSED, EXIT_STOPPED = 0, 2, 3
__all__ = ["EXIT_COMPLETED", "EXIT_REFUSED", "EXIT_STOPPED", "Refused", "RunPlan", "execute", "plan_run"]


@dataclass
class RunPlan:
    """Everything `run` needs, validated: the session's plan and what only `run` has."""

    session: SessionPlan
    fast: bool
    schedule: InjectionSchedule
    trace_path: Path | None
    sim_control: tuple[str, int] | None = None  # a served simulator's control unit, for --inject
    records: object | None = None  # the Store the session is recorded into (--record), or None
    telemetry: object | None = None  # TelemetrySettings (--mqtt or the site's [telemetry]), or None
    warnings: tuple[str, ...] = ()  # said before the run (an injection after the program's end)


def plan_run(args) -> RunPlan:
    """Validate the command line, the site config and the program; raise Refused."""
    def authorization(name: str) -> str | None:
        return None if args.authorize_athlete else \
            f"profile {name!r} needs operator authorisation: add --authorize-athlete"

    try:  # the person's stored mass and heart-rate limit, under the flags'
        mass_kg, max_hr_bpm = person_figures(args.data_dir, args.person, args.mass_kg, args.max_hr)
    except StoreError as exc:
        raise Refused(str(exc)) from None
    if getattr(args, "plan", None) or not args.program:  # a plan's next session (ui/session/plans)
        from ui.session.plans.choose import plan_session_for

        session = plan_session_for(args, authorization, mass_kg=mass_kg, max_hr_bpm=max_hr_bpm)
    else:
        session = plan_session(config=args.config, program_path=args.program, profile_flag=args.profile,
                               authorization=authorization, driver_url=args.driver,
                               allow_reverse=args.allow_reverse, seed=args.seed, hr_url=args.hr,
                               max_hr_bpm=max_hr_bpm, mass_kg=mass_kg, person=args.person)
    program = session.program
    if program.has_reverse and not args.allow_reverse:
        first = next(step for step in program.steps if step.direction is Direction.REVERSE)
        raise Refused(f"{program.source}: {first.path}: the program runs in reverse; check the harness "
                      "and add --allow-reverse")
    is_sim = args.driver.startswith("sim:")
    if not is_sim and args.fast:
        raise Refused(f"--driver {args.driver}: --fast works only with the simulator (sim://)")
    if not is_sim and args.inject and not args.sim_control:
        raise Refused(f"--driver {args.driver}: --inject works only with the simulator (sim://), or with a "
                      "served simulator named by --sim-control HOST:PORT")
    sim_control = _parse_host_port(args.sim_control) if args.sim_control else None
    if sim_control and is_sim:
        raise Refused("--sim-control: the in-process simulator (sim://) needs no control channel")
    injections = []
    for text in args.inject or []:
        try:
            injections.append(parse_injection(text))
        except ValueError as exc:
            raise Refused(str(exc) if str(exc).startswith("--inject") else f"--inject {text}: {exc}") from None
    if args.fast and args.mqtt:
        raise Refused("--mqtt: telemetry is for real-time runs; a --fast rehearsal publishes nothing")
    telemetry = None if args.fast else plan_telemetry(mqtt=args.mqtt, treadmill_id=args.treadmill_id, plan=session)
    record = args.record if args.record is not None else not args.fast  # real time records by default
    try:  # last: every other check has passed
        records = open_records(args.data_dir) if record else None
    except StoreError as exc:
        raise Refused(str(exc)) from None
    return RunPlan(session, args.fast, InjectionSchedule(injections), Path(args.trace) if args.trace else None,
                   sim_control, records, telemetry, tuple(late_injections(session, injections)))


def late_injections(session: SessionPlan, injections: list) -> list[str]:
    """A warning for each injection after the program's true end (ramps, dwells and countdowns
    included): a run ends when its program completes, so it fires only if something earlier
    holds the run up (a pause, a stop). A warning, not a refusal: such a hold-up is a fair
    rehearsal, and the length is an estimate for HR-guided steps."""
    from controller.duration import program_duration_s
    from ui.session.words import mmss

    end_s = program_duration_s(session.program, session.profile)
    held = any(item.time_s <= end_s for item in injections)
    why = "it fires only if an earlier event holds the run up until then" if held else "it will not fire"
    return [f"warning: --inject {item}: after the program's end (about {mmss(end_s)} with ramps, dwells and "
            f"countdowns): {why}" for item in sorted(injections, key=lambda item: item.time_s) if item.time_s > end_s]


def _parse_host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = 0
    if not host or not 0 < number < 65536:
        raise Refused(f"--sim-control {text}: expected HOST:PORT, e.g. 127.0.0.1:5020")
    return host, number


def exit_code(c: Controller) -> tuple[int, str]:
    """0 for a completed program; else 3 and why it stopped."""
    if c.program_complete and c.state == S.IDLE and not c.latched:
        return EXIT_COMPLETED, "program complete"
    reason = c.stop_reason or (f"stopped while {c.state}")
    if c.latched:
        reason = "; ".join(c.latched.values())
    return EXIT_STOPPED, f"stopped before the end of the program: {reason}"


async def execute(plan: RunPlan, out=None, err=None) -> int:
    """Open the drive, run the loop to the end, close the drive; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    session = plan.session
    for warning in plan.warnings:
        print(f"retrotread: {warning}", file=err)
    clock = SimClock() if plan.fast else PreciseClock()
    try:
        drive = open_drive(session.driver_url, **session.drive_options(clock))
    except DriveError as exc:
        print(f"retrotread: {exc}", file=err)
        return EXIT_REFUSED
    try:
        trace_file = open(plan.trace_path, "w", encoding="utf-8", buffering=1 << 20) if plan.trace_path else None
    except OSError as exc:
        print(f"retrotread: --trace {plan.trace_path}: cannot write: {exc.strerror}", file=err)
        return EXIT_REFUSED
    try:
        await open_for(drive, session)
    except DriveError as exc:
        print(f"retrotread: {exc} (nothing moved)", file=err)
        if trace_file:
            trace_file.close()
        await drive.close()
        return EXIT_REFUSED
    hr_source = None
    if session.hr_input == "fed":  # a strap: connect before anything moves
        from drivers.heart_rate import HeartRateError

        try:
            hr_source = await open_heart_rate(session, clock)
        except HeartRateError as exc:  # no adapter, strap not found: one line
            print(f"retrotread: {exc} (nothing moved)", file=err)
            await drive.close()
            if trace_file:
                trace_file.close()
            return EXIT_REFUSED
    control = None
    if plan.sim_control:
        from sim.control import ControlClient

        control = ControlClient(*plan.sim_control)
        try:
            await control.connect()
        except (ConnectionError, OSError) as exc:
            print(f"retrotread: --sim-control: {exc} (nothing moved)", file=err)
            await drive.close()
            if hr_source is not None:
                await hr_source.close()
            if trace_file:
                trace_file.close()
            return EXIT_REFUSED
    host = SessionHost(session, drive, clock, schedule=plan.schedule, control=control, drive_open=True,
                       hr_source=hr_source)
    summary = SummarySink(host.t0_s, mass_kg=session.mass_kg)
    # where sinks are chosen: a new one is one line here
    if trace_file:
        host.add_sink(TraceSink(trace_file, host.t0_s, owns_stream=True))
    host.add_sink(summary)
    if not plan.fast:
        host.add_sink(ProgressSink(session.program, out, host.t0_s))
    recording = recording_sink(plan.records, realtime=not plan.fast, report=lambda text: print(
        f"retrotread: {text}", file=err)) if plan.records is not None else None
    if recording is not None:
        host.add_sink(recording)
    if plan.telemetry is not None:  # a broker that is down is one line on stderr, never a stop
        host.add_sink(open_telemetry(plan.telemetry, t0_s=host.t0_s, now_s=clock.now_s(), report=lambda text: print(
            f"retrotread: {text}", file=err, flush=True)))
    c = host.controller
    # one session per run: its start and end go to every sink (the end only when the run ended
    # as a run does; a crash leaves the session without one, which a record calls interrupted)
    host.emit({"t": host.t0_s, "event": "session_start", "program": session.program.name,
               "profile": session.profile_name, "driver": session.driver_url, "person": session.person,
               **({"mass_kg": session.mass_kg} if session.mass_kg is not None else {}),
               **({"plan": session.extra["plan"]} if "plan" in session.extra else {})})  # a plan's week and session
    c.submit(Command(Op.START, source="run"))
    interrupts = _install_interrupts(c)
    gc.freeze()  # start-up's objects (pydantic's, mostly) out of every later collection's way
    try:
        await host.run(host.rest.until(host.view, plan.schedule))
        code, message = exit_code(c)
        host.emit({"t": clock.now_s(), "event": "session_end", "reason": message, "exit_code": code,
                   "summary": summary.as_dict()})  # DESIGN.md's figures, for the trace and telemetry
    finally:
        interrupts()
        if control is not None:
            control.close()
        await host.close()
    print(summary.text(), file=out)  # real time too: a run stopped with Ctrl-C ends as a rehearsal does
    if recording is not None and recording.recorder.ids:
        print(f"retrotread: recorded as session {recording.recorder.ids[-1]} in {plan.records.folder}", file=out)
    print(f"retrotread: {message}", file=err if code else out)
    return code


def _install_interrupts(controller: Controller):
    """Ctrl-C once: operator stop; twice: e-stop. Returns a function that uninstalls."""
    loop = asyncio.get_running_loop()
    presses = [0]

    def on_sigint() -> None:
        presses[0] += 1
        op = Op.STOP if presses[0] == 1 else Op.ESTOP
        controller.submit(Command(op, source="ctrl-c"))

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError):  # not the main thread
        return lambda: None
    return lambda: loop.remove_signal_handler(signal.SIGINT)
