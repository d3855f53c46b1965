"""The event log: one line per controller event, on the session's clock (the one `Elapsed` shows)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from ui.console.text import describe, mmss

STYLES = {"info": "", "good": "green", "warn": "bold yellow", "bad": "bold red"}
HIDDEN = {"command"}  # the operator's own key presses: the trace has them, the log shows their effect


class EventLog(RichLog):
    """Never focused: the arrow keys belong to the speed, not to scrolling the log."""

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=500, min_width=20, wrap=True, markup=False, auto_scroll=True)

    def on_mount(self) -> None:
        self.border_title = "Events"

    #: the controller time of the current (or last) session's start: times are counted from it,
    #: as Elapsed is; before the first session, from the console's start
    t0_s = 0.0

    def add(self, events) -> None:
        for event in events:
            if event["event"] == "session_start":
                self.t0_s = event["t"]
            if event["event"] in HIDDEN:
                continue
            line, style = describe(event)
            text = Text(mmss(event["t"] - self.t0_s) + " ", style="dim")
            text.append(line, style=STYLES[style])
            self.write(text)

    def note(self, t_s: float, line: str, style: str = "info") -> None:
        """A line from the console itself (not the controller); `t_s` in controller time."""
        text = Text(mmss(t_s - self.t0_s) + " ", style="dim")
        text.append(line, style=STYLES[style])
        self.write(text)
