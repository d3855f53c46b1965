"""A tile: one treadmill on the fleet screen (id and state, direction banner, speed and heart
rate, step and time left, the alarm line). Only shows what it is given: no I/O, no decisions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ui.fleet.model import Treadmill
from ui.fleet.words import BANNER_MODES, STATE_LABELS, alarm_line, banner, speed_line, step_line


class Tile(Vertical):
    """Shows the treadmill last given to `show`; `.treadmill_id` says which."""

    def __init__(self) -> None:
        super().__init__(classes="tile")
        self.treadmill_id: str | None = None
        #: What it shows: (id, state, banner mode, banner, speed, step, alarm, unseen) (tests read it)
        self.shown: tuple | None = None
        self._pending: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="tile-title")
        yield Static(classes="tile-banner")
        yield Static(classes="tile-speed")
        yield Static(classes="tile-step")
        yield Static(classes="tile-alarm")

    def show(self, t: Treadmill, *, selected: bool, flash_on: bool) -> None:
        mode, line = banner(t)
        alarm, unseen = alarm_line(t)
        state = "OFFLINE" if t.online is False else STATE_LABELS.get(t.state_name, t.state_name.upper())
        content = (t.id, state, mode, line, speed_line(t), step_line(t), alarm, unseen)
        self.treadmill_id = t.id
        self.set_class(selected, "-selected")
        self.set_class(t.online is False, "-offline")
        self.set_class(unseen and flash_on, "-flash")
        self.set_class(bool(alarm) and not unseen, "-latched")
        self._pending = content
        self._apply()

    def on_mount(self) -> None:
        self._apply()  # a tile given a treadmill before its lines were composed

    def _apply(self) -> None:
        content = self._pending
        statics = list(self.query(Static))
        if content is None or content == self.shown or len(statics) < 5:
            return
        self.shown = content
        tid, state, mode, line, speed, step, alarm, _unseen = content
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {tid} ", style="bold reverse")
        title.append(f"  {state}", style="bold")
        statics[0].update(title)
        statics[1].update(Text(line, justify="center", no_wrap=True, overflow="ellipsis"))
        for mode_class in BANNER_MODES:
            statics[1].set_class(mode_class == mode, mode_class)
        for static, text in zip(statics[2:], (speed, step, alarm)):
            static.update(Text(text, no_wrap=True, overflow="ellipsis"))
