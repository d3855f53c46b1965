"""The operator console: a Textual App in front of the engine (ui/engine.py).

The App is the one place that talks to the engine: operator actions become Commands in the
controller's queue, and a timer takes the engine's Frames (at most ~10 a second) into the
`frame` reactive that every screen watches. A second timer sends the UI heartbeat; if this
thread hangs or dies the heartbeat stops and the controller stops the belt.

Nothing here decides safety. Speed caps, start refusals, reset refusals and interlocks are
the controller's; the App shows what it says. What the App does decide is access: the lock
after a session, the operator PIN for the athlete profile, and that a new session starts
with reverse disarmed.
"""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.reactive import var

from controller.commands import Command, Op
from drivers.base import Direction
from controller.duration import program_duration_s
from ui.console import catalog
from ui.console.access import AccessFlow
from ui.console.keys import ESTOP
from ui.console.records_flow import PLANS_DIR, RecordsFlow
from ui.console.screens.dialogs import ArmReverseDialog, HelpDialog, PinDialog, QuitDialog
from ui.console.screens.main import MainScreen
from ui.console.screens.picker import ProgramPicker
from ui.console.screens.simulator import SimulatorPanel
from ui.console.screens.strap import StrapScreen
from ui.console.settings import load_theme
from ui.console.speed_keys import SpeedKeys
from ui.console.sound import Sound, cues_of, sound_settings
from ui.console.text import FALL_STOP, WORDS_UPPER, heart_rate_message, refused_line
from ui.engine import HEARTBEAT_PERIOD_S, Engine, Frame
from ui.pin import PinStore
from ui.session.rest import belt_still

POLL_PERIOD_S = 0.1
SOURCE = "console"
IDLE_LOCK_S = 300.0  # an open session idle this long at standstill ends, and the console locks
#: S8: a switch cannot tell a fall from a released harness, so the person comes first.
FALL_STOP_MESSAGE = "E-STOP: fall-stop opened. CHECK THE PERSON FIRST. Reverse is disarmed."
#: how long a message stays on the message line (controller seconds) by its style; "bad" stays
#: until the next message replaces it (a reset, a start)
MESSAGE_HOLD_S = {"info": 10.0, "good": 10.0, "warn": 20.0}


