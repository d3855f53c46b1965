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
from dataclasses import dataclass, field
from pathlib import Path

from controller import states as S
from controller.clock import PreciseClock, SimClock
from controller.commands import INJECTED_OPS, Command, Op
from controller.core import Controller
from controller.loop import run_loop
from controller.errors import InputError
from controller.limits import SiteConfig, load_site_config
from controller.program import Program, check_program, load_program
from controller.ramps import stopping_time_s
from drivers import DriveError, open_drive
from drivers.base import Direction, Drive
from sim.faults import InjectionSchedule, parse_injection
from ui.drive_setup import configure_drive_stop
from ui.progress import ProgressLine
from ui.trace import TraceWriter

EXIT_COMPLETED, EXIT_REFUSED, EXIT_STOPPED = 0, 2, 3


class Refused(Exception):
    """Input refused before anything moved; the message is one line."""


@dataclass
class RunPlan:
    """Everything `run` needs, validated."""

    site: SiteConfig
    program: Program
    profile_name: str
    driver_url: str
    allow_reverse: bool
    fast: bool
    schedule: InjectionSchedule
    trace_path: Path | None
    seed: int
    site_file: str | None = None
    sim_control: tuple[str, int] | None = None  # a served simulator's control unit, for --inject


def plan_run(args) -> RunPlan:
    """Validate the command line, the site config and the program; raise Refused."""
    try:
        site = load_site_config(args.config)
        program = load_program(args.program)
    except InputError as exc:
        raise Refused(str(exc)) from None
    profile_name = args.profile or program.profile or site.default_profile
    if profile_name not in site.profiles:
        known = ", ".join(site.profiles)
        where = "--profile" if args.profile else f"{program.source}: profile"
        raise Refused(f"{where}: unknown profile {profile_name!r} (known: {known})")
    profile = site.profiles[profile_name]
    if profile.requires_authorization and not args.authorize_athlete:
        raise Refused(f"profile {profile_name!r} needs operator authorisation: add --authorize-athlete")
    try:
        check_program(program, profile)
    except InputError as exc:
        raise Refused(str(exc)) from None
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
    schedule = InjectionSchedule(injections)
    return RunPlan(site, program, profile_name, args.driver, args.allow_reverse, args.fast, schedule,
                   Path(args.trace) if args.trace else None, args.seed, args.config, sim_control)


def _parse_host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = 0
    if not host or not 0 < number < 65536:
        raise Refused(f"--sim-control {text}: expected HOST:PORT, e.g. 127.0.0.1:5020")
    return host, number


@dataclass
class RunSummary:
    """Distance and time per direction, from measured belt speed, plus every stop."""

    duration_s: float = 0.0
    distance_m: dict[str, float] = field(default_factory=lambda: {"forward": 0.0, "reverse": 0.0})
    time_s: dict[str, float] = field(default_factory=lambda: {"forward": 0.0, "reverse": 0.0})
    stops: list[str] = field(default_factory=list)

    def add_tick(self, belt_kmh: float, direction: Direction, dt_s: float) -> None:
        if direction is Direction.NONE:
            return
        key = "reverse" if direction is Direction.REVERSE else "forward"
        self.distance_m[key] += belt_kmh / 3.6 * dt_s
        if belt_kmh > 0.05:
            self.time_s[key] += dt_s

    def text(self) -> str:
        def mmss(seconds: float) -> str:
            return f"{int(seconds // 60)}:{int(seconds % 60):02d}"

        lines = [
            f"time {mmss(self.duration_s)}",
            f"forward  {self.distance_m['forward']:8.0f} m in {mmss(self.time_s['forward'])}",
            f"backward {self.distance_m['reverse']:8.0f} m in {mmss(self.time_s['reverse'])}",
        ]
        lines += [f"stop: {stop}" for stop in self.stops] or ["stops: none"]
        return "\n".join(lines)


