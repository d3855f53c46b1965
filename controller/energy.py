"""The energy cost of walking and running on the belt, forward and backward: VO2, MET, kcal.

Pure arithmetic, no I/O. Always an estimate (docs/energy.md has the sources and the table of
published points against this model).

Forward (ACSM, v in m/min, grade as a fraction):
    walking  VO2 = 3.5 + 0.1 v + 1.8 v grade      below 7.0 km/h
    running  VO2 = 3.5 + 0.2 v + 0.9 v grade      from 7.0 km/h
ACSM gives walking for about 50-100 m/min and running above about 134 m/min; 7.0 km/h
(117 m/min) is the middle of that gap.

Backward (Direction.REVERSE), fitted to measured points (docs/energy.md):
    walking  VO2 = 3.5 + 0.21 v + 1.5 v grade     below 5.9 km/h
    running  VO2 = 3.5 + 1.35 (0.2 v + 0.9 v grade)   from 5.9 km/h
5.9 km/h (1.63 m/s) is where people choose to start running backward (Hreljac et al. 2005);
there backward running costs more than backward walking, as they measured.

From the switch speed on, never less than the walking cost at the switch speed (on steep
grades ACSM's running equation is the lower one: forward above 11 %, backward above 21 %).
Grades below 0 count as level (the belt does not decline; ACSM is not for downhill).
"""

from __future__ import annotations

from drivers.base import Direction

REST_VO2_ML_KG_MIN = 3.5  # 1 MET
KCAL_PER_L_O2 = 5.0
DEFAULT_MASS_KG = 70.0
M_PER_MIN_PER_KMH = 1000.0 / 60.0

FORWARD_RUN_FROM_KMH = 7.0
BACKWARD_RUN_FROM_KMH = 5.9

# Backward walking: horizontal and grade coefficients fitted to the measured points.
BACKWARD_WALK_ML_PER_M = 0.21
BACKWARD_WALK_GRADE_ML_PER_M = 1.5
# Backward running: forward running's net cost times this (about +35 % measured).
BACKWARD_RUN_FACTOR = 1.35


def vo2_ml_kg_min(speed_kmh: float, grade_pct: float, direction: Direction) -> float:
    """Oxygen cost in ml/kg/min of moving at `speed_kmh` up `grade_pct` in `direction`."""
    if direction is Direction.NONE or speed_kmh <= 0.0:
        return REST_VO2_ML_KG_MIN
    grade = grade_pct * 0.01 if grade_pct > 0.0 else 0.0
    if direction is Direction.REVERSE:
        walk_per_m = BACKWARD_WALK_ML_PER_M + BACKWARD_WALK_GRADE_ML_PER_M * grade
        run_per_m = BACKWARD_RUN_FACTOR * (0.2 + 0.9 * grade)
        switch_kmh = BACKWARD_RUN_FROM_KMH
    else:
        walk_per_m = 0.1 + 1.8 * grade
        run_per_m = 0.2 + 0.9 * grade
        switch_kmh = FORWARD_RUN_FROM_KMH
    if speed_kmh < switch_kmh:
        return REST_VO2_ML_KG_MIN + walk_per_m * speed_kmh * M_PER_MIN_PER_KMH
    # On steep grades ACSM's running cost is below the walking one (forward above 11 %,
    # backward above 21 %): hold the walking cost of the switch speed until running passes
    # it, so that the cost never drops as the belt speeds up.
    running = run_per_m * speed_kmh * M_PER_MIN_PER_KMH
    walking_at_switch = walk_per_m * switch_kmh * M_PER_MIN_PER_KMH
    return REST_VO2_ML_KG_MIN + (running if running > walking_at_switch else walking_at_switch)


def met(vo2_ml_kg_min: float) -> float:
    """Metabolic equivalents: VO2 over the resting 3.5 ml/kg/min."""
    return vo2_ml_kg_min / REST_VO2_ML_KG_MIN


def kcal(vo2_ml_kg_min: float, mass_kg: float, minutes: float) -> float:
    """Energy in kcal: VO2 x mass x minutes gives ml of O2, at 5 kcal per litre."""
    return vo2_ml_kg_min * mass_kg * minutes * KCAL_PER_L_O2 / 1000.0


class EnergyMeter:
    """Accumulates one session's energy, tick by tick (cheap: plain floats, no allocation)."""

    __slots__ = ("mass_kg", "estimated", "_o2_ml_per_kg", "_time_s")

    def __init__(self, mass_kg: float, estimated: bool) -> None:
        self.mass_kg = mass_kg
        self.estimated = estimated  # True when mass_kg is the 70 kg default, not the person's
        self._o2_ml_per_kg = 0.0
        self._time_s = 0.0

    def add(self, belt_kmh: float, grade_pct: float, direction: Direction, dt_s: float) -> None:
        """Count `dt_s` seconds at this belt speed, grade and direction."""
        self._o2_ml_per_kg += vo2_ml_kg_min(belt_kmh, grade_pct, direction) * dt_s / 60.0
        self._time_s += dt_s

    @property
    def kcal(self) -> float:
        """Energy so far, kcal."""
        return self._o2_ml_per_kg * self.mass_kg * KCAL_PER_L_O2 / 1000.0

    @property
    def met_avg(self) -> float:
        """Time-weighted mean MET over the time added (1.0 before any)."""
        if self._time_s <= 0.0:
            return 1.0
        return self._o2_ml_per_kg * 60.0 / self._time_s / REST_VO2_ML_KG_MIN

    def as_dict(self) -> dict:
        """The summary's `energy` object: kcal, met_avg, mass_kg, estimated."""
        return {"kcal": round(self.kcal, 1), "met_avg": round(self.met_avg, 2),
                "mass_kg": self.mass_kg, "estimated": self.estimated}
