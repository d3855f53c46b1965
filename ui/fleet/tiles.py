"""A tile: one treadmill on the fleet screen (id and state, direction banner, speed and heart
rate, step and time left, the alarm line). Only shows what it is given: no I/O, no decisions.

One widget drawing five lines (not five widgets): with 64 treadmills changing ten times a
second, restyling widgets was most of the fleet view's time. The banner's colours are the
console's (console.tcss); the tile's border and flashing are CSS classes (fleet.tcss).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ui.fleet.model import Treadmill
from ui.fleet.words import STATE_LABELS, alarm_line, banner, speed_line, step_line

BANNER_STYLES = {"-forward": "bold white on #1b5e20", "-reverse": "bold black on #ff8f00",
                 "-stopped": "bold #eceff1 on #37474f", "-estop": "bold white on #b71c1c",
                 "-offline": "bold #9e9e9e on #262626"}


class Tile(Widget):
    """Shows the treadmill last given to `show`; `.treadmill_id` says which."""

    def __init__(self) -> None:
        super().__init__(classes="tile")
        self.treadmill_id: str | None = None
        #: What it shows: (id, state, banner mode, banner, speed, step, alarm, unseen) (tests read it)
        self.shown: tuple | None = None

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
        if content != self.shown:
            self.shown = content
            self.refresh()

    def render(self) -> Text:
        if self.shown is None:
            return Text("")
        tid, state, mode, line, speed, step, alarm, _unseen = self.shown
        width = max(1, self.content_size.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {tid} ", style="bold reverse")
        text.append(f"  {state}\n", style="bold")
        text.append(line.center(width)[:width] + "\n", style=BANNER_STYLES[mode])
        text.append(f"{speed}\n{step}\n")
        text.append(alarm, style="bold white" if self.has_class("-flash") else "bold #ff5252")
        return text
