"""Ramps: rate limits per direction, exact landing on the target, progressions."""

import math

import pytest
from hypothesis import given, strategies as st

from controller.ramps import (
    KMH_PER_MPS,
    progression_kmh,
    ramp_incline_pct,
    ramp_speed_kmh,
    step_toward,
    stopping_time_s,
)

DT = 0.02


def test_accelerates_at_the_limit_then_lands_exactly():
    speed, ticks = 0.8, 0
    while speed < 3.0:
        nxt = ramp_speed_kmh(speed, 3.0, 0.45, 0.6, DT)
        assert nxt - speed <= 0.45 * KMH_PER_MPS * DT + 1e-12
        speed, ticks = nxt, ticks + 1
    assert speed == 3.0
    # 2.2 km/h at 1.62 km/h/s takes 1.358 s -> 68 ticks
    assert ticks == math.ceil((3.0 - 0.8) / (0.45 * KMH_PER_MPS * DT))


def test_decelerates_with_the_decel_limit_not_the_accel_limit():
    assert ramp_speed_kmh(5.0, 0.0, 0.25, 0.6, DT) == pytest.approx(5.0 - 0.6 * 3.6 * DT)


def test_never_goes_negative():
    assert ramp_speed_kmh(0.01, 0.0, 0.45, 1.2, DT) == 0.0


def test_incline_rate():
    assert ramp_incline_pct(0.0, 5.0, 1.0, DT) == pytest.approx(0.02)
    assert ramp_incline_pct(5.0, 0.0, 0.5, 1.0) == pytest.approx(4.5)
    assert ramp_incline_pct(4.99, 5.0, 1.0, 1.0) == 5.0


def test_progression_is_linear_and_held_at_the_ends():
    assert progression_kmh(1.0, 2.0, 0.0, 100) == 1.0
    assert progression_kmh(1.0, 2.0, 50.0, 100) == pytest.approx(1.5)
    assert progression_kmh(1.0, 2.0, 150.0, 100) == 2.0
    assert progression_kmh(1.0, None, 50.0, 100) == 1.0


def test_stopping_time():
    assert stopping_time_s(3.6, 1.0) == pytest.approx(1.0)


@given(st.floats(0, 25), st.floats(0, 25), st.floats(0.05, 1.5), st.floats(0.1, 3.0), st.floats(0.001, 0.1))
def test_one_step_never_exceeds_its_rate_and_never_overshoots(current, target, accel, decel, dt):
    nxt = ramp_speed_kmh(current, target, accel, decel, dt)
    assert nxt >= 0.0
    if target >= current:
        assert current <= nxt <= target
        assert nxt - current <= accel * KMH_PER_MPS * dt + 1e-9
    else:
        assert target <= nxt <= current
        assert current - nxt <= decel * KMH_PER_MPS * dt + 1e-9


@given(st.floats(-50, 50), st.floats(-50, 50), st.floats(0, 10))
def test_step_toward_moves_at_most_max_step(current, target, max_step):
    nxt = step_toward(current, target, max_step)
    assert abs(nxt - current) <= max_step + 1e-9
    assert min(current, target) - 1e-9 <= nxt <= max(current, target) + 1e-9