class Run:
    """One run of a plan: the loop, its hooks, and the end-of-run rule."""

    def __init__(self, plan: RunPlan, drive: Drive, clock, trace: TraceWriter | None,
                 progress: ProgressLine | None, control=None) -> None:
        self.plan = plan
        self.drive = drive
        self.clock = clock
        self.trace = trace
        self.progress = progress
        profile = plan.site.profiles[plan.profile_name]
        self.controller = Controller(plan.site, profile, plan.program, allow_reverse=plan.allow_reverse,
                                     now_s=clock.now_s(), drive_stop_decel_mps2=drive.stop_decel_mps2)
        for notice in drive.notices:
            self.controller.note_drive(notice)
        self.summary = RunSummary()
        self.control = control
        self.t0_s = clock.now_s()
        self._last_tick_s = self.t0_s
        self._silent_since_s: float | None = None
        self.controller.submit(Command(Op.START, source="run"))

    def before_tick(self, now_s: float):
        """Apply the injections now due; returns a coroutine when they go to a served simulator."""
        next_s = self.plan.schedule.next_time_s
        if next_s is None or now_s - self.t0_s < next_s:
            return None  # the usual tick: nothing due
        served = []
        for injection in self.plan.schedule.due(now_s - self.t0_s):
            name = injection.event if injection.value is None else f"{injection.event}:{injection.value:g}"
            if self.trace:
                self.trace.event({"t": now_s, "event": "inject", "name": name, "at_s": injection.time_s})
            if self.progress:
                self.progress.note(now_s - self.t0_s, f"injected {name}")
            if injection.is_operator:
                self.controller.submit(Command(INJECTED_OPS[injection.event], source="inject"))
            elif self.control is not None:
                served.append(injection)
            else:
                self.drive.inject(injection.event, injection.value)
        return self._inject_served(served) if served else None

    async def _inject_served(self, injections) -> None:
        for injection in injections:
            await self.control.inject(injection.event, injection.value)

    def after_tick(self, c: Controller, status, command, now_s: float) -> None:
        dt_s = now_s - self._last_tick_s
        self._last_tick_s = now_s
        if status is not None and status.belt_kmh > 0.0:  # fresh readings only
            self.summary.add_tick(status.belt_kmh, status.direction, dt_s)
        events = c.drain_events() if c.events else ()
        for event in events:
            kind = event["event"]
            if kind in ("estop", "fault", "refused", "reset_refused"):
                self.summary.stops.append(f"{event['t'] - self.t0_s:.1f} s {kind}: {event['reason']}")
            elif kind == "operator_stop":
                self.summary.stops.append(f"{event['t'] - self.t0_s:.1f} s operator stop")
            if self.trace:
                self.trace.event(event)
        if self.trace:
            self.trace.tick(c, status, command, now_s)
        if self.progress:
            self.progress.update(c, now_s - self.t0_s, events)

    def finished(self, c: Controller) -> bool:
        """DESIGN.md's end-of-run rule."""
        if c.state in (S.COUNTDOWN, S.RUNNING, S.REVERSING, S.STOPPING) or c.reset_pending:
            self._silent_since_s = None
            return False
        if c.state == S.IDLE and c.program_complete:
            return True  # the program is done: injections still scheduled after it do not matter
        if self.plan.schedule.remaining or c.queue:
            return False
        if c.comms.ok:
            status = c.status
            return status is not None and status.belt_kmh <= c.site.standstill_kmh and c.command_kmh == 0.0
        # The drive is silent: its own watchdog stops the belt. Wait as long as that takes.
        if self._silent_since_s is None:
            self._silent_since_s = c.now_s
        last_kmh = c.status.belt_kmh if c.status else c.profile.forward_max_kmh
        wait_s = c.site.drive_comm_loss_timeout_s + stopping_time_s(last_kmh, c.profile.decel_mps2) + 1.0
        return c.now_s - self._silent_since_s >= wait_s

    def exit_code(self) -> tuple[int, str]:
        c = self.controller
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
    clock = SimClock() if plan.fast else PreciseClock()
    options = {"clock": clock, "seed": plan.seed, "site": plan.site, "site_file": plan.site_file}
    try:
        drive = open_drive(plan.driver_url, **options)
    except DriveError as exc:
        print(f"retrotread: {exc}", file=err)
        return EXIT_REFUSED
    try:
        trace_file = open(plan.trace_path, "w", encoding="utf-8", buffering=1 << 20) if plan.trace_path else None
    except OSError as exc:
        print(f"retrotread: --trace {plan.trace_path}: cannot write: {exc.strerror}", file=err)
        return EXIT_REFUSED
    try:
        await drive.open()
        await configure_drive_stop(drive, plan.site, plan.site.profiles[plan.profile_name], plan.site_file)
    except DriveError as exc:
        print(f"retrotread: {exc} (nothing moved)", file=err)
        if trace_file:
            trace_file.close()
        await drive.close()
        return EXIT_REFUSED
    progress = None if plan.fast else ProgressLine(plan.program, out)
    control = None
    if plan.sim_control:
        from sim.control import ControlClient

        control = ControlClient(*plan.sim_control)
        try:
            await control.connect()
        except (ConnectionError, OSError) as exc:
            print(f"retrotread: --sim-control: {exc} (nothing moved)", file=err)
            await drive.close()
            if trace_file:
                trace_file.close()
            return EXIT_REFUSED
    run = Run(plan, drive, clock, TraceWriter(trace_file, clock.now_s()) if trace_file else None, progress,
              control)
    interrupts = _install_interrupts(run.controller)
    gc.freeze()  # start-up's objects (pydantic's, mostly) out of every later collection's way
    try:
        await run_loop(run.controller, drive, clock, plan.site.control_rate_hz,
                       before_tick=run.before_tick, after_tick=run.after_tick, should_stop=run.finished)
    finally:
        interrupts()
        if control is not None:
            control.close()
        await drive.close()
        if trace_file:
            trace_file.close()
    run.summary.duration_s = clock.now_s() - run.t0_s
    if progress:
        progress.finish()
    code, message = run.exit_code()
    if plan.fast:
        print(run.summary.text(), file=out)
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
