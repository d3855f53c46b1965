"""The host of one session: the controller and the drive built from one plan, the loop, the sinks.

`run`, the console's engine (and later the fleet simulator) all run a session through this:
- the drive is opened and its own quick stop set for the profile (drive_setup.py, S5), and
  set again whenever the profile changes (a program that brings another);
- the controller is built knowing what that stop holds, and the drive's notices are noted;
- injections (scheduled by `run --inject`, or queued by the console) are dispatched here,
  each one an `inject` event;
- after each tick, the tick's events and then the read-only view go to every sink.
It holds no safety logic (the controller's) and says nothing itself (its front ends do).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace
from typing import Any, Iterable

from controller import states as S
from controller.clock import Clock
from controller.commands import INJECTED_OPS, Command, Op
from controller.core import Controller
from controller.loop import LoopStats, run_loop
from drivers import DriveError
from drivers.base import Drive, Injectable
from ui.session.drive_setup import configure_drive_stop
from ui.session.plan import Refused, SessionPlan, check_heart_rate
from ui.session.rest import RestRule
from ui.session.view import TickView

IDLE = S.IDLE
STOP_RETRY_S = 1.0  # a failed reconfiguration of the drive's quick stop is tried again after this


async def open_heart_rate(plan: SessionPlan, clock: Clock):
    """The session's strap, connected (HeartRateError, one line, if it cannot be); None when the
    heart rate comes with the drive's status (the simulated person) or there is none."""
    if plan.hr_input != "fed":
        return None
    from drivers.heart_rate import open_heart_rate as open_source

    source = open_source(plan.hr_source, clock, backend=plan.hr_backend)
    try:
        await source.open()
    except BaseException:
        await source.close()
        raise
    return source


async def open_for(drive: Drive, plan: SessionPlan, profile=None) -> float | None:
    """Open the drive and set its own quick stop for the profile (S5); DriveError if it won't."""
    await drive.open()
    return await configure_drive_stop(drive, plan.site, profile or plan.profile, plan.site_file)


