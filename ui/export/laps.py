"""A session split into laps, one per executed step, as the trace shows them.

A lap starts at its step's `step` event (a step resumed after a stop has a second event, and a
second lap). Two cases move or make a boundary, as the session summary counts steps:
- a step that turns the belt round: the belt still slowing down the old way belongs to the step
  before, so the new lap starts when the belt has stopped (or already runs the new way);
- a step the trace enters without an event (the console's first step: the program was loaded
  before the trace began): a lap starts where the ticks' `step` changes, named by its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STANDSTILL_KMH = 0.05  # at or below: the belt stands (the controller's and the summary's threshold)


@dataclass(slots=True)
class Lap:
    """One executed step and what the belt did during it."""

    index: int | None  # the step's index in the flattened program (None: a trace without steps)
    name: str
    direction: str  # the step's: forward or reverse ("" until known)
    planned_s: float | None
    start_s: float
    end_s: float = 0.0
    distance_m: float = 0.0
    moving_s: float = 0.0
    max_kmh: float = 0.0
    hr_sum: float = 0.0
    hr_count: int = 0
    hr_max_bpm: int | None = None
    incline_sum: float = 0.0
    ticks: int = 0
    announced: bool = True  # by a step event (else seen first in the ticks)

    @property
    def elapsed_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def hr_avg_bpm(self) -> float | None:
        return self.hr_sum / self.hr_count if self.hr_count else None

    @property
    def label(self) -> str:
        """The step's name with its direction, as a lap is named in the exports."""
        word = {"reverse": "backward", "forward": "forward"}.get(self.direction)
        return f"{self.name} ({word})" if word else self.name


class LapSplitter:
    """Feed it the step events and, per tick, ask which lap the tick belongs to."""

    def __init__(self) -> None:
        self.laps: list[Lap] = []
        self._names: dict[int, str] = {}  # step index -> name, from the step events
        self._pending: dict[str, Any] | None = None  # a step waiting for the belt to stop

    def name_of(self, index: int | None) -> str:
        return "" if index is None else self._names.get(index, _numbered(index))

    def on_step(self, event: dict[str, Any], belt_direction: str, belt_kmh: float) -> None:
        index, t_s = int(event["index"]), float(event["t"])
        self._names[index] = name = str(event.get("name") or _numbered(index))
        step = dict(index=index, name=name, direction=str(event.get("direction") or ""),
                    planned_s=event.get("duration_s"))
        if self._pending is not None:  # the step before never got its belt stopped
            self._open(self._pending, t_s)
            self._pending = None
        if self.laps and not self.laps[-1].announced and self.laps[-1].moving_s == 0.0:
            # ticks before the step's event, the belt standing: they are this step's start
            for key, value in step.items():
                setattr(self.laps[-1], key, value)
            self.laps[-1].announced = True
        elif self.laps and belt_kmh > STANDSTILL_KMH and step["direction"] not in ("", belt_direction):
            self._pending = step
        else:
            self._open(step, t_s)

    def lap_for_tick(self, t_s: float, tick: dict[str, Any], belt_direction: str, belt_kmh: float) -> Lap:
        pending, step = self._pending, tick["step"]
        if pending is not None:
            if belt_kmh <= STANDSTILL_KMH or belt_direction == pending["direction"]:
                self._open(pending, t_s)
                self._pending = None
        elif not self.laps:
            self._open(dict(index=step, name=self.name_of(step) if step is not None else "Session",
                            direction="", planned_s=None, announced=False), t_s)
        elif step is not None and step != self.laps[-1].index:  # entered without an event
            self._open(dict(index=step, name=self.name_of(step), direction="", planned_s=None,
                            announced=False), t_s)
        lap = self.laps[-1]
        if not lap.direction and tick["direction"] != "none":
            lap.direction = tick["direction"]
        return lap

    def finish(self, end_s: float) -> None:
        if self._pending is not None:
            self._open(self._pending, end_s)
            self._pending = None
        self.laps[-1].end_s = end_s

    def _open(self, step: dict[str, Any], t_s: float) -> None:
        if self.laps:
            self.laps[-1].end_s = t_s
        self.laps.append(Lap(**step, start_s=t_s))


def _numbered(index: int) -> str:
    return f"Step {index + 1}"
