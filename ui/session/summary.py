"""The summary sink: time and distance per direction, from the measured belt, and every stop."""

from __future__ import annotations

from typing import Any

from drivers.units import KMH_PER_MPS
from drivers.base import Direction

REVERSE, NONE = Direction.REVERSE, Direction.NONE
MOVING_KMH = 0.05  # time counts as walking above this (the controller's standstill)
STOP_EVENTS = ("estop", "fault", "refused", "reset_refused")


class SummarySink:
    """Counts fresh readings only: a failed read is no news, and adds no distance."""

    def __init__(self, t0_s: float) -> None:
        self.t0_s = t0_s
        # plain floats, not dicts: on_tick runs 180,000 times per simulated hour
        self.forward_m = self.reverse_m = 0.0
        self.forward_s = self.reverse_s = 0.0
        self.stops: list[str] = []
        self._last_tick_s = t0_s

    @property
    def duration_s(self) -> float:
        return self._last_tick_s - self.t0_s

    @property
    def distance_m(self) -> dict[str, float]:
        return {"forward": self.forward_m, "reverse": self.reverse_m}

    @property
    def time_s(self) -> dict[str, float]:
        return {"forward": self.forward_s, "reverse": self.reverse_s}

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
        status = v.status
        if status is None:
            return
        belt_kmh = status.belt_kmh
        if belt_kmh > 0.0:
            direction = status.direction
            if direction is REVERSE:
                self.reverse_m += belt_kmh / KMH_PER_MPS * dt_s
                if belt_kmh > MOVING_KMH:
                    self.reverse_s += dt_s
            elif direction is not NONE:
                self.forward_m += belt_kmh / KMH_PER_MPS * dt_s
                if belt_kmh > MOVING_KMH:
                    self.forward_s += dt_s

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
