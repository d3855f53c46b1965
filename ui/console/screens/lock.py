"""The locked screen: after every session the console locks until the operator PIN is entered
(the Peloton Tread+ lesson: nobody, a child least of all, starts the belt unnoticed)."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from ui.console.screens.dialogs import pin_input
from ui.console.screens.main import EstopButton
from ui.console.text import STATE_LABELS, WORDS_UPPER, distance, mmss, stops_line, travel_direction
from ui.console.widgets.base import Readout


class LockScreen(Screen):
    """Only the PIN (and the e-stop) work here."""

    def __init__(self, check: Callable[[str], tuple[bool, str]], reason: str) -> None:
        super().__init__()
        self.check = check
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-body"):
            yield Static("LOCKED", id="lock-title")
            yield Readout(self.reason, id="lock-reason")
            yield Readout("", id="lock-summary")
            with Center():
                yield pin_input("lock-pin", "operator PIN, then Enter")
            yield Readout("", id="lock-message")
            yield Readout("", id="lock-state")
            with Center():
                yield EstopButton("E-STOP SPACE", id="lock-estop")

    def on_mount(self) -> None:
        self.set_class(self.app.size.height >= 30, "-tall")
        self.query_one("#lock-pin", Input).focus()
        self.watch(self.app, "frame", self.show_frame)
        self.show_summary(self.app.last_summary)

    def show_summary(self, summary: dict | None) -> None:
        if not summary:
            self.query_one("#lock-summary", Readout).show_content("")
            return
        text = Text(justify="center")
        text.append(f"Last session: {summary.get('program', '?')} ({summary.get('profile', '?')})\n", style="bold")
        forward, backward = summary.get("forward") or {}, summary.get("backward") or {}
        text.append(f"{mmss(summary.get('duration_s'))} · forward {distance(forward.get('distance_m', 0))}"
                    f" · backward {distance(backward.get('distance_m', 0))}")
        stops, refusals = summary.get("stops") or [], summary.get("refusals", 0)
        apart = f"{refusals} command{'s' if refusals > 1 else ''} refused" if refusals else ""
        if stops or apart:
            text.append("\n" + " · ".join(part for part in (stops_line(stops), apart) if part))
        self.query_one("#lock-summary", Readout).show_content(text)

    def show_frame(self, frame) -> None:
        if frame is None:
            return
        snap = frame.snapshot
        label = STATE_LABELS.get(snap.state, snap.state)
        moving = travel_direction(snap)
        way = f" {WORDS_UPPER[moving]}" if moving in WORDS_UPPER else ""  # nothing here hides how it moves
        text = Text(f"Machine: {label} · belt{way} {snap.belt_kmh:.1f} km/h", justify="center")
        if snap.state in ("estop", "fault") and snap.stop_reason:
            text.append(f" · {snap.stop_reason}", style="bold red")
        self.query_one("#lock-state", Readout).show_content(text)
        for event in frame.events:
            if event["event"] == "session_end":
                self.show_summary(event.get("summary"))

    @on(Input.Submitted, "#lock-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        ok, message = self.check(event.value)
        event.input.value = ""
        if ok:
            self.dismiss(True)
        else:
            self.query_one("#lock-message", Readout).show_content(Text(message, style="bold red", justify="center"))

    @on(Button.Pressed, "#lock-estop")
    def _estop(self) -> None:
        self.app.action_estop()
