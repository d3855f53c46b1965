"""The live progress line of a real-time `retrotread run`."""

from __future__ import annotations

from typing import IO

from controller.core import Controller
from controller.program import Program
from ui.console.text import describe_event, mmss, starting_line  # the console's words, so both say the same

ARROWS = {"forward": "FORWARD >>", "reverse": "<< REVERSE", "none": "stopped"}
NOTED_EVENTS = ("state", "step", "estop", "fault", "refused", "reset_refused", "program_complete")


class ProgressLine:
    """Redraws one status line (on a terminal) and prints notable events above it."""

    def __init__(self, program: Program, out: IO[str], every_s: float = 0.25) -> None:
        self.program = program
        self.out = out
        self.every_s = every_s
        self.tty = out.isatty()
        self._next_s = 0.0
        self._width = 0
        self._counting = False  # a countdown is on (before a start or a direction change)

    def note(self, t_s: float, text: str) -> None:
        self._clear()
        self.out.write(f"[{mmss(t_s)}] {text}\n")
        self.out.flush()

    def update(self, c: Controller, t_s: float, events: list[dict]) -> None:
        for event in events:
            if event["event"] in NOTED_EVENTS:
                self.note(t_s, describe_event(event)[0])
        coming = self.coming(c)
        if coming is not None and not self._counting:
            self.note(t_s, coming)  # once per countdown, so a log file has it too
        self._counting = coming is not None
        if t_s < self._next_s:
            return
        self._next_s = t_s + (self.every_s if self.tty else 10.0)
        line = self.line(c, t_s)
        if self.tty:
            self.out.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    @staticmethod
    def coming(c: Controller) -> str | None:
        """During a countdown: 'Starting BACKWARD at 0.8 km/h in 3' (S14), else None."""
        if c.countdown_end_s is None or not (c.state == "countdown" or c.reverse_phase == "countdown"):
            return None
        left_s = max(0.0, c.countdown_end_s - c.now_s)
        return starting_line(c.upcoming_direction.value, c.profile.start_speed_kmh, left_s)

    def line(self, c: Controller, t_s: float) -> str:
        steps = self.program.steps
        step = c.step
        belt = c.status.belt_kmh if c.status else 0.0
        direction = ARROWS[c.upcoming_direction.value] if c.state != "idle" else "stopped"
        if step is None:
            where, left = "done", 0.0
        else:
            step_left = max(0.0, step.duration_s - c.step_elapsed_s)
            later = sum(s.duration_s for s in steps[c.step_index + 1:])
            where = f"step {c.step_index + 1}/{len(steps)} {step.name} ({mmss(step_left)} left)"
            left = step_left + later
        coming = self.coming(c)
        target = coming if coming is not None else f"target {c.target_kmh:4.1f}"
        return (f"[{mmss(t_s)}] {c.state:<9} {direction:<10} {belt:4.1f} km/h "
                f"({target})  {where}  program {mmss(left)} left")

    def finish(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.tty and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self._width = 0