class ConsoleApp(AccessFlow, RecordsFlow, SpeedKeys, App):
    """The console. `engine` is started (thread) or opened (manual) by whoever made it."""

    CSS_PATH = "console.tcss"
    TITLE = "retrotread"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding(ESTOP.keys, "estop", ESTOP.label, priority=True, key_display=ESTOP.display)]

    frame: var[Frame | None] = var(None, always_update=True)
    message: var[tuple[str, str]] = var(("", "info"))

    def __init__(self, engine: Engine, *, pins: PinStore, program_dirs: list[Path] | None = None,
                 sessions_dir: Path | None = None, start_locked: bool = True, idle_lock_s: float = IDLE_LOCK_S,
                 poll: bool = True, plan_dirs: list[Path] | None = None, settings_path: Path | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.site = engine.site
        self.pins = pins
        self.program_dirs = program_dirs if program_dirs is not None else [catalog.SHIPPED_DIR]
        self.sessions_dir = sessions_dir
        self.plan_dirs = plan_dirs if plan_dirs is not None else [PLANS_DIR]
        self.start_locked = start_locked
        self.idle_lock_s = idle_lock_s
        self.poll_enabled = poll
        program = engine.controller.program
        self.program = program  # what the console last loaded (the controller has its own copy)
        self.step_total = len(program.steps) if program else None
        self.locked = False
        self.quitting = False
        self.last_summary: dict | None = None
        self._idle_since_s: float | None = None
        self._quit_dialog: QuitDialog | None = None
        self._arm_sent = False  # armed by this console, not yet in a frame
        self._ending = False  # end_session sent, the engine has not closed the session yet
        self.person_check_due = False  # a fall-stop trip disarmed reverse: arming asks about the person
        self.settings_path = settings_path  # where the theme is remembered (None: not remembered)
        self.colours = load_theme(settings_path)
        self.sound = Sound(sound_settings(engine.site.console), self.bell, self.say)  # checked by console_cmd
        self._said_t_s: float | None = None  # when the message was said (controller time)

    # ---- life cycle -----------------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_class(self.colours == "colour-safe", "-colour-safe")
        self.push_screen(MainScreen())
        self.set_interval(HEARTBEAT_PERIOD_S, self.heartbeat)
        if self.poll_enabled:
            self.set_interval(POLL_PERIOD_S, self.poll)
        self.poll()
        # Everything built so far lives as long as the console: take it out of the cyclic
        # collector's reach, or a full collection here holds the GIL for ~50 ms and delays the
        # control thread's ticks by as much (bench/jitter.py).
        self.call_after_refresh(gc.freeze)
        if not self._pin_exists():
            self.say("No operator PIN is set: the console cannot lock and the athlete profile is unavailable. "
                     "Run `retrotread set-pin`, or press L to set one now.", "warn")
        elif self.start_locked:
            self.lock(None)

    def heartbeat(self) -> None:
        """The UI-heartbeat interlock's input: this thread is alive and its timers run."""
        self.engine.submit(Command(Op.UI_HEARTBEAT, source=SOURCE))

    def poll(self) -> None:
        """Take the engine's newest frame (if any) into `frame`, which the screens watch."""
        frame = self.engine.take()
        if frame is None:
            return
        self.frame = frame
        self._after_frame(frame)

    def _after_frame(self, frame: Frame) -> None:
        for cue in cues_of(frame.events):
            self.sound.play(cue)
        self._announce(frame)
        self._expire_message(frame.snapshot.t_s)
        if not frame.session_open:
            self._ending = False
        snap = frame.snapshot
        at_rest = belt_still(snap.belt_kmh, snap.command_kmh)
        if self.quitting:
            self._quit_progress(snap, at_rest)
        else:
            self._watch_session(frame, at_rest)

    def _announce(self, frame: Frame) -> None:
        """The message line: the latest refusal, stop or reset, in words."""
        for event in frame.events:
            kind = event["event"]
            if kind == "reverse_armed":
                self._arm_sent = False
                self.person_check_due = False
            elif kind == "reverse_disarmed":
                self._arm_sent = False
                if event.get("source") == FALL_STOP:
                    self.person_check_due = True
                    self.say(FALL_STOP_MESSAGE, "bad")
            elif kind == "refused":
                self.say(self._refusal(event, frame.snapshot), "warn")
            elif kind == "reset_refused":
                self.say(refused_line("reset", event["reason"]), "warn")
            elif kind in ("estop", "fault"):
                reason = event["reason"]
                if event.get("cause") == FALL_STOP and "person" not in reason:
                    reason += ": check the person first"
                self.say(f"{'E-STOP' if kind == 'estop' else 'FAULT'}: {reason}", "bad")
            elif kind == "state" and event["to"] == "idle" and event["from"] in ("estop", "fault"):
                self.say("Reset done. Check the person first; reverse needs arming again (A)." if self.person_check_due
                         else "Reset done. Nothing moves until you start again.", "good")
            elif kind == "session_end":
                self.last_summary = event.get("summary")
            elif kind == "operator_stop":
                self.say(f"Stopping ({event['source']}): the belt slows to a standstill.", "info")
            elif kind == "state" and event["to"] == "paused":
                self.say("Paused. P resumes, after a countdown.", "info")
            elif (line := heart_rate_message(event)) is not None:  # S13's events, a stop among them
                self.say(*line)
        if frame.loop_error and not self.message[0].startswith("CONTROL LOOP STOPPED"):
            self.say(f"CONTROL LOOP STOPPED: {frame.loop_error}. The drive was told to stop. Quit and restart.",
                     "bad")

    def _watch_session(self, frame: Frame, at_rest: bool) -> None:
        """End the session (and lock) when the program is complete or after a long idle."""
        snap = frame.snapshot
        if frame.session_open and snap.state == "idle" and not (self.locked or self._ending):
            if snap.program_complete:
                self.end_session("program complete")
                return
            if at_rest:
                self._idle_since_s = snap.t_s if self._idle_since_s is None else self._idle_since_s
                if snap.t_s - self._idle_since_s >= self.idle_lock_s:
                    self.end_session(f"idle for {self.idle_lock_s:g} s")
                return
        self._idle_since_s = None

    @staticmethod
    def _refusal(event: dict, snap) -> str:
        """A refused command in words; a refused direction key also says which way stays chosen."""
        line = refused_line(event["command"], event["reason"])
        if event["command"] == "set_direction" and snap.upcoming_direction in WORDS_UPPER:
            what, _, reason = line.partition(": ")
            line = f"{what} (still {WORDS_UPPER[snap.upcoming_direction]}): {reason}"
        return line

    def status_notes(self, frame: Frame) -> tuple[str, ...]:
        notes = []
        if frame.record_error:
            notes.append("sessions not recorded")
        if not frame.loop_alive:
            notes.append("control loop not running")
        return tuple(notes)

    def say(self, text: str, style: str = "info") -> None:
        self.message = (text, style)
        snap = self._snap()
        self._said_t_s = snap.t_s if snap is not None else None

    def _expire_message(self, now_s: float) -> None:
        """A message belongs to its moment: it goes after its hold time (an e-stop's stays)."""
        text, style = self.message
        hold_s = MESSAGE_HOLD_S.get(style)
        if not text or hold_s is None:
            return
        if self._said_t_s is None:
            self._said_t_s = now_s
        elif now_s - self._said_t_s >= hold_s:
            self.message = ("", "info")

    def _send(self, op: Op, value=None) -> None:
        self.engine.submit(Command(op, value, source=SOURCE))

    def _snap(self):
        return self.frame.snapshot if self.frame is not None else None

    # ---- the operator's actions -------------------------------------------------------------
    def action_estop(self) -> None:
        self._send(Op.ESTOP)
        self.say("E-STOP pressed.", "bad")

    def action_start(self) -> None:
        snap = self._snap()
        if snap is not None and snap.state == "paused":
            self._send(Op.RESUME)
        elif (self.program is not None and self.program.has_reverse and snap is not None
              and not (snap.reverse_armed or self._arm_sent) and snap.state == "idle"):
            self._arm(then_start=True)
        else:
            self._send(Op.START)

    def action_pause(self) -> None:
        snap = self._snap()
        self._send(Op.RESUME if snap is not None and snap.state == "paused" else Op.PAUSE)

    def action_stop(self) -> None:
        self._send(Op.STOP)

    def action_reset(self) -> None:
        self._send(Op.RESET)

    def action_incline_up(self) -> None:
        self._send(Op.ADJUST_INCLINE, 0.5)

    def action_incline_down(self) -> None:
        self._send(Op.ADJUST_INCLINE, -0.5)

    def action_direction(self) -> None:
        snap = self._snap()
        if self.program is not None:
            self.say("The program sets the direction; choose Manual mode (O) to set it yourself.", "warn")
            return
        to_reverse = snap is None or snap.upcoming_direction != "reverse"
        self._send(Op.SET_DIRECTION, Direction.REVERSE if to_reverse else Direction.FORWARD)

    def action_arm(self) -> None:
        snap = self._snap()
        if snap is not None and snap.reverse_armed:
            self._send(Op.ARM_REVERSE, False)
            self.say("Reverse disarmed.", "info")
        else:
            self._arm(then_start=False)

    def _arm(self, then_start: bool) -> None:
        note = "This program runs in reverse: arm it to start." if then_start else ""

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._send(Op.ARM_REVERSE, True)
                self._arm_sent = True
                if then_start:
                    self._send(Op.START)
            else:
                self.say("Reverse not armed.", "warn")

        self.push_screen(ArmReverseDialog(note, person_check=self.person_check_due), done)

    def action_programs(self) -> None:
        entries = catalog.scan(self.program_dirs)
        entries[1:1] = self.plan_entries()  # after Manual: the person's next session of each plan
        snap = self._snap()
        profiles = {name: p.requires_authorization for name, p in self.site.profiles.items()}
        picker = ProgramPicker(entries, profiles, lambda e: catalog.default_profile(e, self.site),
                               lambda e, p: catalog.refusal(e, p, self.site),
                               snap.program_name if snap and snap.program_name else catalog.MANUAL.label,
                               snap is None or snap.state == "idle",
                               duration=lambda e, p: program_duration_s(e.program, self.site.profiles[p]))
        self.push_screen(picker, self._picked)

    def _picked(self, choice) -> None:
        if choice is None:
            return
        entry, profile_name = choice
        if self.site.profiles[profile_name].requires_authorization:
            if not self._pin_exists():
                self.say(f"The {profile_name} profile needs the operator PIN, and none is set "
                         "(`retrotread set-pin`).", "warn")
                return
            self.push_screen(PinDialog(f"{profile_name.capitalize()} profile: operator PIN", self.check_pin),
                             lambda ok: self._load(entry, profile_name) if ok else
                             self.say(f"{profile_name} profile not authorised.", "warn"))
            return
        self._load(entry, profile_name)

    def _load(self, entry, profile_name: str, quiet: bool = False) -> None:
        program, profile = catalog.choice(entry, profile_name, self.site)
        self._send(Op.LOAD_PROGRAM, (program, profile))
        self.engine.set_plan(entry.plan)
        self.program = program
        self.step_total = len(program.steps) if program else None
        if not quiet:
            self.say(f"Loading {entry.label} with the {profile_name} profile.", "info")

    def action_simulator(self) -> None:
        if not self.engine.simulated:
            self.say("The simulator panel works only with the simulator (sim://).", "warn")
            return
        self.push_screen(SimulatorPanel())

    def action_heart_rate(self) -> None:
        self.push_screen(StrapScreen())

    def inject(self, event: str, value: float | None = None) -> None:
        self.engine.inject(event, value)

    def action_help(self) -> None:
        self.push_screen(HelpDialog())

    # ---- quitting -----------------------------------------------------------------------------
    async def action_quit(self) -> None:
        if self._quit_dialog is None:
            self._quit_dialog = QuitDialog()
            await self.push_screen(self._quit_dialog, lambda _: setattr(self, "_quit_dialog", None))

    async def action_help_quit(self) -> None:
        await self.action_quit()

    def begin_quit(self) -> None:
        """Stop the belt; `_quit_progress` exits once it is at rest."""
        self.quitting = True
        snap = self._snap()
        if snap is None or snap.state not in ("idle", "estop", "fault"):
            self._send(Op.STOP)
        if snap is not None:
            self._quit_progress(snap, belt_still(snap.belt_kmh, snap.command_kmh))

    def _quit_progress(self, snap, at_rest: bool) -> None:
        comms_lost = not snap.interlocks.get("drive_comms", (True, ""))[0]
        if snap.state in ("idle", "estop", "fault") and (at_rest or comms_lost):
            self.engine.end_session("quit")
            self.exit()
        elif self._quit_dialog is not None:
            self._quit_dialog.show_progress(snap.belt_kmh, snap.state)
