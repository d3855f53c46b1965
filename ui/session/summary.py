"""The summary sink: time and distance per direction, from the measured belt, and every stop."""

from __future__ import annotations

from typing import Any

from drivers.units import KMH_PER_MPS
from drivers.base import Direction

MOVING_KMH = 0.05  # time counts as walking above this (the controller's standstill)
STOP_EVENTS = ("estop", "fault", "refused", "reset_refused")


class SummarySink:
    """Counts fresh readings only: a failed read is no news, and adds no distance."""

    def __init__(self, t0_s: float) -> None:
        self.t0_s = t0_s
        self.duration_s = 0.0
        self.distance_m = {"forward": 0.0, "reverse": 0.0}
        self.time_s = {"forward": 0.0, "reverse": 0.0}
        self.stops: list[str] = []
        self._last_tick_s = t0_s

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind in STOP_EVENTS:
            self.stops.append(f"{event['t'] - self.t0_s:.1f} s {kind}: {event['reason']}")
        elif kind == "operator_stop":
            self.stops.append(f"{event['t'] - self.t0_s:.1f} s operator stop")

    def on_tick(self, v) -> None:
        now_s = v.now_s
        dt_s = now_s - self._last_tick_s
        self._last_tick_s = now_s
        self.duration_s = now_s - self.t0_s
        status = v.status
        if status is not None and status.belt_kmh > 0.0 and status.direction is not Direction.NONE:
            key = "reverse" if status.direction is Direction.REVERSE else "forward"
            self.distance_m[key] += status.belt_kmh / KMH_PER_MPS * dt_s
            if status.belt_kmh > MOVING_KMH:
                self.time_s[key] += dt_s

    def close(self) -> None:
        pass

    def text(self) -> str:
        """What `run --fast` prints at the end."""
        def mmss(seconds: float) -> str:
            return f"{int(seconds // 60)}:{int(seconds % 60):02d}"

        lines = [
            f"time {mmss(self.duration_s)}",
            f"forward  {self.distance_m['forward']:8.0f} m in {mmss(self.time_s['forward'])}",
            f"backward {self.distance_m['reverse']:8.0f} m in {mmss(self.time_s['reverse'])}",
        ]
        lines += [f"stop: {stop}" for stop in self.stops] or ["stops: none"]
        return "\n".join(lines)
