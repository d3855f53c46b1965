"""The summary sink: DESIGN.md's session summary, counted from the measured belt as it runs.

Time and distance per direction, every stop (refusals are not stops: nothing moved), heart
rate, the energy estimate and one entry per executed step. A step's `time_s` is the time the
belt moved during it (as the totals count time), its `avg_kmh` the distance over that time.
Each `step` event starts an executed step (a step stopped and started again restarts, and is
listed twice, as the FIT export's laps are). Belt travel against a step's direction that is
the previous step's (its ramp down before a reversal) counts for the previous step. A session
that begins inside a step without its event (the console's, begun at a countdown) takes that
step from the view at the first tick.

It runs on the control thread (run, the console) 50 times a second and, fed frozen ticks,
behind the recorder's queue: on_tick keeps to plain floats and attributes (180,000 ticks per
simulated hour in `run --fast`).
"""

from __future__ import annotations

from typing import Any

from controller.energy import DEFAULT_MASS_KG, EnergyMeter
from drivers.base import Direction
from drivers.units import KMH_PER_MPS

FORWARD, REVERSE, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE
MOVING_KMH = 0.05  # time counts as walking above this (the controller's standstill)
STOP_EVENTS = ("estop", "fault", "safety_stop")  # safety_stop: S13's controlled stop (not latched)
ENERGY_WINDOW_S = 1.0


class StepTotals:
    """One executed step's figures so far."""

    __slots__ = ("index", "name", "direction", "way", "planned_s", "entered", "time_s", "distance_m",
                 "hr_sum", "hr_n", "hr_max")

    def __init__(self, index: int, name: str | None, direction: str | None, planned_s: float | None,
                 entered: bool) -> None:
        self.index = index
        self.name = name
        self.direction = direction
        self.way = REVERSE if direction == REVERSE.value else FORWARD  # for an identity test per tick
        self.planned_s = planned_s
        self.entered = entered  # by a step event (the first step is taken from the view)
        self.time_s = self.distance_m = self.hr_sum = 0.0
        self.hr_n = 0
        self.hr_max = 0.0

    def as_dict(self) -> dict[str, Any]:
        moving_s = self.time_s
        return {"index": self.index, "name": self.name, "direction": self.direction,
                "planned_s": self.planned_s, "time_s": round(moving_s, 1), "distance_m": round(self.distance_m, 1),
                "avg_kmh": round(self.distance_m / moving_s * KMH_PER_MPS, 2) if moving_s > 0 else 0.0,
                "hr_avg_bpm": round(self.hr_sum / self.hr_n) if self.hr_n else None,
                "hr_max_bpm": round(self.hr_max) if self.hr_n else None}


