"""The console's control thread: the Controller, the drive and the control loop, off the UI.

The UI never calls the controller. It `submit`s commands (the controller's queue, drained at
the next tick) and `take`s Frames: the newest Snapshot plus everything that happened since
the last take (events, chart samples, distances), published at most `publish_hz` times a
second, so however fast the loop runs the UI redraws at a calm rate and never blocks a tick.

Two ways to run the same hooks:
- `start()` / `stop()`: a thread with its own asyncio loop in real time (the console);
- `open()` / `advance(seconds)` / `close()`: in the caller's event loop on a SimClock the
  caller steps (Pilot and snapshot tests: deterministic, no wall time involved).

The engine keeps the session record (ui/console/sessions.py): a session opens at the first
countdown and closes when the UI says it is over. It holds no safety logic: stops, refusals
and interlocks are the controller's.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller import states as S
from controller.clock import Clock, PreciseClock, SimClock
from controller.commands import Command, Op
from controller.limits import SiteConfig
from controller.loop import LoopStats, run_loop
from controller.program import Program
from controller.snapshot import Snapshot
from drivers import DriveError, open_drive
from drivers.base import Drive, Injectable
from ui.console.sessions import Session, SessionRecorder, StoreRecorder
from ui.session.host import SessionHost
from ui.session.plan import SessionPlan

HEARTBEAT_PERIOD_S = 0.25  # how often a live console beats (the UI's timer; advance() mimics it)
#: The switch interval while the loop thread runs: a thread waiting for the GIL gets it within
#: this long, so a busy UI delays a control tick by at most about this much (default 5 ms).
GIL_SWITCH_INTERVAL_S = 0.0005
CONTROL_THREAD_NICE = -10  # asked for, not required (needs CAP_SYS_NICE)


@dataclass(frozen=True, slots=True)
class SimView:
    """What the simulator panel shows of the simulated world."""

    key_in: bool
    harness_on: bool
    comms_ok: bool
    fallen: bool
    heart_rate_bpm: float | None
    hr_reporting: bool = True  # False between the panel's strap-lost and strap-back (hr-loss, hr-restore)


@dataclass(frozen=True, slots=True)
class Frame:
    """One UI update: the newest snapshot and everything merged since the previous frame."""

    seq: int
    snapshot: Snapshot
    events: tuple[dict[str, Any], ...]
    #: (t_s, target_kmh, belt_kmh, direction, heart_rate_bpm or None)
    samples: tuple[tuple[float, float, float, str, float | None], ...]
    distance_forward_m: float
    distance_backward_m: float
    session_open: bool
    session_s: float
    sim: SimView | None
    loop_alive: bool
    loop_error: str | None
    record_error: str | None
    #: the open session's energy so far (controller/energy.py), None when none is open
    energy_kcal: float | None = None
    energy_estimated: bool = True  # the mass is the 70 kg default, not the person's


class Engine:
    """The console's front end to a session host (ui/session/host.py); see the module docstring.

    Through `_Feed`, it is one of the host's sinks: after each tick it opens and closes the
    console's sessions (each a sink of its own) and publishes frames."""

    def __init__(self, site: SiteConfig, profile, program: Program | None = None, *,
                 driver_url: str = "sim://", drive: Drive | None = None, clock: Clock | None = None,
                 seed: int = 0, drive_options: dict[str, Any] | None = None,
                 ui_heartbeat_timeout_s: float | None = 1.0,
                 sessions_dir: str | Path | None = None, publish_hz: float = 10.0, chart_hz: float = 2.0,
                 keep_lateness: bool = False, site_file: str | None = None, records=None,
                 hr_backend=None, telemetry=None) -> None:
        self.site = site
        self.site_file = site_file
        self.clock = clock or PreciseClock()
        plan = SessionPlan(site, program, profile, driver_url, site_file, seed=seed, hr_backend=hr_backend)
        if drive is None:  # every backend takes clock, seed, site and site_file (and ignores what it doesn't use)
            drive = open_drive(driver_url, **plan.drive_options(self.clock), **(drive_options or {}))
        self.drive = drive  # DriveError (bad URL) above, before anything runs
        self.host = SessionHost(plan, drive, self.clock, ui_heartbeat_timeout_s=ui_heartbeat_timeout_s)
        self.host.add_sink(_Feed(self))
        self.controller = self.host.controller
        self.rate_hz = site.control_rate_hz
        self.stats = LoopStats(keep_lateness=keep_lateness)
        #: where sessions are recorded: the store (`records`, a ui.session.records.Store; the
        #: recorder writes on its own thread in real time), else an old-style folder, else nowhere
        self.records_folder: Path | None = records.folder if records is not None else None
        if records is not None:
            self.recorder = StoreRecorder(records, realtime=not isinstance(self.clock, SimClock))
        else:
            self.recorder = SessionRecorder(sessions_dir) if sessions_dir is not None else None
        self.person: str | None = None  # the pseudonymous code the next session is recorded under
        self.person_mass_kg: float | None = None
        self.plan: dict[str, Any] | None = None  # the plan session the loaded program is (Session.info's "plan")
        self._publish_every = max(1, round(self.rate_hz / publish_hz))
        self._sample_every = max(1, round(self.rate_hz / chart_hz))
        self._tick = 0
        # shared with the UI thread, under _lock
        self._lock = threading.Lock()
        self._frame_parts: dict[str, Any] | None = None
        self._seq = self._taken_seq = 0
        self._events: list[dict[str, Any]] = []
        self._samples: list[tuple[float, float, float, str, float | None]] = []
        # requests from the UI thread, applied on the control thread
        self._end_requests: deque[str] = deque()
        self._tick_events: list[dict[str, Any]] = []
        # the open session (control thread)
        self.session: Session | None = None
        self._last_session: Session | None = None
        # thread mode
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self._stop_requested = False
        self._loop_alive = False
        self._loop_error: str | None = None
        # manual mode
        self._ui_alive = True
        self._last_beat_s = -1e9
        #: MQTT telemetry (a sink of the host, on its own thread; ui/session/telemetry), or None.
        #: Its outages are one line each in the event log, never a reason to stop a belt.
        self.telemetry = None
        if telemetry is not None:
            from ui.session.telemetry import open_telemetry

            self.telemetry = open_telemetry(telemetry, t0_s=self.host.t0_s, now_s=self.clock.now_s(),
                                            report=self._telemetry_said)
            self.host.add_sink(self.telemetry)

    def _telemetry_said(self, text: str) -> None:
        """The publisher's one line about the broker (its own thread): into the next frame's events."""
        with self._lock:
            self._events.append({"t": self.clock.now_s(), "event": "telemetry", "text": text})

    # ---- what the UI calls (any thread) ------------------------------------------------
    @property
    def simulated(self) -> bool:
        return isinstance(self.drive, Injectable)

    @property
    def drive_name(self) -> str:
        return getattr(self.drive, "name", "drive")

    def submit(self, command: Command) -> None:
        """Queue an operator command for the next tick."""
        self.controller.submit(command)

    def inject(self, event: str, value: float | None = None) -> None:
        """Queue a simulator event (sim only) for the next tick."""
        if not self.simulated:
            raise RuntimeError("events can be injected only into the simulator")
        self.host.inject(event, value)

    def use_heart_rate(self, url: str) -> None:
        """Switch the heart-rate source ("none", "sim", "ble://ADDRESS") between sessions; an
        `hr_source` event in a later frame says whether it worked."""
        self.host.use_heart_rate(url)

    @property
    def heart_rate_source(self) -> str:
        return self.host.plan.hr_source

    def set_person(self, code: str | None, mass_kg: float | None = None) -> None:
        """The person the next session is recorded under (a checked code, or None), and their mass
        for the energy estimate. From the UI thread; an open session keeps its own."""
        self.person, self.person_mass_kg = code, mass_kg

    def set_plan(self, record: dict[str, Any] | None) -> None:
        """The plan session the program now loaded is (ui/session/plans/choose.py Choice.record
        with its `why`), or None; the next session's start event carries it. From the UI thread."""
        self.plan = record

    @property
    def last_session_id(self) -> str | None:
        """The id of the session open now, else of the last one that ended (for a note)."""
        session = self.session or self._last_session
        return session.id if session is not None else None

    def end_session(self, reason: str) -> None:
        """Close the open session's record at the next tick (no-op when none is open)."""
        self._end_requests.append(reason)

    def take(self) -> Frame | None:
        """The frame published since the last take, or None when nothing is new."""
        with self._lock:
            if self._frame_parts is None or self._seq == self._taken_seq:
                return None
            self._taken_seq = self._seq
            events, self._events = tuple(self._events), []
            samples, self._samples = tuple(self._samples), []
            return Frame(seq=self._seq, events=events, samples=samples, **self._frame_parts)

    # ---- thread mode --------------------------------------------------------------------
    def start(self, open_timeout_s: float = 10.0) -> None:
        """Open the drive and run the loop on a new thread; raises DriveError if it won't open."""
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._thread = threading.Thread(target=self._thread_main, name="retrotread-control")
        self._thread.start()
        if not self._opened.wait(open_timeout_s):
            self._stop_requested = True
            raise DriveError(f"{self.drive_name}: did not open within {open_timeout_s:g} s")
        if self._open_error is not None:
            self._thread.join()
            raise self._open_error

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Bring the belt to a stop, close the drive, end the thread. True once it has ended."""
        if self._thread is None:
            return True
        self.end_session("console closed")
        self.submit(Command(Op.STOP, source="console closing"))
        self._stop_requested = True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def loop_error(self) -> str | None:
        """Why the control loop ended abnormally (the drive was closed), or None."""
        return self._loop_error

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _thread_main(self) -> None:
        try:  # best effort: ahead of the UI and of other processes for the CPU (needs CAP_SYS_NICE)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CONTROL_THREAD_NICE)
        except (OSError, AttributeError):
            pass
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # a bug in the loop: the drive is closed, the UI must say so
            self._loop_error = f"control loop stopped: {type(exc).__name__}: {exc}"
            self._publish()
        finally:
            self._opened.set()

    async def _serve(self) -> None:
        try:
            await self.host.open()
        except BaseException as exc:
            self._open_error = exc
            await self.drive.close()
            return
        finally:
            self._opened.set()
        self._loop_alive = True
        try:
            await run_loop(self.controller, self.drive, self.clock, self.rate_hz, before_tick=self._before_tick,
                           after_tick=self.host.after_tick, should_stop=self._should_stop, stats=self.stats)
        finally:
            self._loop_alive = False
            await self._finish()

    def _should_stop(self, c) -> bool:
        """After stop(): once the belt is at rest (ui/session/rest.py)."""
        if not self._stop_requested and threading.main_thread().is_alive():
            return False
        if not self._stop_requested:  # the UI thread is gone without closing us: stop the belt
            self._stop_requested = True
            c.submit(Command(Op.STOP, source="console gone"))
            return False
        return self.host.rest(self.host.view)

    # ---- manual mode (tests) --------------------------------------------------------------
    async def open(self) -> None:
        """Open the drive in the caller's event loop (manual mode, on a SimClock)."""
        if not isinstance(self.clock, SimClock):
            raise RuntimeError("manual mode needs a SimClock")
        await self.host.open()
        self._loop_alive = True
        self._publish()

    async def advance(self, seconds: float, *, ui_alive: bool = True) -> None:
        """Run the loop for `seconds` of simulated time. `ui_alive`: beat as a live console would."""
        self._ui_alive = ui_alive
        period_s = 1.0 / self.rate_hz
        end_s = self.clock.now_s() + seconds
        self.clock.advance_to(self.clock.now_s() + period_s)
        await run_loop(self.controller, self.drive, self.clock, self.rate_hz, before_tick=self._before_tick,
                       after_tick=self.host.after_tick, stats=self.stats,
                       should_stop=lambda c: self.clock.now_s() >= end_s - 1e-9)
        self._publish()

    async def close(self) -> None:
        """Manual mode: close the drive and the session record."""
        self._loop_alive = False
        await self._finish()

    async def _finish(self) -> None:
        await self.host.close()
        if self.session is not None:
            event = self._end_session("console closed", self.clock.now_s())
            with self._lock:
                self._events.append(event)
        if self.recorder is not None:
            self.recorder.close()
        self._publish()

    # ---- the loop's hooks (control thread) -----------------------------------------------
    def _before_tick(self, now_s: float):
        """The host's (the drive's stop, injections), then the heartbeat a live console sends."""
        pending = self.host.before_tick(now_s)
        if self._thread is None and self._ui_alive and now_s - self._last_beat_s >= HEARTBEAT_PERIOD_S:
            self._last_beat_s = now_s
            self.controller.submit(Command(Op.UI_HEARTBEAT, source="console"))
        return pending

    # ---- a sink of the host ---------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        self._tick_events.append(event)

    def _on_tick(self, v) -> None:
        """Open a session at the first countdown, feed it, end it on request; publish."""
        now_s = v.now_s
        events, self._tick_events = self._tick_events, []
        if self.session is None and any(e["event"] == "state" and e["to"] == S.COUNTDOWN for e in events):
            events.insert(0, self._begin_session(v))
            if self.telemetry is not None:  # the session's start and end go to the fleet as run's do
                self.telemetry.on_event(events[0])
        session = self.session
        if session is not None:
            for event in events:
                session.on_event(event)
            session.on_tick(v)
        while self._end_requests:
            reason = self._end_requests.popleft()
            if self.session is not None:
                events.append(self._end_session(reason, now_s))
                if self.telemetry is not None:
                    self.telemetry.on_event(events[-1])
        self._tick += 1
        with self._lock:
            self._events.extend(events)
            if self._tick % self._sample_every == 0:
                last = v.last_status
                self._samples.append((now_s, v.target_kmh, last.belt_kmh if last else 0.0,
                                      last.direction.value if last else "none", v.heart_rate_bpm))
        if self._tick % self._publish_every == 0:
            self._publish()

    def _begin_session(self, v) -> dict[str, Any]:
        program = v.program
        info = {"program": program.name if program else "manual", "profile": v.profile.name,
                "driver": self.drive_name, "person": self.person}
        if self.plan is not None:
            info["plan"] = self.plan
        self.session = Session(v.now_s, info, self.recorder, mass_kg=self.person_mass_kg)
        return self.session.start_event()

    def _end_session(self, reason: str, now_s: float) -> dict[str, Any]:
        event = self.session.end(reason, now_s)
        self._last_session = self.session  # its totals stay on screen until the next one starts
        self.session = None
        return event

    def _publish(self) -> None:
        c = self.controller
        sim = None
        if self.simulated:
            world = self.drive.world
            sim = SimView(world.sensors.safety_key, world.sensors.harness_clipped, world.comms_ok,
                          world.person_fallen, world.sensors.heart_rate_bpm, world.sensors.hr_reporting)
        session = self.session  # an ended session's figures leave the screen with it (its summary stays)
        parts = dict(
            snapshot=c.snapshot(),
            distance_forward_m=session.distance_m["forward"] if session else 0.0,
            distance_backward_m=session.distance_m["reverse"] if session else 0.0,
            session_open=self.session is not None,
            session_s=session.elapsed_s if session else 0.0,
            sim=sim,
            loop_alive=self._loop_alive,
            loop_error=self._loop_error,
            record_error=self.recorder.error if self.recorder is not None else None,
            energy_kcal=session.totals.energy.kcal if session else None,
            energy_estimated=session.totals.energy.estimated if session else True,
        )
        with self._lock:
            self._frame_parts = parts
            self._seq += 1


class _Feed:
    """The engine as one of its host's sinks."""

    def __init__(self, engine: Engine) -> None:
        self.on_event = engine._on_event
        self.on_tick = engine._on_tick

    def close(self) -> None:
        pass  # the engine ends its session itself, with the reason
