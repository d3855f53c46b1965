"""Small dialogs: arm reverse, PIN entry, quit, help, last sessions. The e-stop key (an App
priority binding) works in every one of them, and while the belt moves every dialog sits below
the direction banner and the speed, so that nothing hides which way and how fast it runs."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from ui.console.keys import ESTOP, MAIN, SIMULATOR, Key
from ui.console.text import belt_at_rest, distance, mmss
from ui.console.widgets.base import Readout

ESTOP_HINT = "SPACE = E-STOP"


class Unfocusable(Button):
    can_focus = False


class Check(Checkbox):
    """A checkbox ticked by its own key or the mouse; never focused, so Enter can't toggle it."""

    can_focus = False

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name; unticked is blank, not a dim X
        return "✔" if self.value else " "


class Dialog(ModalScreen):
    """A modal dialog whose border names the e-stop key. While the belt moves it is docked:
    drawn below the main screen's banner, speed and interlocks, which stay in view, undimmed."""

    AUTO_FOCUS = None
    _docked_top = 0

    def on_mount(self) -> None:
        body = self.query_one(".dialog")
        body.border_subtitle = ESTOP_HINT
        self.watch(self.app, "frame", self._keep_the_belt_in_view)

    def _keep_the_belt_in_view(self, frame) -> None:
        docked = frame is not None and not belt_at_rest(frame.snapshot)
        top = self._belt_rows() if docked else 0
        if docked == self.has_class("-docked") and self._docked_top == top:
            return
        self._docked_top = top
        self.set_class(docked, "-docked")
        # a margin, not the screen's padding: the main screen shows through a margin, not a padding
        body = self.query_one(".dialog")
        body.styles.margin = (top, 0, 0, 0)
        body.styles.max_height = max(3, self.app.size.height - top) if docked else "100%"

    def _belt_rows(self) -> int:
        """The rows of the main screen from the top down to the end of the speed and interlocks."""
        from ui.console.screens.main import MainScreen  # main imports nothing from here

        for screen in self.app.screen_stack:
            if isinstance(screen, MainScreen):
                return screen.query_one("#middle").region.bottom
        return 0


