"""controller/energy.py against the published points it was fitted to, ACSM, and its own arithmetic."""

from __future__ import annotations

import pytest

from controller.energy import (BACKWARD_RUN_FROM_KMH, DEFAULT_MASS_KG, FORWARD_RUN_FROM_KMH,
                               EnergyMeter, kcal, met, vo2_ml_kg_min)
from drivers.base import Direction

F, R = Direction.FORWARD, Direction.REVERSE
MPH_KMH = 1.609344
M_MIN_KMH = 0.06  # 1 m/min in km/h

# Measured backward costs, absolute (ml/kg/min): (source, speed_kmh, grade_pct, vo2).
BACKWARD_POINTS = [
    ("REFERENCE.md backward walking numbers: 5 km/h, 23.6 ml/kg/min", 5.0, 0.0, 23.6),
    ("Ainsworth et al. 2011 Compendium 17320: backward 3.5 mph level, 6.0 MET "
     "(Chaloupka et al. 1997's protocol, 93.8 m/min)", 3.5 * MPH_KMH, 0.0, 6.0 * 3.5),
    ("Ainsworth et al. 2011 Compendium 17325: backward 3.5 mph 5 %, 8.0 MET "
     "(Chaloupka et al. 1997's protocol)", 3.5 * MPH_KMH, 5.0, 8.0 * 3.5),
]

# Measured ratios of net cost (VO2 - 3.5), backward running over forward running.
RUNNING_RATIO_POINTS = [
    ("Wright & Weyand 2001: backward running 35 % above forward at 3.0 m/s, level", 10.8, 0.0, 1.35),
    ("Rasica et al. 2020: backward running +35 % on average over 0-25 %: level", 10.0, 0.0, 1.35),
    ("Rasica et al. 2020: ... at 10 % (the abstract gives no speed; 10 km/h here)", 10.0, 10.0, 1.35),
    ("Rasica et al. 2020: ... at 25 %", 10.0, 25.0, 1.35),
]


def _net(vo2: float) -> float:
    return vo2 - 3.5


@pytest.mark.parametrize("source, speed_kmh, grade_pct, measured", BACKWARD_POINTS,
                         ids=[row[0][:40] for row in BACKWARD_POINTS])
def test_backward_model_within_15_percent_of_each_measured_point(source, speed_kmh, grade_pct,
                                                                 measured):
    model = vo2_ml_kg_min(speed_kmh, grade_pct, R)
    assert model == pytest.approx(measured, rel=0.15), source


@pytest.mark.parametrize("source, speed_kmh, grade_pct, ratio", RUNNING_RATIO_POINTS,
                         ids=[row[0][:40] for row in RUNNING_RATIO_POINTS])
def test_backward_running_over_forward_within_15_percent(source, speed_kmh, grade_pct, ratio):
    model = _net(vo2_ml_kg_min(speed_kmh, grade_pct, R)) / _net(vo2_ml_kg_min(speed_kmh, grade_pct, F))
    assert model == pytest.approx(ratio, rel=0.15), source


def test_flynn_1994_backward_running_over_backward_walking_vo2peak_fraction():
    # Flynn et al. 1994: backward at 107.2 m/min was 60 % of VO2peak, at 160.8 m/min 84 %.
    ratio = vo2_ml_kg_min(160.8 * M_MIN_KMH, 0.0, R) / vo2_ml_kg_min(107.2 * M_MIN_KMH, 0.0, R)
    assert ratio == pytest.approx(84 / 60, rel=0.15)


@pytest.mark.parametrize("speed_kmh, grade_pct, expected", [
    (3.0, 0.0, 3.5 + 0.1 * 50.0),
    (5.0, 0.0, 3.5 + 0.1 * 5000 / 60),
    (6.0, 10.0, 3.5 + 0.1 * 100.0 + 1.8 * 100.0 * 0.10),
    (12.0, 0.0, 3.5 + 0.2 * 200.0),
    (9.0, 5.0, 3.5 + 0.2 * 150.0 + 0.9 * 150.0 * 0.05),
])
def test_forward_is_acsm_exactly(speed_kmh, grade_pct, expected):
    assert vo2_ml_kg_min(speed_kmh, grade_pct, F) == pytest.approx(expected, rel=1e-12)


