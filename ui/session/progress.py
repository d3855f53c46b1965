"""The progress sink: the live status line of a real-time `retrotread run`."""

from __future__ import annotations

from typing import IO, Any

from controller.duration import time_left_s
from controller.program import Program
from ui.session.words import describe_event, mmss, starting_line  # the console's words, so both say the same

ARROWS = {"forward": "FORWARD >>", "reverse": "<< REVERSE", "none": "stopped"}
NOTED_EVENTS = ("state", "step", "estop", "fault", "refused", "reset_refused", "program_complete",
                "safety_stop", "hr_warning", "hr_lost", "hr_restored", "hr_adjust")


class ProgressSink:
    """Redraws one status line (on a terminal) and prints notable events above it."""

    def __init__(self, program: Program, out: IO[str], t0_s: float = 0.0, every_s: float = 0.25) -> None:
        self.program = program
        self.out = out
        self.t0_s = t0_s
        self.every_s = every_s
        self.tty = out.isatty()
        self._next_s = 0.0
        self._width = 0
        self._counting = False  # a countdown is on (before a start or a direction change)

    def note(self, t_s: float, text: str) -> None:
        self._clear()
        self.out.write(f"[{mmss(t_s)}] {text}\n")
        self.out.flush()

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "inject":
            self.note(event["t"] - self.t0_s, f"injected {event['name']}")
        elif kind in NOTED_EVENTS:
            self.note(event["t"] - self.t0_s, describe_event(event)[0])

    def on_tick(self, v) -> None:
        t_s = v.now_s - self.t0_s
        coming = self.coming(v)
        if coming is not None and not self._counting:
            self.note(t_s, coming)  # once per countdown, so a log file has it too
        self._counting = coming is not None
        if t_s < self._next_s:
            return
        self._next_s = t_s + (self.every_s if self.tty else 10.0)
        line = self.line(v)
        if self.tty:
            self.out.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    @staticmethod
    def coming(v) -> str | None:
        """During a countdown: 'Starting BACKWARD at 0.8 km/h in 3' (S14), else None."""
        if v.countdown_end_s is None or not (v.state == "countdown" or v.reverse_phase == "countdown"):
            return None
        left_s = max(0.0, v.countdown_end_s - v.now_s)
        return starting_line(v.upcoming_direction.value, v.profile.start_speed_kmh, left_s)

    def line(self, v) -> str:
        steps = self.program.steps
        step = v.step
        t_s = v.now_s - self.t0_s
        direction = ARROWS[v.upcoming_direction.value] if v.state != "idle" else "stopped"
        if step is None:
            where, left = "done", 0.0
        else:
            step_left = max(0.0, step.duration_s - v.step_elapsed_s)
            where = f"step {v.step_index + 1}/{len(steps)} {step.name} ({mmss(step_left)} left)"
            left = time_left_s(v) or 0.0  # ramps, dwells and countdowns included, as the console says
        coming = self.coming(v)
        target = coming if coming is not None else f"target {v.target_kmh:4.1f}"
        return (f"[{mmss(t_s)}] {v.state:<9} {direction:<10} {v.belt_kmh:4.1f} km/h "
                f"({target})  {where}  program {mmss(left)} left")

    def close(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self.tty and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self._width = 0
