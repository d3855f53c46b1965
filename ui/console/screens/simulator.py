"""The simulator panel: inject the world's events (for training operators and for demos)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ui.console.keys import SIMULATOR
from ui.console.screens.dialogs import Dialog, key_names
from ui.console.widgets.base import Readout

HR_START_BPM, HR_STEP_BPM = 90.0, 10.0


class KeyList(OptionList):
    """The panel's keys, for the mouse. Never focused: a focused OptionList takes ↑/↓ (and
    Enter) for its cursor, and ↑/↓ are the heart-rate keys here."""

    can_focus = False


class SimulatorPanel(Dialog):
    """Each line a key; the panel shows the simulated world's state beside it."""

    BINDINGS = [Binding(k.keys, k.action, k.label) for k in SIMULATOR]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sim-dialog") as body:
            body.border_title = "Simulator · Esc or I closes"
            yield KeyList(*[Option(f"{key_names(k):<10} {k.help}", id=k.action) for k in SIMULATOR
                            if k.action != "close"], id="sim-options")
            yield Readout("", id="sim-world")

    def on_mount(self) -> None:
        self.watch(self.app, "frame", self.show_frame)

    def show_frame(self, frame) -> None:
        if frame is None or frame.sim is None:
            return
        sim = frame.sim
        text = Text("World: ")
        for label, ok, good, bad in (("key", sim.key_in, "in", "OUT"), ("harness", sim.harness_on, "clipped", "OFF"),
                                     ("comms", sim.comms_ok, "ok", "LOST"), ("person", not sim.fallen, "up", "FALLEN")):
            text.append(f"{label} ")
            text.append(good if ok else bad, style="green" if ok else "bold red")
            text.append("  ")
        hr = "--" if sim.heart_rate_bpm is None else f"{sim.heart_rate_bpm:.0f}"
        text.append(f"HR {hr}")
        if not sim.hr_reporting:
            text.append(" strap LOST", style="bold red")
        self.query_one("#sim-world", Readout).show_content(text)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.run_action(event.option.id)

    def _sim(self):
        frame = self.app.frame
        return frame.sim if frame is not None else None

    def action_key(self) -> None:
        sim = self._sim()
        self.app.inject("key-in" if sim is not None and not sim.key_in else "key-out")

    def action_fall(self) -> None:
        self.app.inject("fall")

    def action_harness(self) -> None:
        sim = self._sim()
        self.app.inject("harness-on" if sim is not None and not sim.harness_on else "harness-off")

    def action_comms(self) -> None:
        sim = self._sim()
        self.app.inject("comms-restore" if sim is not None and not sim.comms_ok else "comms-loss")

    def action_drive_fault(self) -> None:
        self.app.inject("drive-fault")

    def action_overspeed(self) -> None:
        self.app.inject("overspeed")

    def action_stall(self) -> None:
        self.app.inject("stall")

    def action_hr_up(self) -> None:
        self._heart_rate(+HR_STEP_BPM)

    def action_hr_down(self) -> None:
        self._heart_rate(-HR_STEP_BPM)

    def action_strap(self) -> None:
        sim = self._sim()
        self.app.inject("hr-restore" if sim is not None and not sim.hr_reporting else "hr-loss")

    def _heart_rate(self, delta_bpm: float) -> None:
        sim = self._sim()
        current = sim.heart_rate_bpm if sim is not None else None
        bpm = HR_START_BPM if current is None else min(240.0, max(30.0, current + delta_bpm))
        self.app.inject("hr", bpm)

    def action_close(self) -> None:
        self.dismiss()
