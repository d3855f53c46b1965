"""`serial://` with protocol=biodex: the URL, and the driver over a socat pty pair (8N1)
against the simulated RTM 400, with its replies dropped, wrong or garbled on purpose."""

from __future__ import annotations

import asyncio
import time

import pytest
import serial

from drivers import open_drive
from drivers import biodex as bx
from drivers.base import (Direction, DriveCommand, DriveCommsError, DriveConfigError,
                          DriveUrlError, StopMode)
from drivers.serial_line import SerialLineDrive, from_url
from sim.belt import FAULT_COMM_LOSS
from sim.server_serial import BiodexDevice
from sim.world import SimWorld
from test_serial_pty import biodex_url, requires_socat, served_biodex, socat_pty_pair

TIMEOUT_S = 0.030  # the default per-call deadline
MARGIN_S = 0.030  # scheduling slack on a loaded test machine
STOP = DriveCommand(False, Direction.NONE, 0.0)


# -- the URL --------------------------------------------------------------------------------

def test_the_factory_builds_a_serial_drive_with_defaults():
    drive = open_drive("serial:///dev/ttyS0?protocol=biodex")
    assert isinstance(drive, SerialLineDrive)
    assert (drive.device, drive.baud, drive.timeout_s) == ("/dev/ttyS0", 9600, 0.030)
    assert (drive.unit, drive.status_bytes, drive.fall_stop_ext) == (bx.SpeedUnit.MPH, 3, False)
    assert drive.name == "serial:///dev/ttyS0 (biodex)"


def test_every_parameter_is_read():
    drive = from_url("serial:///dev/ttyUSB1?protocol=biodex&baud=19200&timeout_ms=45"
                     "&units=kmh&status_bytes=3&fall_stop=ext")
    assert (drive.baud, drive.timeout_s, drive.unit, drive.fall_stop_ext) == \
        (19200, 0.045, bx.SpeedUnit.KMH, True)


@pytest.mark.parametrize("url, names", [
    ("serial:///dev/ttyS0?protocol=biodex&speed=3", "'speed'"),
    ("serial:///dev/ttyS0?protocol=woodway", "protocol 'woodway'"),
    ("serial:///dev/ttyS0", "'protocol' is required"),
    ("serial:///dev/ttyS0?protocol=biodex&baud=9601", "baud 9601"),
    ("serial:///dev/ttyS0?protocol=biodex&baud=fast", "baud 'fast'"),
    ("serial:///dev/ttyS0?protocol=biodex&timeout_ms=2", "timeout_ms 2"),
    ("serial:///dev/ttyS0?protocol=biodex&timeout_ms=5000", "timeout_ms 5000"),
    ("serial:///dev/ttyS0?protocol=biodex&units=furlongs", "units 'furlongs'"),
    ("serial:///dev/ttyS0?protocol=biodex&status_bytes=4", "status_bytes 4"),
    ("serial:///dev/ttyS0?protocol=biodex&fall_stop=yes", "fall_stop 'yes'"),
    ("serial:///dev/ttyS0?protocol=biodex&fall_stop=ext&status_bytes=2", "needs status_bytes=3"),
    ("serial:///dev/ttyS0?protocol=biodex&protocol=biodex", "more than once"),
    ("serial://host/dev/ttyS0?protocol=biodex", "three slashes"),
    ("serial://?protocol=biodex", "three slashes"),
])
def test_a_bad_url_is_refused_naming_the_url_and_the_key(url, names):
    with pytest.raises(DriveUrlError, match=names) as caught:
        open_drive(url)
    assert str(caught.value).startswith(url + ":")
    assert "\n" not in str(caught.value)


async def test_a_missing_device_is_a_comms_error_naming_it(tmp_path):
    drive = open_drive(f"serial://{tmp_path}/nothing?protocol=biodex")
    with pytest.raises(DriveCommsError, match="cannot open .*nothing"):
        await drive.open()
    await drive.close()
    await drive.close()


async def test_read_and_write_before_open_fail_cleanly():
    drive = open_drive("serial:///dev/null-ish?protocol=biodex")
    with pytest.raises(DriveCommsError, match="not open"):
        await drive.read()
    with pytest.raises(DriveCommsError, match="not open"):
        await drive.write(STOP)


# -- what a write sends (no I/O) ------------------------------------------------------------

