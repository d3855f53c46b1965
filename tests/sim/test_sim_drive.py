"""`sim://` behind the Drive contract: URL, lifecycle, comms loss over simulated time."""

from __future__ import annotations

import pytest

from controller.clock import MonotonicClock, SimClock
from controller.limits import load_site_config
from drivers import open_drive
from drivers.base import (Direction, Drive, DriveCommand, DriveCommsError, DriveConfigError, DriveStatus, Injectable,
                          DriveUrlError, StopMode)
from sim.belt import FACTORY_STOP_DECEL_MPS2, FAULT_COMM_LOSS
from sim.drive import SimDrive, from_url

DT_S = 0.02
CRUISE = DriveCommand(True, Direction.FORWARD, 5.0)


async def tick(drive: SimDrive, clock: SimClock, cmd: DriveCommand) -> DriveStatus | None:
    """One control tick on simulated time: read, write; None when the drive is silent."""
    await clock.sleep_until(clock.now_s() + DT_S)
    try:
        status = await drive.read()
        await drive.write(cmd)
    except DriveCommsError:
        return None
    return status


async def cruise(drive: SimDrive, clock: SimClock, speed_kmh: float = 5.0) -> DriveStatus:
    """Ramp up gently (a profile's ramp keeps the key in) and hold for a while."""
    status = None
    for i in range(round(10.0 / DT_S)):
        command_kmh = min(speed_kmh, 0.5 * 3.6 * DT_S * i)
        status = await tick(drive, clock, DriveCommand(True, Direction.FORWARD, command_kmh))
    return status


def test_the_factory_builds_a_simulated_drive():
    clock = SimClock()
    drive = open_drive("sim://", clock=clock)
    assert isinstance(drive, SimDrive) and isinstance(drive, Drive)
    assert isinstance(drive, Injectable) and drive.name == "sim://"
    assert drive.clock is clock
    assert isinstance(from_url("sim://").clock, MonotonicClock)


def test_url_query_configures_the_world():
    drive = from_url("sim://?seed=7&fall_stop=none&tether_m=1.3")
    assert drive.world.status().fall_stop is None
    assert drive.world.tether_reach_m == 1.3
    assert from_url("sim://?fall_stop=fitted").world.status().fall_stop is True


def test_seed_reaches_the_noise():
    def speeds(drive: SimDrive) -> list[float]:
        world = drive.world
        world.apply_command(CRUISE, 0.0)
        out = []
        for i in range(1, 200):
            world.apply_command(CRUISE, i * DT_S)
            out.append(world.status().belt_kmh)
        return out

    assert speeds(from_url("sim://", seed=4)) == speeds(from_url("sim://?seed=4"))
    assert speeds(from_url("sim://?seed=4")) != speeds(from_url("sim://?seed=5"))


def test_site_config_supplies_the_sensor_delay_and_the_watchdog():
    site = load_site_config().model_copy(
        update={"fall_sensor_delay_s": 0.3, "drive_comm_loss_timeout_s": 1.2})
    world = from_url("sim://", site=site).world
    assert world.sensors.fall_sensor_delay_s == 0.3
    assert world.belt.comm_loss_timeout_s == 1.2
    world = from_url("sim://").world
    assert world.sensors.fall_sensor_delay_s == 0.15
    assert world.belt.comm_loss_timeout_s == 0.5


@pytest.mark.parametrize("url, says", [
    ("sim://?speed=3", "unknown parameter 'speed'"),
    ("sim://?seed=1&seed=2", "more than once"),
    ("sim://?seed=x", "seed 'x' is not a whole number"),
    ("sim://?seed=1.5", "seed '1.5' is not a whole number"),
    ("sim://?fall_stop=maybe", "fall_stop 'maybe' must be one of"),
    ("sim://?tether_m=far", "tether_m 'far' is not a number"),
    ("sim://?tether_m=0.5", "must be within 0.7-1.5 m"),
    ("sim://?tether_m=nan", "must be within 0.7-1.5 m"),
    ("sim://host", "no host or path"),
    ("sim:///path", "no host or path"),
])
def test_from_url_refuses_bad_urls_with_one_line(url, says):
    with pytest.raises(DriveUrlError) as info:
        open_drive(url)
    message = str(info.value)
    assert says in message and url in message and "\n" not in message


async def test_read_advances_the_world_to_the_clock():
    clock = SimClock()
    drive = from_url("sim://", clock=clock)
    await drive.open()
    status = await cruise(drive, clock)
    assert drive.world.t_s == clock.now_s() == pytest.approx(10.0)
    assert status.direction is Direction.FORWARD
    assert status.belt_kmh == pytest.approx(5.0, abs=0.2)


