"""The program picker: shipped programs and a directory's, a preview of the steps, the profile.

The App hands in the catalog (already read), a `refusal(entry, profile)` function (the
controller's own program check) and, optionally, a `duration(entry, profile)` function (the
program's true length under that profile: controller/duration.py); the picker shows their
answers and returns the choice.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, OptionList
from textual.widgets.option_list import Option

from ui.console.screens.dialogs import Dialog
from ui.console.text import mmss
from ui.console.widgets.base import Readout


class ProgramPicker(Dialog):
    """Returns (entry, profile name) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("tab", "switch", "Program/profile"),
                Binding("enter", "choose", "Load", priority=True)]

    def __init__(self, entries, profiles: dict[str, bool], default_profile: Callable, refusal: Callable,
                 current: str | None, idle: bool, duration: Callable | None = None) -> None:
        super().__init__()
        #: (entry, profile name) -> seconds with the ramps, dwells and countdowns; None: the
        #: steps' own sum is shown
        self.duration = duration
        self.entries = entries
        self.profiles = profiles  # name -> needs the operator PIN
        self.default_profile = default_profile
        self.refusal = refusal
        self.current = current
        self.idle = idle

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog") as body:
            body.border_title = "Program and profile"
            with Horizontal(id="picker-lists"):
                options = []
                for entry in self.entries:
                    label = Text(entry.label)
                    if entry.origin not in ("shipped", "manual"):
                        label.append(f"  ({entry.origin})", style="dim")
                    if entry.error:
                        label.stylize("red")
                    options.append(Option(label))
                yield OptionList(*options, id="picker-programs")
                yield OptionList(*[Option(name + ("  (PIN)" if pin else ""), id=name)
                                   for name, pin in self.profiles.items()], id="picker-profiles")
            yield Readout("", id="picker-info")
            table = DataTable(id="picker-steps", cursor_type="none", zebra_stripes=True)
            table.add_columns("#", "Step", "Dir", "km/h", "Incl", "Time", "Cue")
            yield table
            yield Readout("", id="picker-verdict")

    def on_mount(self) -> None:
        programs = self.query_one("#picker-programs", OptionList)
        start = next((i for i, e in enumerate(self.entries) if e.label == self.current), 0)
        programs.highlighted = start
        programs.focus()
        self._preview(start)

    @on(OptionList.OptionHighlighted, "#picker-programs")
    def _program_moved(self, event: OptionList.OptionHighlighted) -> None:
        self._preview(event.option_index)

    @on(OptionList.OptionHighlighted, "#picker-profiles")
    def _profile_moved(self) -> None:
        self._describe()
        self._verdict()

    def _entry(self):
        index = self.query_one("#picker-programs", OptionList).highlighted
        return self.entries[index or 0]

    def _profile(self) -> str:
        profiles = self.query_one("#picker-profiles", OptionList)
        index = profiles.highlighted or 0
        return list(self.profiles)[index]

    def _preview(self, index: int) -> None:
        entry = self.entries[index]
        profiles = self.query_one("#picker-profiles", OptionList)
        profiles.highlighted = list(self.profiles).index(self.default_profile(entry))
        table = self.query_one("#picker-steps", DataTable)
        table.clear()
        program = entry.program
        if program is not None:
            for step in program.steps:
                speed = f"{step.speed_kmh:.1f}" + (f"→{step.to_speed_kmh:.1f}" if step.to_speed_kmh else "")
                direction = Text("REV", style="bold dark_orange") if step.direction.value == "reverse" else "fwd"
                table.add_row(str(step.index + 1), step.name, direction, speed, f"{step.incline_pct:g}",
                              mmss(step.duration_s), step.cue or "")
        self._describe()
        self._verdict()

    def _describe(self) -> None:
        """The program's line: name, steps, length (under the highlighted profile), reverse."""
        entry = self._entry()
        program = entry.program
        if program is None:
            info = entry.error or "Manual: you set speed (↑/↓) and direction (D); no program clock."
        else:
            reverse = "  ·  runs in REVERSE: needs arming" if program.has_reverse else ""
            length = mmss(program.total_duration_s)
            if self.duration is not None and self.refusal(entry, self._profile()) is None:
                length = f"{mmss(self.duration(entry, self._profile()))} with ramps and countdowns"
            info = (f"{program.name}  ·  {len(program.steps)} steps  ·  {length}"
                    f"{reverse}\n{' '.join((program.description or '').split())}")
        self.query_one("#picker-info", Readout).show_content(info)

    def _verdict(self) -> None:
        reason = self.refusal(self._entry(), self._profile())
        widget = self.query_one("#picker-verdict", Readout)
        if reason:
            widget.show_content(Text(f"Cannot load: {reason}", style="bold red"))
        elif not self.idle:
            widget.show_content(Text("A program loads only while the belt is idle.", style="bold yellow"))
        else:
            pin = "  (the operator PIN will be asked)" if self.profiles[self._profile()] else ""
            widget.show_content(Text(f"Enter loads it with the {self._profile()} profile{pin}. "
                                     "Tab: program/profile. Esc: cancel.", style="green"))

    def action_switch(self) -> None:
        programs = self.query_one("#picker-programs", OptionList)
        profiles = self.query_one("#picker-profiles", OptionList)
        (profiles if programs.has_focus else programs).focus()

    def action_choose(self) -> None:
        if self.refusal(self._entry(), self._profile()) is None:
            self.dismiss((self._entry(), self._profile()))

    def action_cancel(self) -> None:
        self.dismiss(None)
