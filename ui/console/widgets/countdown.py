"""The countdown overlay shown before every start and every direction change: which way and
at what speed the belt will start (always the profile's start speed, S14), and when."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from ui.console.text import REVERSE_PHASES, countdown_number, starting_line
from ui.console.widgets.base import Readout
from ui.console.widgets.bignum import BigNumber

WORDS = {"forward": "▲ ▲  FORWARD  ▲ ▲", "reverse": "▼ ▼  REVERSE · WALK BACKWARD  ▼ ▼"}


class CountdownOverlay(Vertical):
    """Hidden unless the machine is counting down or changing direction."""

    def compose(self) -> ComposeResult:
        yield Readout("", id="countdown-title")
        yield Readout("", id="countdown-word")
        yield Readout("", id="countdown-start")
        yield BigNumber(id="countdown-digits")
        yield Readout("", id="countdown-cue")

    def show(self, snap) -> None:
        active = snap.state == "countdown" or snap.state == "reversing"
        self.display = active
        if not active:
            return
        up = snap.upcoming_direction
        change = snap.state == "reversing"
        self.query_one("#countdown-title", Readout).show_content("DIRECTION CHANGE" if change else "STARTING")
        self.query_one("#countdown-word", Readout).show_content(WORDS.get(up, up.upper()))
        self.query_one("#countdown-start", Readout).show_content(
            starting_line(up, snap.start_speed_kmh, snap.countdown_left_s))
        digits = self.query_one("#countdown-digits", BigNumber)
        value = countdown_number(snap.countdown_left_s) if snap.countdown_left_s is not None else ""
        digits.value = value
        digits.display = bool(value)
        if snap.countdown_left_s is None:
            cue = REVERSE_PHASES.get(snap.reverse_phase or "", "")
            cue = f"Belt {cue}. Get ready." if cue else ""
        else:
            cue = snap.step.cue if snap.step is not None and snap.step.cue else "Get ready."
        self.query_one("#countdown-cue", Readout).show_content(cue)
        for d in ("forward", "reverse"):
            self.set_class(up == d, "-" + d)