async def test_comms_loss_silences_the_drive_and_its_watchdog_stops_the_belt():
    clock = SimClock()
    drive = from_url("sim://", clock=clock)
    await drive.open()
    await cruise(drive, clock)
    drive.inject("comms-loss")
    lost_at_s = clock.now_s()
    with pytest.raises(DriveCommsError, match="sim://: no reply"):
        await drive.read()
    with pytest.raises(DriveCommsError, match="sim://: no reply"):
        await drive.write(CRUISE)

    # The controller keeps trying to run at 5 km/h; none of it reaches the drive.
    stop_by_s = 0.5 + 5.0 / 3.6 / FACTORY_STOP_DECEL_MPS2 + 0.3
    while clock.now_s() - lost_at_s < stop_by_s:
        assert await tick(drive, clock, CRUISE) is None
    assert drive.world.belt_velocity_kmh_signed == 0.0

    drive.inject("comms-restore")
    status = await drive.read()
    assert status.belt_kmh == 0.0 and not status.running
    assert status.fault_code == FAULT_COMM_LOSS
    await drive.write(DriveCommand(False, Direction.NONE, 0.0, fault_reset=True))
    for _ in range(round(2.0 / DT_S)):
        status = await tick(drive, clock, CRUISE)
    assert status.fault_code == 0 and status.belt_kmh > 3.0


async def test_open_refuses_while_comms_are_lost():
    drive = from_url("sim://", clock=SimClock())
    drive.inject("comms-loss")
    with pytest.raises(DriveCommsError):
        await drive.open()


async def test_close_ramp_stops_the_belt_and_never_raises():
    clock = SimClock()
    drive = from_url("sim://", clock=clock)
    await drive.open()
    await cruise(drive, clock)
    await drive.close()
    assert drive.world.belt._stopping and drive.world.belt._rate_mps2 == FACTORY_STOP_DECEL_MPS2
    await clock.sleep_until(clock.now_s() + 3.0)
    status = await drive.read()
    assert status.belt_kmh == 0.0 and not status.running
    # Nobody wrote during the stop, so the drive's watchdog noticed, as a real drive's would.
    assert status.fault_code == FAULT_COMM_LOSS
    await drive.close()
    drive.inject("comms-loss")
    await drive.close()


async def test_stop_modes_pass_through():
    clock = SimClock()
    drive = from_url("sim://", clock=clock)
    await drive.open()
    await cruise(drive, clock)
    await tick(drive, clock, DriveCommand(False, Direction.NONE, 0.0, stop_mode=StopMode.COAST))
    status = await tick(drive, clock, DriveCommand(False, Direction.NONE, 0.0,
                                                   stop_mode=StopMode.COAST))
    assert not status.running and status.belt_kmh > 4.0


async def test_open_sets_the_quick_stop_and_refuses_one_the_drive_cannot_do():
    """S5/S11: the e-stop deceleration is written at connect and read back; too much is refused."""
    drive = from_url("sim://", clock=SimClock(), estop_decel_mps2=1.2)
    assert drive.stop_decel_mps2 is None
    await drive.open()
    assert drive.stop_decel_mps2 == 1.2 and drive.world.belt.quick_stop_decel_mps2 == 1.2
    with pytest.raises(DriveConfigError, match=r"sim://: quick-stop deceleration 3 m/s\^2 .*at most 2"):
        await drive.configure_stop(3.0)
    assert drive.stop_decel_mps2 == 1.2


@pytest.mark.parametrize("mode", [StopMode.QUICK, StopMode.COAST])
async def test_close_keeps_a_latched_stop(mode):
    """S5: closing the drive mid-e-stop never turns the stop into a gentler ramp."""
    clock = SimClock()
    drive = from_url("sim://", clock=clock, estop_decel_mps2=1.5)
    await drive.open()
    await cruise(drive, clock)
    await drive.write(DriveCommand(False, Direction.NONE, 0.0, stop_mode=mode))
    await drive.close()
    belt = drive.world.belt
    if mode is StopMode.QUICK:
        assert belt.enabled and belt._rate_mps2 == 1.5
    else:
        assert not belt.enabled


async def test_check_stop_refuses_as_configure_would_and_sets_nothing():
    drive = from_url("sim://", clock=SimClock(), estop_decel_mps2=1.2)
    await drive.open()
    await drive.check_stop(1.5)
    with pytest.raises(DriveConfigError, match=r"sim://: quick-stop deceleration 3 m/s\^2 .*at most 2"):
        await drive.check_stop(3.0)
    assert drive.world.belt.quick_stop_decel_mps2 == drive.stop_decel_mps2 == 1.2
