"""The interlock panel and the step panel (which becomes the stop-reason panel after a stop)."""

from __future__ import annotations

from rich.text import Text

from ui.console.text import FALL_STOP, INTERLOCK_LABELS, step_line
from ui.console.widgets.base import Readout

STEP_MODES = ("-step", "-latched", "-stopped", "-complete", "-hr-stop")


class InterlockPanel(Readout):
    """Each interlock green (OK) or red with its reason, then whether reverse is armed."""

    def on_mount(self) -> None:
        self.border_title = "Interlocks"

    def show(self, snap) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        width = max(len(label) for label in INTERLOCK_LABELS.values()) + 1
        first = True
        for name, (ok, why) in snap.interlocks.items():
            if not first:
                text.append("\n")
            first = False
            label = INTERLOCK_LABELS.get(name, name).ljust(width)
            if ok:
                text.append("● ", style="bold green")
                text.append(label)
                text.append("OK", style="bold green")
            else:
                text.append("✖ ", style="bold red")
                why = why or "not OK"
                if why.lower().startswith(label.strip().lower()):  # the reason names it: say it once, whole
                    text.append(why[0].upper() + why[1:], style="bold red")
                    continue
                text.append(label, style="bold")
                text.append(why, style="bold red")
        text.append("\n")
        if snap.reverse_armed:
            text.append("▼ ", style="bold dark_orange")
            text.append("Reverse".ljust(width))
            text.append("ARMED", style="bold dark_orange")
        else:
            text.append("▼ ", style="dim")
            text.append("Reverse".ljust(width), style="dim")
            text.append("not armed" + (" (forward only)" if snap.forward_only else ""), style="dim")
        self.show_content(text)


class StepPanel(Readout):
    """The current step with its cue and the next step; after a stop, why the machine stopped."""

    def show(self, frame, total_steps: int | None = None, *, hr_stop: str | None = None,
             next_guide: tuple[float, tuple[float, float]] | None = None) -> None:
        """`hr_stop`: the reason of a heart-rate stop still current (S13); `next_guide`: the next
        step's target bpm and speed range when it is HR-guided."""
        snap = frame.snapshot
        text = Text(overflow="ellipsis")
        person_first = snap.state in ("estop", "fault") and FALL_STOP in snap.latched_causes
        self.set_class(person_first, "-person-first")
        if snap.state in ("estop", "fault"):
            mode = "-latched"
            title = "E-STOP" if snap.state == "estop" else "FAULT"
            present = [why for ok, why in snap.interlocks.values() if not ok and why]
            if person_first:
                fall_stop_text(text, title, present)
            else:
                text.append(f"{title}: {snap.stop_reason or 'stopped'}\n", style="bold")
                if present:
                    text.append("Still present: " + "; ".join(present) + "\n")
                else:
                    text.append("No cause present now.\n")
                text.append("Clear every cause, then R to reset. Reset alone never moves the belt.")
        elif snap.program_complete and snap.state == "idle":
            mode = "-complete"
            text.append(f"Program complete: {snap.program_name}\n", style="bold")
            text.append("L ends the session and locks the console; O chooses another program.")
        elif hr_stop is not None and snap.state in ("idle", "stopping"):
            mode = "-hr-stop"
            text.append(f"STOPPED FOR THE HEART RATE: {hr_stop}\n", style="bold")
            text.append("Check the person and let them rest. S starts again (a countdown, the start speed).\n")
            if snap.step is not None:
                text.append(f"Step {snap.step.index + 1}: {step_line(snap.step, snap.step_left_s, guide_of(snap))}")
        elif snap.step is not None:
            mode = "-step"
            total = f"/{total_steps}" if total_steps else ""
            text.append(f"Step {snap.step.index + 1}{total}: ", style="bold")
            text.append(step_line(snap.step, snap.step_left_s, guide_of(snap)) + "\n", style="bold")
            text.append(f"“{snap.step.cue}”\n" if snap.step.cue else "(no cue)\n", style="italic")
            text.append("Next: ", style="dim")
            text.append(step_line(snap.next_step, guide=next_guide) if snap.next_step else "end of program",
                        style="dim")
        else:
            mode = "-stopped"
            if snap.program_name is None:
                text.append("Manual mode: ", style="bold")
                text.append(f"target {snap.target_kmh:.1f} km/h. ↑/↓ speed, D direction, O chooses a program.\n")
            else:
                text.append(f"{snap.program_name}\n", style="bold")
            if snap.state == "idle" and snap.stop_reason:
                text.append(f"Stopped: {snap.stop_reason}")
        self.show_content(text)
        self.set_modes(mode, STEP_MODES)


def guide_of(snap) -> tuple[float, tuple[float, float]] | None:
    """The current step's target bpm and speed range when it is HR-guided."""
    if snap.target_hr_bpm is None or snap.hr_speed_range_kmh is None:
        return None
    return snap.target_hr_bpm, snap.hr_speed_range_kmh


def fall_stop_text(text: Text, title: str, present: list[str]) -> None:
    """After a fall-stop trip the person comes first (S8): a switch cannot tell a fall from a
    released harness, and "no cause present" must not read as "all clear"."""
    # three lines, one each (console.tcss: no wrapping), the first two whole at 80 columns
    text.append(f"{title}: fall-stop opened. CHECK THE PERSON FIRST (fall or released harness?)\n", style="bold")
    text.append("Then R to reset. Reverse is disarmed: arming (A) asks for the person check.\n")
    text.append(("Still present: " + "; ".join(present)) if present else "The harness switch reads closed again.")
