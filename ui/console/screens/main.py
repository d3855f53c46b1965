"""The main screen: everything the operator needs at a glance, and the operator's keys."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Button, Footer

from ui.console.keys import MAIN, PRESET_KEYS
from ui.console.text import step_guide, travel_direction
from ui.console.widgets.base import Readout
from ui.console.widgets.chart import SpeedChart
from ui.console.widgets.countdown import CountdownOverlay
from ui.console.widgets.eventlog import EventLog
from ui.console.widgets.heart import HeartAlert, HeartReadout
from ui.console.widgets.panels import InterlockPanel, StepPanel
from ui.console.widgets.readouts import DirectionBanner, Readings, SpeedReadout, StatusLine

MIN_COLUMNS, MIN_ROWS = 80, 24
WIDE_COLUMNS = 110
TALL_ROWS = 34
HUGE_ROWS = 50


class EstopButton(Button):
    """The visible e-stop. Never takes the focus, so Enter can never press it by accident."""

    can_focus = False


class MainScreen(Screen):
    """Nothing here takes the focus, so every key reaches the bindings below."""

    AUTO_FOCUS = None
    BINDINGS = [Binding(k.keys, "app." + k.action, k.label, show=k.footer, key_display=k.display)
                for k in MAIN if k.action != "preset"] + [
        Binding(digit, f"app.preset({digit})", f"{digit} km/h", show=False) for digit in PRESET_KEYS.split(",")]

    def compose(self) -> ComposeResult:
        yield Readout("", id="too-small")  # shown only below 80x24: fields are cut, and it says so
        yield StatusLine(id="status")
        with Horizontal(id="top"):
            yield DirectionBanner(id="banner")
            yield EstopButton("E-STOP SPACE", id="estop-button")
        yield HeartAlert(id="hr-alert")  # above #middle: a docked dialog never covers it
        with Horizontal(id="middle"):
            with Vertical(id="left"):
                yield SpeedReadout(id="speed")
                yield HeartReadout("", id="heart")
                yield Readings(id="readings")
                yield CountdownOverlay(id="countdown")
            yield InterlockPanel(id="interlocks")
        yield StepPanel(id="step")
        with Horizontal(id="bottom"):
            yield SpeedChart(id="chart")
            yield EventLog(id="log")
        yield Readout("", id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(EventLog).note(0.0, f"console ready on {self.app.engine.drive_name} · ? lists the keys · SPACE is E-STOP")
        self._fit(self.app.size)
        self.watch(self.app, "frame", self.show_frame)
        self.watch(self.app, "message", self.show_message)

    def show_frame(self, frame) -> None:
        if frame is None:
            return
        snap = frame.snapshot
        app = self.app
        self.query_one(StatusLine).show(frame, snap.program_name or "Manual mode", app.status_notes(frame))
        self.query_one(DirectionBanner).show(snap)
        wide = self.has_class("-wide")
        self.query_one(SpeedReadout).show(snap, wide)
        self.query_one(HeartReadout).show(snap, wide)
        self.query_one(Readings).show(frame)
        self.query_one(InterlockPanel).show(snap)
        self.query_one(HeartAlert).show(frame, app.site.heart_rate.lost_stop_after_s)
        self._note_hr_stop(frame)
        hr_stop = self._hr_stop if self._hr_stop is not None and snap.stop_reason == self._hr_stop else None
        program = app.program if app.program is not None and app.program.name == snap.program_name else None
        next_guide = step_guide(program, snap.next_step.index) if snap.next_step is not None else None
        self.query_one(StepPanel).show(frame, app.step_total, hr_stop=hr_stop, next_guide=next_guide)
        chart = self.query_one(SpeedChart)
        chart.add(frame.samples)
        if snap.target_hr_bpm is not None:
            chart.reference(snap.target_hr_bpm, "target")
        else:
            chart.reference(snap.max_hr_bpm, "limit")
        self.query_one(EventLog).add(frame.events)
        self.query_one(CountdownOverlay).show(snap)
        for state in ("estop", "fault", "running", "idle"):
            self.set_class(snap.state == state, "-" + state)
        self.set_class(travel_direction(snap) == "reverse" or snap.upcoming_direction == "reverse"
                       and snap.state in ("countdown", "reversing"), "-reverse")

    _hr_stop: str | None = None  # the reason of the last heart-rate stop (S13)

    def _note_hr_stop(self, frame) -> None:
        """Remember a heart-rate stop's reason: the step panel shows it while it is the
        controller's stop reason (a new start or another stop replaces it)."""
        for event in frame.events:
            if event["event"] == "safety_stop" and event.get("cause") == "heart_rate":
                self._hr_stop = event["reason"]

    def show_message(self, message) -> None:
        text, style = message
        widget = self.query_one("#message", Readout)
        widget.show_content(text)
        widget.set_modes("-" + style, ("-info", "-good", "-warn", "-bad"))

    @on(Button.Pressed, "#estop-button")
    def _estop(self) -> None:
        self.app.action_estop()

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size)

    def _fit(self, size) -> None:
        """More room, bigger readouts (the rules are in console.tcss)."""
        self.set_class(size.width >= WIDE_COLUMNS, "-wide")
        self.set_class(size.height >= TALL_ROWS, "-tall")
        self.set_class(size.height >= HUGE_ROWS, "-huge")
        small = size.width < MIN_COLUMNS or size.height < MIN_ROWS
        self.set_class(small, "-small")
        self.query_one("#too-small", Readout).show_content(
            f"⚠ SCREEN TOO SMALL: {size.width}x{size.height}, the console needs {MIN_COLUMNS}x{MIN_ROWS}: "
            "some readings are cut. Enlarge the terminal." if small else "")
