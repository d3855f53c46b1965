"""Ramp functions: pure, one control period at a time.

A ramp moves a commanded value toward a target by at most `rate * dt` per call. When the
target is closer than one step it lands exactly on the target (no overshoot, no creeping),
so a constant target is reached in ceil(distance / (rate * dt)) ticks.
"""

from __future__ import annotations

from drivers.units import KMH_PER_MPS


def step_toward(current: float, target: float, max_step: float) -> float:
    """`current` moved toward `target` by at most `max_step` (>= 0)."""
    if target > current:
        return min(target, current + max_step)
    return max(target, current - max_step)


def ramp_speed_kmh(current_kmh: float, target_kmh: float, accel_mps2: float, decel_mps2: float,
                   dt_s: float) -> float:
    """Next commanded belt speed (km/h, >= 0) for one period of `dt_s`.

    Speeding up is bounded by `accel_mps2`, slowing down by `decel_mps2`. Both are converted
    to km/h per second (x 3.6) and scaled by the period: dv_max = a * 3.6 * dt.
    """
    # comparisons rather than min()/max(): this runs every tick
    if target_kmh >= current_kmh:
        stepped_kmh = current_kmh + accel_mps2 * KMH_PER_MPS * dt_s
        return stepped_kmh if stepped_kmh < target_kmh else target_kmh
    stepped_kmh = current_kmh - decel_mps2 * KMH_PER_MPS * dt_s
    floor_kmh = target_kmh if target_kmh > 0.0 else 0.0
    return stepped_kmh if stepped_kmh > floor_kmh else floor_kmh


def ramp_incline_pct(current_pct: float, target_pct: float, rate_pct_s: float, dt_s: float) -> float:
    """Next commanded incline (%), moving at most `rate_pct_s` per second either way."""
    return step_toward(current_pct, target_pct, rate_pct_s * dt_s)


def progression_kmh(start_kmh: float, end_kmh: float | None, elapsed_s: float, duration_s: float) -> float:
    """Target of a linear progression step: start -> end over the step, held at the ends."""
    if end_kmh is None or duration_s <= 0:
        return start_kmh
    fraction = min(1.0, max(0.0, elapsed_s / duration_s))
    return start_kmh + (end_kmh - start_kmh) * fraction


def stopping_time_s(speed_kmh: float, decel_mps2: float) -> float:
    """Time to ramp from `speed_kmh` to zero at `decel_mps2`: t = v / a, v in m/s."""
    return (speed_kmh / KMH_PER_MPS) / decel_mps2