def test_forward_switches_from_walking_to_running_at_the_threshold():
    below = FORWARD_RUN_FROM_KMH - 1e-9
    v_m_min = FORWARD_RUN_FROM_KMH * 1000 / 60
    assert vo2_ml_kg_min(below, 0.0, F) == pytest.approx(3.5 + 0.1 * v_m_min)
    assert vo2_ml_kg_min(FORWARD_RUN_FROM_KMH, 0.0, F) == pytest.approx(3.5 + 0.2 * v_m_min)


def test_rest_when_stopped_or_no_direction():
    assert vo2_ml_kg_min(0.0, 0.0, F) == 3.5
    assert vo2_ml_kg_min(0.0, 10.0, R) == 3.5
    assert vo2_ml_kg_min(5.0, 5.0, Direction.NONE) == 3.5


@pytest.mark.parametrize("grade_pct", [0.0, 5.0, 10.0, 15.0])
def test_backward_costs_more_than_forward_at_every_walking_speed(grade_pct):
    speeds = [0.1 * i for i in range(1, int(BACKWARD_RUN_FROM_KMH * 10))]
    for speed_kmh in speeds:
        assert vo2_ml_kg_min(speed_kmh, grade_pct, R) > vo2_ml_kg_min(speed_kmh, grade_pct, F), speed_kmh


def test_backward_running_at_the_transition_costs_more_than_walking_there():
    # Hreljac et al. 2005: at the preferred transition speed VO2 was greater running.
    walking = vo2_ml_kg_min(BACKWARD_RUN_FROM_KMH - 1e-9, 0.0, R)
    running = vo2_ml_kg_min(BACKWARD_RUN_FROM_KMH, 0.0, R)
    assert running > walking


@pytest.mark.parametrize("direction", [F, R])
def test_monotonic_in_speed_and_grade(direction):
    speeds = [0.05 * i for i in range(0, 401)]  # 0-20 km/h
    grades = [0.5 * i for i in range(0, 51)]  # 0-25 % (the simulated belt goes to 25 %)
    for grade_pct in grades:
        costs = [vo2_ml_kg_min(s, grade_pct, direction) for s in speeds]
        assert all(b >= a for a, b in zip(costs, costs[1:])), grade_pct
    for speed_kmh in speeds[1:]:
        costs = [vo2_ml_kg_min(speed_kmh, g, direction) for g in grades]
        assert all(b > a for a, b in zip(costs, costs[1:])), speed_kmh


def test_met_and_kcal_arithmetic():
    assert met(3.5) == 1.0
    assert met(35.0) == pytest.approx(10.0)
    # 35 ml/kg/min x 80 kg x 30 min = 84 l of O2 = 420 kcal
    assert kcal(35.0, 80.0, 30.0) == pytest.approx(420.0)
    assert kcal(35.0, 80.0, 0.0) == 0.0


def test_meter_accumulates_ticks_and_time_weights_the_mean_met():
    meter = EnergyMeter(80.0, estimated=False)
    for _ in range(3000):  # 60 s at 50 Hz, backward at 4 km/h
        meter.add(4.0, 0.0, R, 0.02)
    for _ in range(6000):  # 120 s standing
        meter.add(0.0, 0.0, Direction.NONE, 0.02)
    walking = vo2_ml_kg_min(4.0, 0.0, R)
    expected_kcal = kcal(walking, 80.0, 1.0) + kcal(3.5, 80.0, 2.0)
    assert meter.kcal == pytest.approx(expected_kcal, rel=1e-9)
    assert meter.met_avg == pytest.approx((met(walking) * 60 + 1.0 * 120) / 180, rel=1e-9)
    assert meter.as_dict() == {"kcal": round(expected_kcal, 1), "met_avg": round(meter.met_avg, 2),
                               "mass_kg": 80.0, "estimated": False}


def test_meter_default_mass_is_flagged_as_an_estimate():
    meter = EnergyMeter(DEFAULT_MASS_KG, estimated=True)
    assert meter.as_dict() == {"kcal": 0.0, "met_avg": 1.0, "mass_kg": 70.0, "estimated": True}