def test_a_write_sends_only_what_changed_plus_the_keepalive():
    drive = SerialLineDrive("/dev/x")
    run = DriveCommand(True, Direction.REVERSE, 2.0, incline_pct=1.0)
    assert drive._plan(run) == [b"\x84R", b"\x82012", b"\x8301", b"\x80"]
    drive._direction, drive._elevation, drive._started = Direction.REVERSE, b"\x8301", True
    assert drive._plan(run) == [b"\x82012"]
    assert drive._plan(DriveCommand(False, Direction.REVERSE, 0.0, 1.0, StopMode.QUICK)) == [b"\x81"]
    assert drive._plan(DriveCommand(True, Direction.NONE, 2.0, 1.0)) == [b"\x81"]
    drive._started = None  # the echo of a start or stop went missing: send start again
    assert drive._plan(run) == [b"\x82012", b"\x80"]


# -- over a pty, against the simulated unit -------------------------------------------------

class TamperingDevice(BiodexDevice):
    """The simulated unit, with `rules[code](reply) -> reply` to spoil chosen replies."""

    def __init__(self, world: SimWorld) -> None:
        super().__init__(world)
        self.rules = {}
        self.received: list[bx.Request | bx.Invalid] = []

    def _handle(self, item, t_s):
        reply = super()._handle(item, t_s)
        self.received.append(item)
        rule = self.rules.get(getattr(item, "code", None))
        return rule(reply) if rule else reply


@pytest.fixture
def served(tmp_path):
    device = TamperingDevice(SimWorld(seed=1))
    with served_biodex(tmp_path, world=device.world, device=device) as (host, server):
        yield host, server, device


@pytest.fixture
async def drive(served):
    host, _server, _device = served
    drive = open_drive(biodex_url(host, fall_stop="ext"))
    await drive.open()
    yield drive
    await drive.close()


def spoil(server, device, code, rule):
    with server.lock:
        if rule is None:
            device.rules.pop(code, None)
        else:
            device.rules[code] = rule


async def drive_for(drive, command: DriveCommand, seconds: float):
    """Read and write at 50 Hz for `seconds`; return the last status."""
    status = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status = await drive.read()
        await drive.write(command)
        await asyncio.sleep(0.02)
    return status


async def ramp_to(drive, direction: Direction, speed_kmh: float):
    for i in range(1, 41):
        await drive.read()
        await drive.write(DriveCommand(True, direction, speed_kmh * i / 40))
        await asyncio.sleep(0.02)
    return await drive_for(drive, DriveCommand(True, direction, speed_kmh), 0.5)


@requires_socat
async def test_open_identifies_the_unit_and_reads_it_at_rest(drive):
    assert drive.model == "RTM3plus (RS-232)"
    status = await drive.read()
    assert (status.belt_kmh, status.direction, status.running) == (0.0, Direction.NONE, False)
    assert (status.fault_code, status.safety_key, status.fall_stop) == (0, True, True)
    assert status.incline_pct == 0.0 and status.heart_rate_bpm is None


@requires_socat
async def test_without_the_extension_a_real_units_fall_stop_reads_none(served):
    host, _server, _device = served
    drive = open_drive(biodex_url(host))
    await drive.open()
    try:
        assert (await drive.read()).fall_stop is None
    finally:
        await drive.close()


@requires_socat
async def test_forward_stop_then_reverse_at_standstill(drive, served):
    _host, server, _device = served
    status = await ramp_to(drive, Direction.FORWARD, 3.0)
    # 3.0 km/h goes out as 1.8 mph (rounded down) and reads back to the nearest 0.1 mph.
    assert status.belt_kmh == pytest.approx(1.8 * bx.KMH_PER_MPH, abs=0.17)
    assert (status.direction, status.running) == (Direction.FORWARD, True)
    with server.lock:
        assert server.world.belt_velocity_kmh_signed == pytest.approx(1.8 * bx.KMH_PER_MPH, abs=0.05)

    status = await drive_for(drive, STOP, 1.5)
    assert (status.belt_kmh, status.direction, status.running) == (0.0, Direction.NONE, False)

    status = await ramp_to(drive, Direction.REVERSE, 1.5)
    assert status.direction is Direction.REVERSE and status.belt_kmh > 1.0
    with server.lock:
        assert server.world.belt_velocity_kmh_signed < -1.0
    await drive.close()
    await asyncio.sleep(1.5)
    with server.lock:
        server.world.advance_to(server.now_s())
        assert server.world.belt_velocity_kmh_signed == 0.0  # close stopped it


