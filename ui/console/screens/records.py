"""The console's side of the session records (docs/records.md): who walks, how it felt, and
the sessions so far.

- `PersonDialog`: the person's pseudonymous code for the next session (optional);
- `EffortDialog`: after a session, effort (RPE, Borg CR10), pain (0-10) and a note;
- `SessionsBrowser`: the store's sessions, per person, newest first; Enter opens one into
  `SessionDetail`: its summary, its per-step table and a plot of speed and heart rate.
They read the store from the UI thread (short queries), and a session's trace in a worker
thread: a recorded hour is 180,000 lines, and the UI thread must keep its heartbeat going.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Select, Static

from ui.console.screens.dialogs import Dialog
from ui.console.widgets.base import Readout
from ui.console.widgets.history import HistoryPlot
from ui.session.records import Store, StoreError
from ui.session.records.folder import check_person
from ui.session.records.samples import trace_samples
from ui.session.records.store import PAIN_RANGE, RPE_RANGE
from ui.session.records.text import mmss, show_lines, when

EVERYONE = "(everyone)"


class PersonDialog(Dialog):
    """Who walks the next session. Dismisses with the code, "" for nobody, None on Esc."""

    DEFAULT_CSS = "#person-dialog { width: 64; height: auto; } #person-dialog Input { margin: 0 0 1 0; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None = None, known: list[str] | None = None) -> None:
        super().__init__()
        self.current = current
        self.known = known or []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="person-dialog") as body:
            body.border_title = "Who walks this session?"
            yield Static("The person's code, never a name (e.g. p017). Enter alone: nobody.", classes="lead")
            yield Input(self.current or "", placeholder="person code", id="person-code")
            if self.known:
                yield Static("Known: " + ", ".join(self.known[:12]) + (" ..." if len(self.known) > 12 else ""),
                             id="person-known")
            yield Readout("Enter to confirm, Esc to cancel", id="person-message")

    def on_mount(self) -> None:
        self.query_one("#person-code", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        if not code:
            self.dismiss("")
            return
        try:
            self.dismiss(check_person(code, "code"))
        except StoreError as exc:
            self.query_one("#person-message", Readout).show_content(Text(str(exc), style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class EffortDialog(Dialog):
    """After a session: RPE, pain and a note, each optional. Dismisses with {"rpe", "pain",
    "text"} (None for what was left empty), or None on Esc (nothing noted)."""

    DEFAULT_CSS = "#effort-dialog { width: 72; height: auto; } #effort-dialog Input { margin: 0 0 1 0; }"
    BINDINGS = [Binding("escape", "cancel", "Skip")]
    FIELDS = ("effort-rpe", "effort-pain", "effort-note")

    def __init__(self, session_id: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="effort-dialog") as body:
            body.border_title = f"How was it? (session {self.session_id})" if self.session_id else "How was it?"
            yield Static("Effort, Borg CR10: 0 nothing, 3 moderate, 5 hard, 7 very hard, 10 maximal", classes="lead")
            yield Input(placeholder="effort (RPE) 0-10", id="effort-rpe")
            yield Input(placeholder="pain 0 (none) - 10 (worst imaginable)", id="effort-pain")
            yield Input(placeholder="a note (no names)", id="effort-note")
            yield Readout("Enter: next field, then save. Esc: skip", id="effort-message")

    def on_mount(self) -> None:
        self.query_one("#effort-rpe", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        position = self.FIELDS.index(event.input.id)
        if position + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[position + 1]}", Input).focus()
            return
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in self.FIELDS}
        try:
            rpe = _number(values["effort-rpe"], "effort", RPE_RANGE, whole=False)
            pain = _number(values["effort-pain"], "pain", PAIN_RANGE, whole=True)
        except ValueError as exc:
            self.query_one("#effort-message", Readout).show_content(Text(str(exc), style="bold red"))
            return
        self.dismiss({"rpe": rpe, "pain": pain, "text": values["effort-note"] or None})

    def action_cancel(self) -> None:
        self.dismiss(None)


def _number(text: str, what: str, bounds, *, whole: bool):
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not bounds[0] <= value <= bounds[1] or (whole and value != int(value)):
        kind = "a whole number " if whole else ""
        raise ValueError(f"{what}: {text} is out of range: {kind}{bounds[0]:g}-{bounds[1]:g}")
    return int(value) if whole else value


class SessionsBrowser(Dialog):
    """The store's sessions, newest first, of everyone or one person; Enter opens one."""

    DEFAULT_CSS = "#browser-dialog { width: 96%; height: 80%; } #browser-person { width: 40; }"
    BINDINGS = [Binding("escape,v", "close", "Close"), Binding("enter", "open", "Open", show=False)]

    def __init__(self, folder: Path, person: str | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.person = person
        self.sessions: list[dict[str, Any]] = []
        self.people: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="browser-dialog") as body:
            body.border_title = f"Sessions ({self.folder})"
            yield Select([], prompt=EVERYONE, id="browser-person", allow_blank=True)
            table = DataTable(id="browser-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("Id", "Started", "Person", "Program", "Status", "Time", "Backward", "RPE", "Pain")
            yield table
            yield Readout("Enter: open a session. Esc: close", id="browser-message")

    def on_mount(self) -> None:
        try:
            with Store.open(self.folder) as store:
                self.people = [p["code"] for p in store.people()]
        except StoreError as exc:
            self._say(str(exc))
        select = self.query_one("#browser-person", Select)
        select.set_options([(code, code) for code in self.people])
        if self.person in self.people:
            select.value = self.person
        self._load()
        self.query_one("#browser-table", DataTable).focus()

    @on(Select.Changed, "#browser-person")
    def _person_chosen(self, event: Select.Changed) -> None:
        self.person = event.value if isinstance(event.value, str) else None
        self._load()

    def _load(self) -> None:
        table = self.query_one("#browser-table", DataTable)
        table.clear()
        try:
            with Store.open(self.folder) as store:
                self.sessions = store.list(self.person)
        except StoreError as exc:
            self.sessions = []
            self._say(str(exc))
        for s in self.sessions:
            back = s["backward"]
            table.add_row(s["id"], when(s["started"]), s["person"] or "-", s["program"] or "-", s["status"],
                          mmss(s["duration_s"]), f"{back['distance_m']:.0f} m in {mmss(back['time_s'])}",
                          "-" if s["rpe"] is None else f"{s['rpe']:g}", "-" if s["pain"] is None else str(s["pain"]),
                          key=s["id"])

    @on(DataTable.RowSelected, "#browser-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(SessionDetail(self.folder, event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one("#browser-table", DataTable)
        if self.sessions and table.cursor_row < len(self.sessions):
            self.app.push_screen(SessionDetail(self.folder, self.sessions[table.cursor_row]["id"]))

    def action_close(self) -> None:
        self.dismiss()

    def _say(self, text: str) -> None:
        self.query_one("#browser-message", Readout).show_content(Text(text, style="bold red"))


class SessionDetail(Dialog):
    """One session: its summary, its steps, and speed and heart rate against time."""

    DEFAULT_CSS = "#detail-dialog { width: 98%; height: 96%; } #detail-summary { height: auto; }"
    BINDINGS = [Binding("escape", "close", "Back")]

    def __init__(self, folder: Path, session_id: str) -> None:
        super().__init__()
        self.folder = folder
        self.session_id = session_id
        self.summary: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="detail-dialog") as body:
            body.border_title = f"Session {self.session_id}"
            yield Readout("", id="detail-summary")
            yield HistoryPlot(id="detail-plot")
            table = DataTable(id="detail-steps", cursor_type="row", zebra_stripes=True)
            table.add_columns("#", "Step", "Direction", "Planned", "Time", "Distance", "Avg km/h", "HR avg/max")
            yield table

    def on_mount(self) -> None:
        try:
            with Store.open(self.folder) as store:
                self.summary = store.get(self.session_id)
        except StoreError as exc:
            self.query_one("#detail-summary", Readout).show_content(Text(str(exc), style="bold red"))
            return
        lines = show_lines({**self.summary, "steps": []})
        self.query_one("#detail-summary", Readout).show_content("\n".join(lines))
        table = self.query_one("#detail-steps", DataTable)
        for step in self.summary["steps"]:
            hr = f"{step['hr_avg_bpm']}/{step['hr_max_bpm']}" if step["hr_avg_bpm"] is not None else "-"
            table.add_row(str(step["index"] + 1), step["name"] or "-", step["direction"] or "-",
                          mmss(step["planned_s"]), mmss(step["time_s"]), f"{step['distance_m']:.0f} m",
                          f"{step['avg_kmh']:.1f}", hr)
        self._load_trace()

    @work(thread=True, exclusive=True)
    def _load_trace(self) -> None:
        try:
            with Store.open(self.folder) as store:
                samples = trace_samples(store, self.session_id)
        except StoreError as exc:
            self.app.call_from_thread(self.query_one("#detail-plot", HistoryPlot).show_error, str(exc))
            return
        self.app.call_from_thread(self.query_one("#detail-plot", HistoryPlot).show, samples)

    def action_close(self) -> None:
        self.dismiss()
