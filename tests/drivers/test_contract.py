"""The driver contract (drivers/base.py), run against every registered backend.

Each test gets `backend`: an opened Drive and `inject` into the simulated world behind it
(in-process sim://, Modbus TCP to the served simulator on 127.0.0.1, Modbus RTU over a pty
pair, and whatever backends_*.py add). Everything runs in real time at 50 Hz, briefly.
"""

from __future__ import annotations

import time

import pytest

from drivers.base import STOPPED, Direction, DriveCommand, DriveCommsError, StopMode
from modbus_support import exchange, self_stop_bound_s, wait_for

FORWARD_3 = DriveCommand(True, Direction.FORWARD, 3.0)
REVERSE_2 = DriveCommand(True, Direction.REVERSE, 2.0)


def near(kmh: float, direction: Direction):
    return lambda s: s.direction is direction and abs(s.belt_kmh - kmh) < 0.15


def at_rest(status) -> bool:
    return status.belt_kmh <= 0.05


def needs(backend, feature: str) -> None:
    if feature in backend.lacks:
        pytest.skip(f"{backend.name} has no {feature}")


async def test_open_reads_a_standstill_status(backend):
    status = await backend.drive.read()
    assert status.belt_kmh == pytest.approx(0.0, abs=0.05)
    assert status.direction is Direction.NONE
    assert status.fault_code == 0
    assert status.safety_key is True
    assert status.fall_stop in (True, None)


async def test_run_forward_reaches_the_speed_and_reports_forward(backend):
    status = await exchange(backend.drive, FORWARD_3, 1.5, until=near(3.0, Direction.FORWARD))
    assert status.direction is Direction.FORWARD
    assert status.belt_kmh == pytest.approx(3.0, abs=0.4)
    assert status.running


async def test_run_reverse_reports_reverse_with_an_unsigned_speed(backend):
    needs(backend, "reverse")
    status = await exchange(backend.drive, REVERSE_2, 1.5, until=near(2.0, Direction.REVERSE))
    assert status.direction is Direction.REVERSE
    assert status.belt_kmh == pytest.approx(2.0, abs=0.4)
    assert status.belt_kmh >= 0.0


async def test_a_ramp_stop_brings_the_belt_to_standstill(backend):
    await exchange(backend.drive, FORWARD_3, 1.5, until=near(3.0, Direction.FORWARD))
    stopped = await exchange(backend.drive, STOPPED, 2.5, until=lambda s: s.belt_kmh == 0.0)
    assert stopped.belt_kmh == 0.0
    assert stopped.direction is Direction.NONE  # at rest there is no direction


@pytest.mark.parametrize("mode", [StopMode.QUICK, StopMode.COAST])
async def test_quick_and_coast_stops_are_accepted(backend, mode):
    await exchange(backend.drive, FORWARD_3, 1.5, until=near(3.0, Direction.FORWARD))
    stop = DriveCommand(False, Direction.NONE, 0.0, stop_mode=mode)
    status = await exchange(backend.drive, stop, 2.0, until=lambda s: s.belt_kmh <= 0.3)
    assert status.belt_kmh <= 0.3


async def test_the_safety_key_reads_out_and_back_in(backend):
    await backend.inject("key-out")
    status = await exchange(backend.drive, STOPPED, 0.1)
    assert status.safety_key is False
    await backend.inject("key-in")
    status = await exchange(backend.drive, STOPPED, 0.1)
    assert status.safety_key is True


async def test_the_fall_stop_reads_open_when_the_harness_is_released(backend):
    needs(backend, "fall_stop")
    await backend.inject("harness-off")
    status = await exchange(backend.drive, STOPPED, 0.1)
    assert status.fall_stop is False
    await backend.inject("harness-on")
    status = await exchange(backend.drive, STOPPED, 0.1)
    assert status.fall_stop is True


async def test_a_fall_opens_the_fall_stop_after_the_sensor_delay(backend):
    needs(backend, "fall_stop")
    await exchange(backend.drive, FORWARD_3, 0.3)
    await backend.inject("fall")
    status = await exchange(backend.drive, FORWARD_3, 0.6, until=lambda s: s.fall_stop is False)
    assert status.fall_stop is False


async def test_a_drive_fault_is_reported_and_reset_after_standstill(backend):
    needs(backend, "fault_code")
    await exchange(backend.drive, DriveCommand(True, Direction.FORWARD, 1.0), 0.6)
    await backend.inject("drive-fault")
    status = await exchange(backend.drive, STOPPED, 0.5, until=lambda s: s.fault_code != 0)
    assert status.fault_code != 0
    needs(backend, "fault_reset")
    await exchange(backend.drive, STOPPED, 2.0, until=at_rest)  # an overcurrent trip resets only at rest
    reset = DriveCommand(False, Direction.NONE, 0.0, fault_reset=True)
    status = await exchange(backend.drive, reset, 0.5, until=lambda s: s.fault_code == 0)
    status = await exchange(backend.drive, STOPPED, 0.1)
    assert status.fault_code == 0


async def test_a_silent_drive_raises_comms_error_quickly_and_recovers(backend):
    needs(backend, "comms_loss")
    await backend.inject("comms-loss")
    started = time.monotonic()
    with pytest.raises(DriveCommsError):
        await backend.drive.read()
    assert time.monotonic() - started < 1.0  # never pymodbus' 12 s default
    with pytest.raises(DriveCommsError):
        await backend.drive.write(STOPPED)
    await backend.inject("comms-restore")
    await wait_for(lambda: _reads(backend.drive), 2.0)


async def _reads(drive) -> bool:
    try:
        await drive.read()
        return True
    except DriveCommsError:
        return False


async def test_the_drive_stops_by_itself_when_commands_stop_coming(backend):
    """S9 at the drive end: the watchdog set at open() ramps the belt down on its own."""
    needs(backend, "drive_watchdog")
    await exchange(backend.drive, FORWARD_3, 1.5, until=near(3.0, Direction.FORWARD))
    # Keep reading (a dead controller would not even do that) but stop writing.
    started = time.monotonic()

    async def stopped() -> bool:
        return (await backend.drive.read()).belt_kmh <= 0.05

    took = await wait_for(stopped, 3.0)
    assert took <= self_stop_bound_s(3.0), f"took {took:.2f} s"
    assert time.monotonic() - started >= 0.45
    status = await backend.drive.read()
    if "fault_code" not in backend.lacks:
        assert status.fault_code != 0  # the drive latched its comm-loss fault


async def test_close_stops_the_belt_and_may_be_called_twice(backend):
    await exchange(backend.drive, FORWARD_3, 0.5)
    await backend.drive.close()
    await backend.drive.close()
    if backend.observe is not None:
        await wait_for(lambda: backend.observe().belt_kmh <= 0.05, 2.5)
