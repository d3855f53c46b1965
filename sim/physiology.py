"""The simulated person's heart: heart rate from the oxygen cost of what the belt asks.

Steady state from the ACSM rule that the fraction of heart-rate reserve equals the fraction
of VO2 reserve (%HRR = %VO2R):

    hr_ss_bpm = rest + (vo2 - 3.5) / (vo2max - 3.5) x (max - rest),   at most max

where vo2 is controller.energy.vo2_ml_kg_min of the belt's speed, incline and direction (so
backward costs more than forward at the same speed). The heart follows it with a first-order
lag of TAU_S = 30 s (63 % of a step in 30 s), exactly integrated over each span, so the cost
is one exp() per world advance whatever the span.

The reading is what a chest strap reports: once a second, whole bpm, with seeded noise of
NOISE_SIGMA_BPM (its own random stream, so the belt's speed noise is the same as without a
heart). A fallen person is not walking: the heart relaxes toward rest.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from controller.energy import REST_VO2_ML_KG_MIN, vo2_ml_kg_min
from drivers.base import Direction

TAU_S = 30.0
READING_PERIOD_S = 1.0
NOISE_SIGMA_BPM = 1.0
_SQRT6 = math.sqrt(6.0)  # scales (u1 + u2 - 1), variance 1/6, to unit variance
_NOISE_STREAM = 0x48454152  # "HEAR": the heart's random stream, apart from the belt's


@dataclass(frozen=True, slots=True)
class Fitness:
    """A person's heart: resting and maximum rate, and aerobic capacity."""

    name: str
    vo2max_ml_kg_min: float
    rest_bpm: float
    max_bpm: float

    def steady_bpm(self, vo2_ml_kg_min: float) -> float:
        """The rate the heart settles at for this oxygen cost (%HRR = %VO2R, capped at max)."""
        reserve = (vo2_ml_kg_min - REST_VO2_ML_KG_MIN) / (self.vo2max_ml_kg_min - REST_VO2_ML_KG_MIN)
        if reserve > 1.0:
            reserve = 1.0
        elif reserve < 0.0:
            reserve = 0.0
        return self.rest_bpm + reserve * (self.max_bpm - self.rest_bpm)


FITNESS = {
    "low": Fitness("low", 25.0, 75.0, 180.0),
    "average": Fitness("average", 38.0, 68.0, 185.0),
    "high": Fitness("high", 52.0, 55.0, 190.0),
}
DEFAULT_FITNESS = "average"


def fitness_named(name: str) -> Fitness:
    """The preset called `name`; ValueError naming the known ones otherwise."""
    try:
        return FITNESS[name]
    except KeyError:
        raise ValueError(f"fitness {name!r} must be one of {', '.join(FITNESS)}") from None


class Heart:
    """Heart rate of the simulated person, and the strap's reading of it."""

    __slots__ = ("fitness", "hr_bpm", "reading_bpm", "_next_reading_s", "_uniform",
                 "_last_inputs", "_last_target_bpm", "_last_span_s", "_last_gain")

    def __init__(self, fitness: Fitness | str = DEFAULT_FITNESS, seed: int = 0) -> None:
        self.fitness = fitness_named(fitness) if isinstance(fitness, str) else fitness
        self.hr_bpm = self.fitness.rest_bpm  # the true rate; starts at rest
        self.reading_bpm = float(round(self.hr_bpm))  # what the strap last reported
        self._next_reading_s = READING_PERIOD_S
        self._uniform = random.Random(seed ^ _NOISE_STREAM).random
        # A cruising belt asks the same every tick, and every tick is as long: reuse both.
        self._last_inputs: tuple | None = None
        self._last_target_bpm = self.hr_bpm
        self._last_span_s = 0.0
        self._last_gain = 0.0

    def advance(self, span_s: float, t_s: float, speed_kmh: float, grade_pct: float,
                direction: Direction) -> None:
        """Follow the belt for `span_s` ending at world time `t_s`; take a reading when due."""
        inputs = (speed_kmh, grade_pct, direction)
        if inputs != self._last_inputs:
            self._last_inputs = inputs
            self._last_target_bpm = self.fitness.steady_bpm(
                vo2_ml_kg_min(speed_kmh, grade_pct, direction))
        if span_s != self._last_span_s:
            self._last_span_s = span_s
            self._last_gain = 1.0 - math.exp(-span_s / TAU_S)  # exact for a constant target
        self.hr_bpm += (self._last_target_bpm - self.hr_bpm) * self._last_gain
        if t_s >= self._next_reading_s:
            uniform = self._uniform
            noise_bpm = (uniform() + uniform() - 1.0) * _SQRT6 * NOISE_SIGMA_BPM
            self.reading_bpm = float(round(self.hr_bpm + noise_bpm))
            # The next reading one period after the last one due (a long span takes one).
            self._next_reading_s += READING_PERIOD_S * (
                1 + math.floor((t_s - self._next_reading_s) / READING_PERIOD_S))
