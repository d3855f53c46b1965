"""The simulated drive and belt: ramps, stops, watchdog, injected faults, measurement."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.ramps import ramp_speed_kmh
from drivers.base import Direction, DriveCommand, DriveStatus, StopMode
from sim.belt import (COAST_DECEL_MPS2, FACTORY_STOP_DECEL_MPS2, FAULT_COMM_LOSS, FAULT_DRIVE,
                      MAX_STOP_DECEL_MPS2)
from sim.world import SimWorld

DT_S = 0.02
FWD, REV, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE


def run_cmd(world: SimWorld, cmd: DriveCommand | None, seconds: float) -> list[DriveStatus]:
    """Advance `seconds` at 50 Hz, writing `cmd` every tick (None: write nothing).

    Like the control loop, each tick reads before it writes: the first status returned
    predates `cmd`.
    """
    statuses = []
    for _ in range(round(seconds / DT_S)):
        t_s = world.t_s + DT_S
        world.advance_to(t_s)
        statuses.append(world.status())
        if cmd is not None:
            world.apply_command(cmd, t_s)
    return statuses


def cruising(speed_kmh: float = 10.0, direction: Direction = FWD, seed: int = 0) -> SimWorld:
    """A world whose belt runs steadily at `speed_kmh`, reached through a profile's ramp."""
    world = SimWorld(seed=seed)
    command_kmh = 0.0
    for _ in range(round(10.0 / DT_S)):
        command_kmh = ramp_speed_kmh(command_kmh, speed_kmh, 0.8, 0.8, DT_S)
        run_cmd(world, DriveCommand(True, direction, command_kmh), DT_S)
    assert world.status().safety_key  # a profile's ramp leaves the walker's key in
    return world


def stop_time_s(world: SimWorld, cmd: DriveCommand, limit_s: float = 20.0) -> float:
    """Seconds until the belt reads 0 with the drive no longer running."""
    t0_s = world.t_s
    while world.t_s - t0_s < limit_s:
        status = run_cmd(world, cmd, DT_S)[0]
        if status.belt_kmh == 0.0 and not status.running:
            return world.t_s - t0_s
    raise AssertionError("belt did not stop")


def test_belt_follows_a_ramped_command_and_reaches_speed():
    world = SimWorld()
    command_kmh = 0.0
    for _ in range(round(8.0 / DT_S)):
        command_kmh = ramp_speed_kmh(command_kmh, 6.0, 0.45, 0.6, DT_S)
        status = run_cmd(world, DriveCommand(True, FWD, command_kmh), DT_S)[0]
        # The drive's lag (tau 0.1 s) keeps the belt just behind a 0.45 m/s^2 ramp.
        assert status.belt_kmh == pytest.approx(command_kmh, abs=0.35)
    assert status.running and status.direction is FWD
    assert status.belt_kmh == pytest.approx(6.0, abs=0.1)
    assert world.belt_velocity_kmh_signed == pytest.approx(6.0, abs=1e-6)


def test_reverse_is_reported_as_a_direction_never_a_negative_speed():
    world = SimWorld()
    statuses = run_cmd(world, DriveCommand(True, REV, 4.0), 6.0)
    assert all(s.belt_kmh >= 0.0 for s in statuses)
    assert statuses[-1].direction is REV
    assert statuses[-1].belt_kmh == pytest.approx(4.0, abs=0.1)
    assert world.belt_velocity_kmh_signed == pytest.approx(-4.0, abs=1e-6)
    stopping = run_cmd(world, DriveCommand(False, NONE, 0.0), 5.0)
    assert all(s.belt_kmh >= 0.0 for s in stopping)
    assert stopping[-1]._replace(heart_rate_bpm=None) == DriveStatus(0.0, NONE, False)  # the heart: test_sim_heart.py


def test_drive_reverses_through_zero_when_told_to():
    # Physically allowed: the controller, not the drive, enforces the standstill dwell.
    world = cruising(3.0, FWD)
    statuses = run_cmd(world, DriveCommand(True, REV, 2.0), 3.0)
    assert statuses[-1].direction is REV
    assert statuses[-1].belt_kmh == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("mode, configured_mps2, decel_mps2", [
    (StopMode.RAMP, None, FACTORY_STOP_DECEL_MPS2),
    (StopMode.QUICK, None, FACTORY_STOP_DECEL_MPS2),  # a drive left at its factory settings
    (StopMode.QUICK, 1.2, 1.2),  # ... and one whose quick stop was configured (S5)
    (StopMode.RAMP, 1.2, FACTORY_STOP_DECEL_MPS2),  # the quick stop is its own parameter
    (StopMode.COAST, None, COAST_DECEL_MPS2),
])
def test_stop_modes_take_their_deceleration_time(mode, configured_mps2, decel_mps2):
    world = cruising(10.0)
    if configured_mps2 is not None:
        assert world.belt.configure_stop(configured_mps2) == configured_mps2
    expected_s = 10.0 / 3.6 / decel_mps2  # v / a
    taken_s = stop_time_s(world, DriveCommand(False, NONE, 0.0, stop_mode=mode))
    # Ramps end with the belt's short lag (tau 0.1 s) settling; coasting is exact.
    assert expected_s - 0.05 <= taken_s <= expected_s + 0.5