@requires_socat
async def test_incline_is_set_and_read_back_in_whole_percent(drive):
    status = await drive_for(drive, DriveCommand(False, Direction.NONE, 0.0, incline_pct=2.7), 2.5)
    assert status.incline_pct == 2.0


@requires_socat
async def test_lanyard_fault_and_harness_come_through_the_status_bytes(drive, served):
    _host, server, _device = served
    server.inject("key-out")
    server.inject("harness-off")
    status = await drive.read()
    assert (status.safety_key, status.fall_stop, status.fault_code) == (False, False, 0)
    server.inject("drive-fault")
    assert (await drive.read()).fault_code == bx.SYS_AMPLIFIER_FAULT


@requires_socat
async def test_every_call_ends_within_the_deadline(drive):
    worst_s = 0.0
    for i in range(50):
        t0 = time.monotonic()
        await drive.read()
        await drive.write(DriveCommand(True, Direction.FORWARD, 0.1 * i))
        worst_s = max(worst_s, time.monotonic() - t0)
    assert worst_s < 2 * TIMEOUT_S


@requires_socat
async def test_a_missing_echo_is_a_comms_fault_within_the_deadline(drive, served):
    _host, server, device = served
    spoil(server, device, bx.SET_SPEED, lambda reply: b"")
    t0 = time.monotonic()
    with pytest.raises(DriveCommsError, match="no reply to 0x82"):
        await drive.write(DriveCommand(True, Direction.FORWARD, 1.0))
    assert time.monotonic() - t0 < TIMEOUT_S + MARGIN_S
    spoil(server, device, bx.SET_SPEED, None)
    await drive.write(DriveCommand(True, Direction.FORWARD, 1.0))  # and it recovers


@requires_socat
async def test_a_missing_reply_to_a_status_request_is_a_comms_fault(drive, served):
    _host, server, device = served
    spoil(server, device, bx.READ_STATUS, lambda reply: b"")
    t0 = time.monotonic()
    with pytest.raises(DriveCommsError, match="no reply to 0xA7"):
        await drive.read()
    assert time.monotonic() - t0 < TIMEOUT_S + MARGIN_S


@requires_socat
@pytest.mark.parametrize("reply, reason", [
    (b"\x81", "wrong echo 0x81 for 0x82"),
    (b"\xaf", "0x82 refused \\(NACK 0xAF\\)"),
    (b"\x00", "wrong echo 0x00 for 0x82"),
])
async def test_a_wrong_echo_is_a_comms_fault(drive, served, reply, reason):
    _host, server, device = served
    spoil(server, device, bx.SET_SPEED, lambda _reply: reply)
    t0 = time.monotonic()
    with pytest.raises(DriveCommsError, match=reason):
        await drive.write(DriveCommand(True, Direction.FORWARD, 1.0))
    assert time.monotonic() - t0 < TIMEOUT_S  # a wrong first byte ends the wait at once


@requires_socat
@pytest.mark.parametrize("code, rule, reason", [
    (bx.READ_SPEED, lambda r: b"\xa0" b"1O5", "garbled speed"),
    (bx.READ_SPEED, lambda r: r[:2], "short reply to 0xA0"),
    (bx.READ_DIRECTION, lambda r: b"\xa2?", "garbled belt direction"),
    (bx.READ_STATUS, lambda r: b"\xa7\xff\x00\x00", "bit 7 must be 0"),
    (bx.READ_STATUS, lambda r: b"\xa0" + r[1:], "wrong echo 0xA0 for 0xA7"),
    (bx.READ_ELEVATION, lambda r: b"\xa1\x00\x00", "garbled elevation"),
])
async def test_garbled_replies_are_comms_faults_and_the_next_call_is_clean(drive, served, code,
                                                                           rule, reason):
    _host, server, device = served
    drive._incline_pct = None  # so this read asks for the elevation too
    spoil(server, device, code, rule)
    with pytest.raises(DriveCommsError, match=reason):
        await drive.read()
    spoil(server, device, code, None)
    assert (await drive.read()).belt_kmh == 0.0