class SessionHost:
    """One session on one drive. Build it with the drive opened (`drive_open=True`, as `run`
    does) or not yet (then `await open()`, as the console does, so it can show the controller
    before the drive answers)."""

    def __init__(self, plan: SessionPlan, drive: Drive, clock: Clock, *, sinks: Iterable = (),
                 schedule=None, control=None, ui_heartbeat_timeout_s: float | None = None,
                 drive_open: bool = False, hr_source=None) -> None:
        self.plan = plan
        self.drive = drive
        self.clock = clock
        self.schedule = schedule  # sim.faults.InjectionSchedule (run --inject), or None
        self.control = control  # a served simulator's control client, or None
        self.hr_source = hr_source  # a strap (drivers/heart_rate), fed to the controller each tick, or None
        self.controller = Controller(plan.site, plan.profile, plan.program, allow_reverse=plan.allow_reverse,
                                     now_s=clock.now_s(), ui_heartbeat_timeout_s=ui_heartbeat_timeout_s,
                                     drive_stop_decel_mps2=drive.stop_decel_mps2 if drive_open else None,
                                     hr_input=plan.hr_input, max_hr_bpm=plan.max_hr_bpm)
        if drive_open:
            self._note_drive()
        self.t0_s = clock.now_s()
        self.view = TickView(self.controller, self.t0_s)
        self.rest = RestRule(plan.site)
        self.sinks: list = []
        self._event_fns: list = []
        self._tick_fns: list = []
        for sink in sinks:
            self.add_sink(sink)
        self._queued_injections: deque[tuple[str, float | None]] = deque()  # from another thread (the UI)
        self._pending_events: list[dict[str, Any]] = []  # the host's own, ahead of the tick's
        self._stop_retry_s = -1e9
        self._hr_requests: deque[str] = deque()  # heart-rate sources asked for (another thread)
        self._hr_opening: asyncio.Future | None = None  # a strap being connected, off the tick
        self._hr_opened: tuple[SessionPlan, Any] | None = None  # connected, to swap in at the next tick
        self._closing: set[asyncio.Future] = set()  # old sources closing

    def add_sink(self, sink) -> None:
        self.sinks.append(sink)
        self._event_fns.append(sink.on_event)
        self._tick_fns.append(sink.on_tick)

    # ---- the drive ------------------------------------------------------------------------
    async def open(self) -> None:
        """Open the drive and set its quick stop for the controller's profile (S5), then the
        heart-rate strap if the session has one."""
        c = self.controller
        c.drive_stop_decel_mps2 = await open_for(self.drive, self.plan, c.profile)
        self._note_drive()
        if self.hr_source is None:
            self.hr_source = await open_heart_rate(self.plan, self.clock)

    def _note_drive(self) -> None:
        for notice in self.drive.notices:
            self.controller.note_drive(notice)

    async def run(self, should_stop, stats: LoopStats | None = None) -> LoopStats:
        """Run the loop until `should_stop(controller)` after a tick."""
        return await run_loop(self.controller, self.drive, self.clock, self.plan.site.control_rate_hz,
                              before_tick=self.before_tick, after_tick=self.after_tick,
                              should_stop=should_stop, stats=stats)

    async def close(self) -> None:
        """Close the drive (it keeps a latched stop, S5), the strap, then every sink."""
        if self._hr_opening is not None:
            self._hr_opening.cancel()
        if self._hr_opened is not None:
            await self._hr_opened[1].close()
            self._hr_opened = None
        try:
            await self.drive.close()
        finally:
            try:
                if self.hr_source is not None:
                    await self.hr_source.close()
            finally:
                self.close_sinks()

    def emit(self, event: dict[str, Any]) -> None:
        """An event of the host's front end (e.g. session_start, session_end) to every sink now:
        between ticks, on the control thread."""
        for on_event in self._event_fns:
            on_event(event)

    def close_sinks(self) -> None:
        for sink in self.sinks:
            sink.close()

    # ---- injections ---------------------------------------------------------------------------
    def inject(self, event: str, value: float | None = None) -> None:
        """Queue a simulator event for the next tick (any thread)."""
        self._queued_injections.append((event, value))

    def use_heart_rate(self, url: str) -> None:
        """Switch the heart-rate source (any thread): "none", "sim" or "ble://ADDRESS". Done
        between sessions (idle) on the control thread; a `hr_source` event says how it went."""
        self._hr_requests.append(url)

    def _start_heart_rate_switch(self, url: str) -> None:
        """Check the new source against the session now (idle, the program loaded now); a strap
        is then opened in a task of its own, so the loop keeps ticking while it is scanned for
        and connected, and swapped in by `before_tick` once it is (still idle)."""
        c = self.controller
        if (why := c.heart_rate_input_refusal()) is not None:  # the controller's rule (S13)
            self._hr_answer(url, False, why)
            return
        plan = replace(self.plan, hr_url=url, program=c.program)
        try:
            check_heart_rate(plan)
        except Refused as exc:
            self._hr_answer(url, False, str(exc))
            return
        if self._hr_opening is not None:
            self._hr_opening.cancel()  # the newer choice wins
        if plan.hr_input != "fed":
            self._swap_heart_rate(plan, None)
            return
        self._hr_opening = asyncio.ensure_future(self._open_strap(plan))

    async def _open_strap(self, plan: SessionPlan) -> None:
        from drivers.heart_rate import HeartRateError

        try:
            source = await open_heart_rate(plan, self.clock)
        except HeartRateError as exc:
            self._hr_answer(plan.hr_source, False, str(exc))
            return
        finally:
            self._hr_opening = None
        self._hr_opened = (plan, source)

    def _swap_heart_rate(self, plan: SessionPlan, source) -> None:
        """The controller takes the new source (only between sessions), then the host does."""
        if (why := self.controller.use_heart_rate_input(plan.hr_input)) is not None:
            # a session started while the strap was connecting: it keeps the source it began with
            self._close_later(source)
            self._hr_answer(plan.hr_source, False, f"{why}: choose it again when this session is over")
            return
        self._close_later(self.hr_source)
        self.hr_source = source
        self.plan = replace(self.plan, hr_url=plan.hr_url)
        self._hr_answer(plan.hr_source, True, f"heart rate from {getattr(source, 'name', plan.hr_source)}")

    def _close_later(self, source) -> None:
        """Close a heart-rate source in a task of its own (never in a tick)."""
        if source is not None:
            self._closing.add(task := asyncio.ensure_future(source.close()))
            task.add_done_callback(self._closing.discard)

    def _hr_answer(self, url: str, ok: bool, text: str) -> None:
        self._pending_events.append({"t": self.controller.now_s, "event": "hr_source", "url": url, "ok": ok,
                                     "text": text})

    def _take_opened_strap(self) -> None:
        plan, source = self._hr_opened
        self._hr_opened = None
        self._swap_heart_rate(plan, source)

    def note(self, event: dict[str, Any]) -> None:
        """An event of the host's front end, to go to the sinks ahead of the next tick's."""
        self._pending_events.append(event)

    def before_tick(self, now_s: float):
        """The drive's stop for a new profile, and the injections now due. Returns a coroutine
        when something must be awaited (the drive, or a served simulator)."""
        c = self.controller
        if self.hr_source is not None:
            c.feed_heart_rate(self.hr_source.bpm_now(now_s))
        reconfigure = c.state == IDLE and now_s >= self._stop_retry_s and c.drive_stop_refusal() is not None
        schedule = self.schedule
        scheduled = (schedule is not None and (next_s := schedule.next_time_s) is not None
                     and now_s - self.t0_s >= next_s)
        if self._hr_requests or self._hr_opened is not None:
            while self._hr_requests:
                self._start_heart_rate_switch(self._hr_requests.popleft())
            if self._hr_opened is not None:
                self._take_opened_strap()
        if not (reconfigure or scheduled or self._queued_injections):
            return None  # the usual tick: nothing due
        awaiting = []
        if reconfigure:
            self._stop_retry_s = now_s + STOP_RETRY_S
            awaiting.append(self._reconfigure_stop())  # a program brought another profile (S5)
        if scheduled:
            for injection in schedule.due(now_s - self.t0_s):
                self._dispatch(injection.event, injection.value, now_s, awaiting,
                               at_s=injection.time_s, operator=injection.is_operator)
        while self._queued_injections:
            event, value = self._queued_injections.popleft()
            self._dispatch(event, value, now_s, awaiting)
        return self._await_all(awaiting) if awaiting else None

    def _dispatch(self, event: str, value: float | None, now_s: float, awaiting: list, *,
                  at_s: float | None = None, operator: bool = False) -> None:
        name = event if value is None else f"{event}:{value:g}"
        record = {"t": now_s, "event": "inject", "name": name}
        if at_s is not None:
            record["at_s"] = at_s
        self._pending_events.append(record)
        if operator:
            self.controller.submit(Command(INJECTED_OPS[event], source="inject"))
        elif self.control is not None:
            awaiting.append(self.control.inject(event, value))
        elif isinstance(self.drive, Injectable):
            self.drive.inject(event, value)
        else:  # the plan refuses --inject for a real drive without a control channel
            raise RuntimeError(f"{self.drive.name}: cannot inject {name!r} into a real drive")

    @staticmethod
    async def _await_all(awaiting: list) -> None:
        for pending in awaiting:
            await pending

    async def _reconfigure_stop(self) -> None:
        c = self.controller
        try:
            c.drive_stop_decel_mps2 = await self.drive.configure_stop(c.profile.estop_decel_mps2)
        except DriveError as exc:  # starts stay refused (drive_stop_refusal) and it is tried again
            self._pending_events.append({"t": c.now_s, "event": "drive_notice",
                                         "text": f"cannot set the drive's quick stop: {exc}"})

    # ---- after each tick --------------------------------------------------------------------
    def after_tick(self, c: Controller, status, command, now_s: float) -> None:
        """The tick's events (the host's first), then the view, to every sink."""
        view = self.view
        view.now_s = now_s
        view.status = status
        view.command = command
        if self._pending_events:
            events = self._pending_events + c.drain_events()
            self._pending_events = []
        elif c.events:
            events = c.drain_events()
        else:
            events = ()
        for event in events:
            for on_event in self._event_fns:
                on_event(event)
        for on_tick in self._tick_fns:
            on_tick(view)