def test_configure_stop_refuses_what_the_motor_cannot_brake():
    belt = cruising(10.0).belt
    with pytest.raises(ValueError, match=f"at most {MAX_STOP_DECEL_MPS2:g}"):
        belt.configure_stop(MAX_STOP_DECEL_MPS2 + 0.1)
    with pytest.raises(ValueError):
        belt.configure_stop(0.0)
    assert belt.quick_stop_decel_mps2 == FACTORY_STOP_DECEL_MPS2 and belt.comm_loss_stop is StopMode.RAMP


def test_a_configured_watchdog_reacts_with_the_quick_stop():
    """S5: the comm-loss reaction is the same stop as an e-stop once the drive is configured."""
    times = {}
    for configured in (False, True):
        world = cruising(10.0)
        if configured:
            world.belt.configure_stop(1.5)
        silent_from_s = world.t_s
        while world.status().belt_kmh > 0.0:
            world.advance_to(world.t_s + DT_S)
        times[configured] = world.t_s - silent_from_s
        assert world.belt.fault_code == FAULT_COMM_LOSS
    assert times[True] == pytest.approx(0.5 + 10.0 / 3.6 / 1.5, abs=0.35)
    assert times[False] == pytest.approx(0.5 + 10.0 / 3.6 / FACTORY_STOP_DECEL_MPS2, abs=0.35)


def test_coast_removes_power_at_once():
    world = cruising(10.0)
    status = run_cmd(world, DriveCommand(False, NONE, 0.0, stop_mode=StopMode.COAST), 2 * DT_S)[1]
    assert not status.running
    assert status.belt_kmh > 9.0


def test_ramp_stop_keeps_the_drive_running_until_standstill():
    world = cruising(10.0)
    statuses = run_cmd(world, DriveCommand(False, NONE, 0.0), 1.0)
    assert all(s.running for s in statuses)


def test_watchdog_stops_the_belt_and_latches_comm_loss():
    world = cruising(6.0)
    t_silent_s = world.t_s
    statuses = run_cmd(world, None, 0.48)
    assert all(s.fault_code == 0 for s in statuses)
    statuses = run_cmd(world, None, 0.04)
    assert statuses[-1].fault_code == FAULT_COMM_LOSS
    limit_s = 0.5 + 6.0 / 3.6 / FACTORY_STOP_DECEL_MPS2 + 0.5
    statuses = run_cmd(world, None, limit_s - (world.t_s - t_silent_s))
    assert statuses[-1]._replace(heart_rate_bpm=None) == DriveStatus(0.0, NONE, False, FAULT_COMM_LOSS)

    # Commands resume: run is refused while latched, and the fault holds without a reset.
    statuses = run_cmd(world, DriveCommand(True, FWD, 3.0), 1.0)
    assert statuses[-1].fault_code == FAULT_COMM_LOSS and statuses[-1].belt_kmh == 0.0
    run_cmd(world, DriveCommand(False, NONE, 0.0, fault_reset=True), DT_S)
    statuses = run_cmd(world, DriveCommand(True, FWD, 3.0), 3.0)
    assert statuses[-1].fault_code == 0
    assert statuses[-1].belt_kmh == pytest.approx(3.0, abs=0.1)


def test_watchdog_sleeps_while_the_drive_is_stopped():
    world = SimWorld()
    statuses = run_cmd(world, None, 5.0)
    assert statuses[-1].fault_code == 0


def test_drive_fault_coasts_and_latches_until_reset_at_rest():
    world = cruising(10.0)
    world.inject("drive-fault")
    status = run_cmd(world, DriveCommand(True, FWD, 10.0), DT_S)[0]
    assert status.fault_code == FAULT_DRIVE and not status.running
    # A reset while the motor still turns is refused; run commands are ignored.
    status = run_cmd(world, DriveCommand(True, FWD, 10.0, fault_reset=True), 1.0)[-1]
    assert status.fault_code == FAULT_DRIVE and not status.running
    assert status.belt_kmh == pytest.approx(10.0 - 1.02 * COAST_DECEL_MPS2 * 3.6, abs=0.2)
    status = run_cmd(world, DriveCommand(False, NONE, 0.0), 4.0)[-1]
    assert status._replace(heart_rate_bpm=None) == DriveStatus(0.0, NONE, False, FAULT_DRIVE)
    run_cmd(world, DriveCommand(False, NONE, 0.0, fault_reset=True), DT_S)
    status = run_cmd(world, DriveCommand(True, FWD, 2.0), 2.0)[-1]
    assert status.fault_code == 0 and status.belt_kmh == pytest.approx(2.0, abs=0.1)