class SummarySink:
    """Counts fresh readings only: a failed read is no news, and adds no distance."""

    def __init__(self, t0_s: float, *, mass_kg: float | None = None) -> None:
        self.t0_s = t0_s
        # plain floats, not dicts: on_tick runs 180,000 times per simulated hour
        self.forward_m = self.reverse_m = 0.0
        self.forward_s = self.reverse_s = 0.0
        self.stops: list[dict[str, Any]] = []
        self.program_complete = False
        self.hr_sum = self.hr_max = 0.0
        self.hr_n = 0
        self.steps: list[StepTotals] = []
        self._step: StepTotals | None = None
        self._previous: StepTotals | None = None  # its ramp down may run into the next step
        self._seeded = False  # the first step taken from the view
        #: mass_kg: --mass-kg, else the person's; else the default, and the estimate says so
        self.energy = EnergyMeter(DEFAULT_MASS_KG if mass_kg is None else mass_kg, mass_kg is None)
        self._e_way, self._e_grade_pct, self._e_due_s = NONE, 0.0, t0_s  # the energy window (on_tick)
        self._e_kmh_s = self._e_s = 0.0
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
        if kind == "step":
            step = StepTotals(event["index"], event.get("name"), event.get("direction"), event.get("duration_s"), True)
            seeded = self._step
            if seeded is not None and not seeded.entered and seeded.index == step.index and seeded.time_s == 0.0:
                self.steps.pop()  # the step taken from the view, announced now: one step, not two
                self._step = self._previous
            self._open_step(step)
        elif kind in STOP_EVENTS:
            self.stops.append({"time_s": round(event["t"] - self.t0_s, 1), "kind": kind,
                               "reason": event.get("reason")})
        elif kind == "operator_stop":
            self.stops.append({"time_s": round(event["t"] - self.t0_s, 1), "kind": kind,
                               "reason": f"operator stop ({event.get('source', 'operator')})"})
        elif kind == "program_complete":
            self.program_complete = True
        elif kind == "program_loaded":  # the console: another program, whose first step comes from the view
            self._step = None
            self._seeded = False

    def _open_step(self, step: StepTotals) -> None:
        self._previous, self._step = self._step, step
        self.steps.append(step)

    def _seed(self, v) -> None:
        self._seeded = True
        step = getattr(v, "step", None)
        if step is not None and self._step is None:
            self._open_step(StepTotals(step.index, step.name, step.direction.value, step.duration_s, False))

    def on_tick(self, v) -> None:
        now_s = v.now_s
        dt_s = now_s - self._last_tick_s
        self._last_tick_s = now_s
        if not self._seeded:
            self._seed(v)
        status = v.status
        if status is None:
            return
        step = self._step
        hr = getattr(v, "heart_rate_bpm", None)  # a plain tick stand-in may not have it
        if hr is not None:
            self.hr_sum += hr
            self.hr_n += 1
            if hr > self.hr_max:
                self.hr_max = hr
            if step is not None:
                step.hr_sum += hr
                step.hr_n += 1
                if hr > step.hr_max:
                    step.hr_max = hr
        belt_kmh = status.belt_kmh
        direction = status.direction
        grade_pct = status.incline_pct
        # Energy: VO2 is linear in speed for one direction, grade and gait (controller/energy.py),
        # so a second's mean speed costs what its ticks would (but for a ramp across the gait's
        # switch speed); one EnergyMeter.add a second rather than fifty.
        if direction is not self._e_way or grade_pct != self._e_grade_pct or now_s >= self._e_due_s:
            self._add_energy()
            self._e_way, self._e_grade_pct, self._e_due_s = direction, grade_pct, now_s + ENERGY_WINDOW_S
        self._e_kmh_s += belt_kmh * dt_s
        self._e_s += dt_s
        if belt_kmh > 0.0 and direction is not NONE:
            distance_m = belt_kmh / KMH_PER_MPS * dt_s
            moving_s = dt_s if belt_kmh > MOVING_KMH else 0.0
            if direction is REVERSE:
                self.reverse_m += distance_m
                self.reverse_s += moving_s
            else:
                self.forward_m += distance_m
                self.forward_s += moving_s
            if step is not None:
                if direction is not step.way and (previous := self._previous) is not None \
                        and direction is previous.way:
                    step = previous  # the last step's belt still slowing before a reversal
                step.distance_m += distance_m
                step.time_s += moving_s

    def _add_energy(self) -> None:
        if self._e_s > 0.0:
            self.energy.add(self._e_kmh_s / self._e_s, self._e_grade_pct, self._e_way, self._e_s)
        self._e_kmh_s = self._e_s = 0.0

    def close(self) -> None:
        pass

    def as_dict(self) -> dict[str, Any]:
        """The figures of DESIGN.md's summary (the store adds who, what and when)."""
        self._add_energy()
        return {
            "duration_s": round(self.duration_s, 1),
            "forward": {"time_s": round(self.forward_s, 1), "distance_m": round(self.forward_m, 1)},
            "backward": {"time_s": round(self.reverse_s, 1), "distance_m": round(self.reverse_m, 1)},
            "stops": list(self.stops),
            "heart_rate": ({"avg_bpm": round(self.hr_sum / self.hr_n), "max_bpm": round(self.hr_max)}
                           if self.hr_n else None),
            "energy": self.energy.as_dict(),
            "steps": [step.as_dict() for step in self.steps if step.entered or step.time_s > 0.0],
            "program_complete": self.program_complete,
        }

    def stop_lines(self) -> list[str]:
        """Each stop in one line: "12.3 s estop: fall-stop switch open"."""
        return [f"{stop['time_s']:.1f} s {stop['reason']}" if stop["kind"] == "operator_stop"
                else f"{stop['time_s']:.1f} s {stop['kind']}: {stop['reason']}" for stop in self.stops]

    def text(self) -> str:
        """What `run --fast` prints at the end."""
        def mmss(seconds: float) -> str:
            return f"{int(seconds // 60)}:{int(seconds % 60):02d}"

        lines = [
            f"time {mmss(self.duration_s)}",
            f"forward  {self.distance_m['forward']:8.0f} m in {mmss(self.time_s['forward'])}",
            f"backward {self.distance_m['reverse']:8.0f} m in {mmss(self.time_s['reverse'])}",
        ]
        if self.hr_n:
            lines.append(f"heart rate avg {self.hr_sum / self.hr_n:.0f} bpm, max {self.hr_max:.0f} bpm")
        self._add_energy()
        energy = self.energy.as_dict()
        lines.append(f"energy {energy['kcal']:.0f} kcal, {energy['met_avg']:.1f} MET on average "
                     f"(an estimate, for {energy['mass_kg']:g} kg{' assumed' if energy['estimated'] else ''})")
        lines += [f"stop: {stop}" for stop in self.stop_lines()] or ["stops: none"]
        return "\n".join(lines)