@requires_socat
async def test_trailing_junk_after_a_reply_is_dropped_before_the_next_exchange(drive, served):
    _host, server, device = served
    spoil(server, device, bx.READ_DIRECTION, lambda r: r + b"\xa7\x00\x00\x00\x82")
    for _ in range(5):
        status = await drive.read()
        await drive.write(STOP)
    assert status.safety_key


@requires_socat
async def test_a_speed_beyond_the_protocol_stops_the_belt_and_fails(drive, served):
    _host, _server, device = served
    await ramp_to(drive, Direction.FORWARD, 2.0)
    with pytest.raises(DriveCommsError, match="beyond the protocol's 99.9 mph; sent stop"):
        await drive.write(DriveCommand(True, Direction.FORWARD, 500.0))
    assert device.received[-1] == bx.Request(bx.STOP)


@requires_socat
async def test_waiting_for_a_reply_does_not_block_the_event_loop(drive, served):
    _host, server, device = served
    spoil(server, device, bx.READ_STATUS, lambda reply: b"")
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    with pytest.raises(DriveCommsError):
        await drive.read()
    task.cancel()
    assert ticks >= 5


@requires_socat
async def test_a_silent_line_fails_open_with_a_comms_error(tmp_path):
    with socat_pty_pair(tmp_path) as (host, _nobody):
        drive = open_drive(biodex_url(host))
        t0 = time.monotonic()
        with pytest.raises(DriveCommsError, match="no answer to 'who are you'"):
            await drive.open()
        assert time.monotonic() - t0 < 2.0
        await drive.close()


@requires_socat
async def test_a_device_that_is_not_a_biodex_is_a_config_error(tmp_path):
    with socat_pty_pair(tmp_path) as (host, other):
        with serial.Serial(other, 9600, timeout=2) as impostor:
            drive = open_drive(biodex_url(host))
            opening = asyncio.create_task(drive.open())
            assert await asyncio.to_thread(impostor.read, 1) == b"\x9f"
            impostor.write(b"OK")
            with pytest.raises(DriveConfigError, match="not a Biodex RTM"):
                await opening
            await drive.close()


# -- the served unit's own watchdog (S9) ----------------------------------------------------

@requires_socat
async def test_the_served_units_watchdog_stops_the_belt_when_the_controller_goes_silent(
        drive, served):
    _host, server, _device = served
    status = await ramp_to(drive, Direction.FORWARD, 4.0)
    assert status.belt_kmh > 3.0

    # The controller stalls: it still polls, but sends no command. Polling feeds nothing.
    silent_since = time.monotonic()
    while status.belt_kmh > 0.0 and time.monotonic() - silent_since < 5.0:
        status = await drive.read()
        await asyncio.sleep(0.05)
    stopped_after_s = time.monotonic() - silent_since
    assert status.belt_kmh == 0.0
    assert status.fault_code & bx.SYS_COMM_FAULT
    # 0.5 s of silence, then a ramp stop at 1.0 m/s^2 from about 4 km/h (about 1.1 s).
    assert 0.5 < stopped_after_s < 3.0
    with server.lock:
        assert server.world.belt.fault_code == FAULT_COMM_LOSS

    # Commands again: the fault clears on a stop, and nothing moves without a new start.
    status = await drive_for(drive, STOP, 0.2)
    status = await drive.read()
    assert status.fault_code == 0 and status.belt_kmh == 0.0


@requires_socat
async def test_the_watchdog_also_fires_when_the_controller_is_gone_entirely(drive, served):
    _host, server, _device = served
    await ramp_to(drive, Direction.REVERSE, 2.0)
    await asyncio.sleep(2.5)  # nothing at all on the line; the server keeps time itself
    with server.lock:
        assert server.world.belt.fault_code == FAULT_COMM_LOSS
        assert server.world.belt_velocity_kmh_signed == 0.0


@requires_socat
async def test_an_injected_comms_loss_is_a_silent_line(drive, served):
    _host, server, _device = served
    server.inject("comms-loss")
    with pytest.raises(DriveCommsError, match="no reply"):
        await drive.read()
    server.inject("comms-restore")
    assert (await drive.read()).belt_kmh == 0.0


@requires_socat
async def test_opening_again_starts_a_fresh_session(drive):
    await drive_for(drive, DriveCommand(True, Direction.FORWARD, 1.0), 0.3)
    await drive.open()
    assert drive._started is False and drive._direction is None
    assert (await drive.read()).fault_code == 0