def test_overspeed_runs_above_the_command_until_power_is_removed():
    world = cruising(5.0)
    world.inject("overspeed")
    status = run_cmd(world, DriveCommand(True, FWD, 5.0), 1.0)[-1]
    assert status.belt_kmh == pytest.approx(8.5, abs=0.2)
    # A category-1 stop cannot end a runaway speed loop: the belt keeps running ~3.5 km/h.
    status = run_cmd(world, DriveCommand(False, NONE, 0.0, stop_mode=StopMode.QUICK), 3.0)[-1]
    assert status.running and status.belt_kmh == pytest.approx(3.5, abs=0.2)
    # Category 0 removes power; the runaway is gone with it.
    taken_s = stop_time_s(world, DriveCommand(False, NONE, 0.0, stop_mode=StopMode.COAST))
    assert taken_s <= 3.5 / 3.6 / COAST_DECEL_MPS2 + 0.1
    status = run_cmd(world, DriveCommand(True, FWD, 5.0), 3.0)[-1]
    assert status.belt_kmh == pytest.approx(5.0, abs=0.2)


def test_overspeed_in_reverse_runs_faster_in_reverse():
    world = cruising(2.0, REV)
    world.inject("overspeed")
    status = run_cmd(world, DriveCommand(True, REV, 2.0), 1.0)[-1]
    assert status.direction is REV and status.belt_kmh == pytest.approx(5.5, abs=0.2)


def test_stall_jams_the_belt_until_the_drive_is_disabled():
    world = cruising(5.0)
    world.inject("stall")
    statuses = run_cmd(world, DriveCommand(True, FWD, 5.0), 2.0)
    assert statuses[-1].running and statuses[-1].belt_kmh == 0.0
    assert max(s.belt_kmh for s in statuses[25:]) == 0.0  # stopped within half a second
    stop_time_s(world, DriveCommand(False, NONE, 0.0))
    status = run_cmd(world, DriveCommand(True, FWD, 5.0), 3.0)[-1]
    assert status.belt_kmh == pytest.approx(5.0, abs=0.2)


def test_incline_moves_at_most_one_percent_per_second():
    world = SimWorld()
    statuses = run_cmd(world, DriveCommand(False, NONE, 0.0, incline_pct=5.0), 6.0)
    steps = [b.incline_pct - a.incline_pct for a, b in zip(statuses, statuses[1:])]
    assert max(steps) <= 1.0 * DT_S + 1e-9
    # Read at t = 2.02 s: the command has been there for 2 s.
    assert statuses[int(2.0 / DT_S)].incline_pct == pytest.approx(2.0, abs=1e-6)
    assert statuses[-1].incline_pct == 5.0


def test_negative_or_nan_speed_commands_do_not_move_the_belt():
    world = SimWorld()
    statuses = run_cmd(world, DriveCommand(True, FWD, -5.0), 2.0)
    statuses += run_cmd(world, DriveCommand(True, REV, float("nan")), 2.0)
    assert all(s.belt_kmh == 0.0 for s in statuses)


def test_measurement_noise_is_seeded():
    def speeds(seed: int) -> list[float]:
        world = cruising(6.0, seed=seed)
        return [s.belt_kmh for s in run_cmd(world, DriveCommand(True, FWD, 6.0), 4.0)]

    assert speeds(1) == speeds(1)
    assert speeds(1) != speeds(2)
    sample = speeds(3)
    assert len(set(sample)) > 100  # really noisy
    sigma_kmh = 0.02 + 0.003 * 6.0
    assert statistics.fmean(sample) == pytest.approx(6.0, abs=0.02)
    assert statistics.stdev(sample) == pytest.approx(sigma_kmh, rel=0.3)


def test_encoder_reads_exactly_zero_at_rest():
    world = cruising(6.0)
    stop_time_s(world, DriveCommand(False, NONE, 0.0))
    statuses = run_cmd(world, DriveCommand(False, NONE, 0.0), 5.0)
    assert all(s.belt_kmh == 0.0 and s.direction is NONE for s in statuses)
    # Enabled at zero speed is rest too.
    statuses = run_cmd(world, DriveCommand(True, NONE, 0.0), 2.0)[1:]
    assert all(s.belt_kmh == 0.0 and s.running for s in statuses)


_commands = st.builds(
    DriveCommand,
    run=st.booleans(),
    direction=st.sampled_from(list(Direction)),
    speed_kmh=st.floats(0.0, 30.0),
    incline_pct=st.floats(0.0, 30.0),
    stop_mode=st.sampled_from(list(StopMode)),
    fault_reset=st.booleans(),
)
_events = st.sampled_from([None, None, None, "overspeed", "stall", "drive-fault", "fall",
                           "harness-off", "harness-on", "key-in"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_commands, st.floats(0.02, 2.0), _events), min_size=1, max_size=12),
       st.integers(0, 2**32))
def test_any_command_sequence_keeps_the_contract(script, seed):
    world = SimWorld(seed=seed)
    for cmd, seconds, event in script:
        if event:
            world.inject(event)
        for status in run_cmd(world, cmd, seconds):
            assert status.belt_kmh >= 0.0
            assert (status.direction is NONE) == (status.belt_kmh == 0.0)
            assert 0.0 <= status.incline_pct <= 25.0
        assert abs(world.belt_velocity_kmh_signed) <= 25.0 + 3.5 + 1e-6
        assert 0.0 <= world.person_position_m <= 1.5
