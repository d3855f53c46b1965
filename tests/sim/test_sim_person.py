"""The person on the deck, the safety key's tether, falls and the fall-stop switch."""

from __future__ import annotations

import pytest

from controller.ramps import ramp_speed_kmh
from drivers.base import Direction, DriveCommand, DriveStatus
from sim.person import GET_UP_AFTER_STANDSTILL_S, START_POSITION_M
from sim.world import SimWorld

DT_S = 0.02
FWD, REV, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE
STOP = DriveCommand(False, NONE, 0.0)


def run_cmd(world: SimWorld, cmd: DriveCommand, seconds: float) -> list[DriveStatus]:
    """Advance `seconds` at 50 Hz: read, then write `cmd`, each tick."""
    statuses = []
    for _ in range(round(seconds / DT_S)):
        t_s = world.t_s + DT_S
        world.advance_to(t_s)
        statuses.append(world.status())
        world.apply_command(cmd, t_s)
    return statuses


def ramp_to(world: SimWorld, direction: Direction, speed_kmh: float, accel_mps2: float,
            seconds: float) -> list[float]:
    """Ramp the command like the controller would; the person's positions, per tick."""
    command_kmh = 0.0
    positions = []
    for _ in range(round(seconds / DT_S)):
        command_kmh = ramp_speed_kmh(command_kmh, speed_kmh, accel_mps2, accel_mps2, DT_S)
        run_cmd(world, DriveCommand(True, direction, command_kmh), DT_S)
        positions.append(world.person_position_m)
    return positions


def test_person_starts_at_home_with_the_key_in():
    world = SimWorld()
    assert world.person_position_m == START_POSITION_M
    assert world.status() == DriveStatus(0.0, NONE, False, 0, True, True, 0.0, 68.0)  # at rest, average


@pytest.mark.parametrize("direction, speed_kmh, accel_mps2", [
    (FWD, 16.0, 0.45), (REV, 5.5, 0.25), (FWD, 20.0, 0.8), (REV, 16.0, 0.5),
])
def test_profile_ramps_keep_the_walker_near_home(direction, speed_kmh, accel_mps2):
    world = SimWorld()
    positions = ramp_to(world, direction, speed_kmh, accel_mps2, 40.0)
    assert max(abs(p - START_POSITION_M) for p in positions) < 0.35
    assert world.status().safety_key


def test_hard_start_forward_drifts_the_walker_back_and_pulls_the_key():
    world = SimWorld()
    world.belt.drive_accel_mps2 = 3.0  # a drive with a much quicker ramp than any profile
    statuses = run_cmd(world, DriveCommand(True, FWD, 10.0), 3.0)
    assert world.person_position_m > world.tether_reach_m
    assert statuses[0].safety_key and not statuses[-1].safety_key
    # Once pulled the key stays out, even after the walker has recovered and the belt stops.
    statuses = run_cmd(world, STOP, 15.0)
    assert world.person_position_m == pytest.approx(START_POSITION_M, abs=0.05)
    assert not statuses[-1].safety_key
    world.inject("key-in")
    assert world.status().safety_key


def test_hard_start_in_reverse_drifts_the_walker_toward_the_console():
    world = SimWorld()
    run_cmd(world, DriveCommand(True, REV, 5.0), 2.0)
    assert world.person_position_m < START_POSITION_M - 0.2
    assert world.status().safety_key


def test_fall_into_the_harness_opens_the_switch_after_the_sensor_delay():
    world = SimWorld()
    ramp_to(world, FWD, 3.0, 0.45, 10.0)
    position_m = world.person_position_m
    world.inject("fall")
    assert world.person_fallen
    cmd = DriveCommand(True, FWD, 3.0)
    statuses = run_cmd(world, cmd, 0.14)
    assert all(s.fall_stop is True for s in statuses)
    statuses = run_cmd(world, cmd, 0.04)
    assert statuses[-1].fall_stop is False
    # Hanging in the harness: the belt runs on underneath, the person stays put.
    statuses = run_cmd(world, cmd, 3.0)
    assert all(s.fall_stop is False for s in statuses)
    assert world.person_position_m == position_m
    assert statuses[-1].safety_key


def test_fall_sensor_delay_comes_from_the_world():
    world = SimWorld(fall_sensor_delay_s=0.5)
    world.inject("fall")
    run_cmd(world, STOP, 0.46)
    assert world.status().fall_stop is True
    run_cmd(world, STOP, 0.06)
    assert world.status().fall_stop is False


def test_fall_without_harness_in_forward_mode_carries_the_person_to_the_tether():
    world = SimWorld()
    ramp_to(world, FWD, 3.0, 0.45, 10.0)
    world.inject("harness-off")
    assert world.status().fall_stop is False  # unclipped: the switch reads open
    world.inject("fall")
    statuses = run_cmd(world, DriveCommand(True, FWD, 3.0), 2.0)
    # 3 km/h carries them 0.83 m/s toward the rear: the 1.1 m tether goes in about 0.6 s.
    assert not statuses[-1].safety_key
    assert world.person_position_m > world.tether_reach_m


def test_fall_without_a_sensor_fitted_reports_none_and_pulls_the_key():
    world = SimWorld(fall_stop_fitted=False)
    assert world.status().fall_stop is None
    ramp_to(world, FWD, 3.0, 0.45, 10.0)
    world.inject("fall")
    statuses = run_cmd(world, DriveCommand(True, FWD, 3.0), 2.0)
    assert all(s.fall_stop is None for s in statuses)
    assert not statuses[-1].safety_key


def test_fall_in_reverse_without_harness_carries_the_person_to_the_console():
    world = SimWorld(fall_stop_fitted=False)
    ramp_to(world, REV, 2.0, 0.25, 10.0)
    world.inject("fall")
    run_cmd(world, DriveCommand(True, REV, 2.0), 3.0)
    assert world.person_position_m == 0.0
    assert world.status().safety_key


def test_fallen_person_gets_up_after_three_seconds_of_standstill():
    world = SimWorld()
    ramp_to(world, FWD, 3.0, 0.45, 10.0)
    world.inject("fall")
    while world.belt_velocity_kmh_signed != 0.0:  # the drive's ramp stop
        run_cmd(world, STOP, DT_S)
    run_cmd(world, STOP, GET_UP_AFTER_STANDSTILL_S - 0.1)
    assert world.person_fallen and world.status().fall_stop is False
    run_cmd(world, STOP, 0.2)
    assert not world.person_fallen
    assert world.status().fall_stop is True  # harness still clipped: the switch closes


def test_distances_count_the_belt_in_each_mode():
    world = SimWorld()
    run_cmd(world, DriveCommand(True, FWD, 3.6), 10.0)  # about 1 m/s
    run_cmd(world, STOP, 5.0)
    forward_m = world.distance_forward_m
    assert 9.0 < forward_m < 11.0
    assert world.distance_reverse_m == 0.0
    run_cmd(world, DriveCommand(True, REV, 1.8), 10.0)
    run_cmd(world, STOP, 5.0)
    assert world.distance_forward_m == forward_m
    assert 4.0 < world.distance_reverse_m < 5.5
