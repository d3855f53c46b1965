"""A session's trace read once, as the exports need it: one row per second and one lap per
executed step (ui/export/laps.py).

The trace (docs/run.md) has a tick line per control period (50 Hz) and event lines. Distance is
the belt's: the measured `belt_kmh` integrated over each tick's period (the period since the tick
before, as the summary sink counts it), in the belt's direction. A tick's `direction` is the run
command's, `none` while the belt is not driven (during a ramp-down after an e-stop, the dwell of a
reversal); the belt keeps turning the way it was last driven, so that is the direction its
distance counts in.

Rows are sampled at whole seconds: row k holds the first tick at or after k seconds (the totals up
to that tick); when the last tick falls between two whole seconds, one more row at the next whole
second holds the final totals, so the last row always carries the session's distance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from drivers.units import KMH_PER_MPS
from ui.export.laps import STANDSTILL_KMH, Lap, LapSplitter

__all__ = ["BadTrace", "Lap", "Second", "TraceSeconds", "mean_moving_kmh"]
_EPS_S = 1e-6  # trace times have 3 decimals; a tick at 1.000 s is the sample for second 1


class BadTrace(ValueError):
    """The trace cannot be exported: no tick at all, or a line without the fields it needs."""


@dataclass(slots=True)
class Second:
    """One row per second of the session (the CSV's columns, and a FIT record's values)."""

    elapsed_s: int
    state: str
    direction: str  # the belt's: forward, reverse, or none at standstill
    speed_kmh: float  # measured belt speed
    target_kmh: float
    incline_pct: float
    heart_rate_bpm: int | None
    distance_forward_m: float
    distance_backward_m: float
    step: int | None
    step_name: str

    @property
    def distance_m(self) -> float:
        """Belt distance in both directions."""
        return self.distance_forward_m + self.distance_backward_m


@dataclass
class _Totals:
    forward_m: float = 0.0
    backward_m: float = 0.0
    moving_s: dict[str, float] = field(default_factory=lambda: {"forward": 0.0, "reverse": 0.0})
    moving_m: dict[str, float] = field(default_factory=lambda: {"forward": 0.0, "reverse": 0.0})


class TraceSeconds:
    """Iterate for the 1 Hz rows; once iterated, `laps`, `end_s` and the totals are complete."""

    def __init__(self, trace: Iterable[dict[str, Any]]) -> None:
        self._trace = trace
        self._splitter = LapSplitter()
        self.laps = self._splitter.laps
        self.end_s = 0.0
        self.totals = _Totals()
        self._belt_direction = "forward"  # before any command: counted forward (noise only)
        self._belt_kmh = 0.0
        self._sample: tuple = ()  # the last tick's values, parsed

    def __iter__(self) -> Iterator[Second]:
        next_k = 0
        previous_t = None
        for number, line in enumerate(self._trace, start=1):
            try:
                if "event" in line:
                    if line["event"] == "step":
                        self._splitter.on_step(line, self._belt_direction, self._belt_kmh)
                    continue
                t_s = float(line["t"])
                self._on_tick(line, t_s, previous_t)
            except (KeyError, TypeError, ValueError) as exc:
                raise BadTrace(f"trace line {number}: {type(exc).__name__}: {exc}") from None
            previous_t = t_s
            while next_k <= t_s + _EPS_S:
                yield self._row(next_k)
                next_k += 1
        if previous_t is None:
            raise BadTrace("the session's trace has no ticks: nothing to export")
        if previous_t > next_k - 1 + _EPS_S:  # the last tick came after the last whole second
            yield self._row(next_k)
        self.end_s = previous_t
        self._splitter.finish(previous_t)

    def _on_tick(self, tick: dict[str, Any], t_s: float, previous_t: float | None) -> None:
        belt_kmh, incline_pct = float(tick["belt_kmh"]), float(tick["incline_pct"])
        hr, step = tick["heart_rate_bpm"], tick["step"]
        hr_bpm = None if hr is None else int(round(hr))
        self._sample = (tick["state"], belt_kmh, float(tick["target_kmh"]), incline_pct, hr_bpm, step)
        if tick["direction"] != "none":
            self._belt_direction = tick["direction"]
        self._belt_kmh = belt_kmh
        lap = self._splitter.lap_for_tick(t_s, tick, self._belt_direction, belt_kmh)
        dt_s = 0.0 if previous_t is None else t_s - previous_t
        metres = belt_kmh / KMH_PER_MPS * dt_s
        totals = self.totals
        if self._belt_direction == "reverse":
            totals.backward_m += metres
        else:
            totals.forward_m += metres
        lap.distance_m += metres
        if belt_kmh > STANDSTILL_KMH:
            lap.moving_s += dt_s
            totals.moving_s[self._belt_direction] += dt_s
            totals.moving_m[self._belt_direction] += metres
        lap.max_kmh = max(lap.max_kmh, belt_kmh)
        lap.incline_sum += incline_pct
        lap.ticks += 1
        if hr_bpm is not None:
            lap.hr_sum += hr_bpm
            lap.hr_count += 1
            lap.hr_max_bpm = hr_bpm if lap.hr_max_bpm is None else max(lap.hr_max_bpm, hr_bpm)

    def _row(self, k: int) -> Second:
        state, belt_kmh, target_kmh, incline_pct, hr_bpm, step = self._sample
        return Second(
            elapsed_s=k, state=state, direction=self._belt_direction if belt_kmh > STANDSTILL_KMH else "none",
            speed_kmh=belt_kmh, target_kmh=target_kmh, incline_pct=incline_pct, heart_rate_bpm=hr_bpm,
            distance_forward_m=self.totals.forward_m, distance_backward_m=self.totals.backward_m,
            step=step, step_name=self._splitter.name_of(step))


def mean_moving_kmh(totals: _Totals, direction: str) -> float:
    """Mean belt speed while moving in `direction` (0 when it never moved that way)."""
    moving_s = totals.moving_s[direction]
    return totals.moving_m[direction] / moving_s * KMH_PER_MPS if moving_s > 0 else 0.0