class ArmReverseDialog(Dialog):
    """Arming reverse for this session: every check confirmed, or nothing is armed. After a
    fall-stop trip (S8) the person is checked first: a third box, as binding as the others."""

    BINDINGS = [Binding("h", "toggle('harness')", "Harness"), Binding("i", "toggle('instructed')", "Instructed"),
                Binding("p", "toggle('person')", "Person"),
                Binding("enter", "confirm", "Arm"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, note: str = "", *, person_check: bool = False) -> None:
        super().__init__()
        self.note = note
        self.person_check = person_check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="arm-dialog") as body:
            body.border_title = "Arm REVERSE for this session"
            if self.person_check:
                yield Static("Fall-stop tripped: reverse is disarmed. Check the person FIRST, then:",
                             classes="lead", id="arm-after-fall")
                yield Check("P  Person checked: all right after the trip, able to go on", id="person")
            else:
                yield Static("Reverse means walking BACKWARD. Before you arm it, check:", classes="lead")
            yield Check("H  The harness is on and clipped to the fall-stop", id="harness")
            yield Check("I  Instructed: walk backward, hold the rails, how to stop",  # whole at 80 columns
                        
                           id="instructed")
            yield Readout("", id="arm-fallstop")
            if self.note:
                yield Static(self.note, id="arm-note")
            with Horizontal(classes="buttons"):
                yield Unfocusable("Arm reverse (Enter)", id="arm-confirm", variant="warning", disabled=True)
                yield Unfocusable("Cancel (Esc)", id="arm-cancel")

    def on_mount(self) -> None:
        self.watch(self.app, "frame", self._show_fallstop)

    def _show_fallstop(self, frame) -> None:
        if frame is None:
            return
        ok, why = frame.snapshot.interlocks.get("fall_stop", (False, "unknown"))
        self.query_one("#arm-fallstop", Readout).show_content(
            Text("Fall-stop switch now: ") + (Text("OK", style="bold green") if ok else Text(why, style="bold red")))

    def action_toggle(self, box_id: str) -> None:
        for box in self.query(f"#{box_id}").results(Checkbox):  # no person box before a fall-stop trip
            box.value = not box.value

    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.query_one("#arm-confirm", Button).disabled = not self._both()

    def _both(self) -> bool:
        return all(box.value for box in self.query(Checkbox))

    def action_confirm(self) -> None:
        if self._both():
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#arm-confirm")
    def _confirm(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#arm-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


class PinDialog(Dialog):
    """Ask for the operator PIN. `check(pin)` answers (ok, message); `new=True` asks twice."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, check: Callable[[str], tuple[bool, str]], *, new: bool = False,
                 lead: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.check = check
        self.new = new
        self.lead = lead

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pin-dialog") as body:
            body.border_title = self.title_text
            if self.lead:
                yield Static(self.lead, classes="lead")
            yield pin_input("pin-1", "PIN")
            if self.new:
                yield pin_input("pin-2", "the same PIN again")
            yield Readout("Enter to confirm, Esc to cancel", id="pin-message")

    def on_mount(self) -> None:
        self.query_one("#pin-1", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        first = self.query_one("#pin-1", Input)
        if self.new and event.input.id == "pin-1":
            self.query_one("#pin-2", Input).focus()
            return
        if self.new and first.value != self.query_one("#pin-2", Input).value:
            self._refuse("the two PINs differ")
            return
        ok, message = self.check(first.value)
        if ok:
            self.dismiss(True)
        else:
            self._refuse(message)

    def _refuse(self, message: str) -> None:
        for box in self.query(Input):
            box.value = ""
        self.query_one("#pin-1", Input).focus()
        widget = self.query_one("#pin-message", Readout)
        widget.show_content(Text(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(False)


class PinInput(Input):
    """A masked field for digits. It claims only digit keys, so that the e-stop key (and every
    other binding) still works while it has the focus: Textual drops any binding, priority
    ones included, for a key the focused widget says it may consume."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isdigit()


def pin_input(id: str, placeholder: str) -> Input:
    box = PinInput(placeholder=placeholder, password=True, restrict=r"[0-9]*", max_length=12, id=id)
    box.cursor_blink = False
    return box


class QuitDialog(Dialog):
    """Confirm quitting; then wait, showing the belt, until the App has brought it to rest."""

    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n,escape", "no", "No")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="quit-dialog") as body:
            body.border_title = "Quit the console"
            yield Readout("Quit? The belt is stopped first.   Y quit · N stay", id="quit-text")

    def action_yes(self) -> None:
        self.query_one("#quit-text", Readout).show_content("Stopping the belt before quitting…")
        self.app.begin_quit()

    def action_no(self) -> None:
        if not self.app.quitting:
            self.dismiss(False)

    def show_progress(self, belt_kmh: float, state: str) -> None:
        self.query_one("#quit-text", Readout).show_content(
            f"Stopping the belt before quitting… {belt_kmh:.1f} km/h ({state})")


class HelpDialog(Dialog):
    """Every key of the console."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog") as body:
            body.border_title = "Keys"
            table = DataTable(id="help-table", cursor_type="none", zebra_stripes=True)
            table.add_columns("Key", "What it does")
            for section, keys in (("", (ESTOP, *MAIN)), ("Simulator panel (I)", SIMULATOR)):
                if section:
                    table.add_row("", Text(section, style="bold"))
                for key in keys:
                    table.add_row(Text(key_names(key), style="bold"), key.help)
            table.add_row("", Text("Locked screen: type the operator PIN, Enter", style="bold"))
            yield table

    def action_close(self) -> None:
        self.dismiss()


def key_names(key: Key) -> str:
    names = {"space": "SPACE", "question_mark": "?", "plus": "+", "minus": "-", "equals_sign": "=",
             "right_square_bracket": "]", "left_square_bracket": "[", "pageup": "PgUp", "pagedown": "PgDn",
             "escape": "Esc", "up": "↑", "down": "↓", "f1": "F1", "shift+up": "Shift+↑", "shift+down": "Shift+↓"}
    return " ".join(names.get(k, k.upper()) for k in key.keys.split(","))


class SessionsDialog(Dialog):
    """The last sessions, newest first (read by the App from the sessions folder)."""

    BINDINGS = [Binding("escape,v", "close", "Close")]

    def __init__(self, sessions: list[dict], folder: str) -> None:
        super().__init__()
        self.sessions = sessions
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sessions-dialog") as body:
            body.border_title = f"Last sessions ({self.folder})"
            table = DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("Started", "Program", "Profile", "Time", "Forward", "Back", "Ended by")
            for s in self.sessions:
                table.add_row(s.get("started", "?"), s.get("program", "?"), s.get("profile", "?"),
                              mmss(s.get("duration_s")), distance(s.get("distance_forward_m", 0.0)),
                              distance(s.get("distance_backward_m", 0.0)), s.get("end_reason", "?"))
            if not self.sessions:
                table.add_row("(none yet)", "", "", "", "", "", "")
            yield table

    def action_close(self) -> None:
        self.dismiss()
