"""The drive's own quick stop (S5): the [stop] codec without I/O, then over Modbus TCP against
the served simulator: every profile's stop settings round trip, an unreachable deceleration is
refused at open, a configured drive really stops at that rate, a comm-loss fault left latched
at standstill is reset at connect (and nothing else is), and close() keeps a quick stop or coast.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from drivers import open_drive
from drivers.base import STOPPED, Direction, DriveCommand, DriveConfigError, StopMode
from drivers.codec import Scale, choose_reaction, stop_decel_mps2, stop_decel_raw, stop_settings
from drivers.profiles import available_profiles, load_profile, profile_path
from drivers.site import DriveSite
from modbus_support import exchange, opened, served_tcp, tcp_url, wait_for
from sim.belt import FAULT_DRIVE

SCALE = Scale.from_site(DriveSite())  # 0.32 km/h per Hz, 75 Hz
QUICK = DriveCommand(False, Direction.NONE, 0.0, stop_mode=StopMode.QUICK)
COAST = DriveCommand(False, Direction.NONE, 0.0, stop_mode=StopMode.COAST)


# ---- codec, no I/O --------------------------------------------------------------------------

@pytest.mark.parametrize("name", available_profiles())
@pytest.mark.parametrize("decel", [0.5, 1.2, 1.9])
def test_stop_settings_round_trip_within_one_raw_step(name, decel):
    profile = load_profile(name)
    settings = stop_settings(profile, SCALE, SCALE.max_hz, decel, 2.0)
    raws = {raw for address, raw in settings if address in profile.stop.registers}
    assert len(raws) == 1  # every stop register gets the same value
    (raw,) = raws
    held = stop_decel_mps2(profile.stop, SCALE, SCALE.max_hz, raw)
    # within half a raw step of the exact value, and the exact raw maps back to the asked value
    exact = stop_decel_raw(profile.stop, SCALE, SCALE.max_hz, decel)
    assert abs(raw - exact) <= 0.5 + 1e-9
    assert stop_decel_mps2(profile.stop, SCALE, SCALE.max_hz, exact) == pytest.approx(decel, rel=1e-12)
    assert held == pytest.approx(decel, rel=0.01)
    assert tuple((s.address, s.value) for s in profile.stop.also) == settings[len(profile.stop.registers):]


def test_delta_stop_time_is_rounded_to_the_nearest_hundredth_of_a_second():
    stop = load_profile("delta-ms300").stop
    # 1.2 m/s^2 = 13.5 Hz/s at 0.32 km/h per Hz: 75 Hz / 13.5 Hz/s = 5.5556 s -> 5.56 s
    assert stop_settings(load_profile("delta-ms300"), SCALE, 75.0, 1.2, 2.0) == ((0x010D, 556),)
    assert stop_decel_mps2(stop, SCALE, 75.0, 556) == pytest.approx(75 / 5.56 * 0.32 / 3.6)
    # the factory 10.00 s from 75 Hz: 7.5 Hz/s = 0.667 m/s^2
    assert stop_decel_mps2(stop, SCALE, 75.0, stop.factory_raw) == pytest.approx(2 / 3)


def test_rounding_never_brakes_harder_than_the_site_allows():
    profile = load_profile("delta-ms300")
    # 2.0 m/s^2 exactly is 3.3333 s: 3.33 s would brake at 2.002 m/s^2, over the limit: 3.34 s
    (address, raw), = stop_settings(profile, SCALE, 75.0, 2.0, 2.0)
    assert raw == 334
    assert stop_decel_mps2(profile.stop, SCALE, 75.0, raw) <= 2.0


def test_a_rate_register_rounds_too():
    profile = load_profile("cia402")
    # 1.2 m/s^2 = 13.5 Hz/s = 405 rpm/s at 30 rpm per Hz; then the quick-stop option code
    assert stop_settings(profile, SCALE, 75.0, 1.2, 2.0) == ((0x6085, 405), (0x605A, 2))


def test_a_deceleration_beyond_the_braking_limit_is_refused_naming_the_most():
    profile = load_profile("delta-ms300")
    with pytest.raises(DriveConfigError) as info:
        stop_settings(profile, SCALE, 75.0, 3.0, 2.0)
    assert str(info.value) == ("quick-stop deceleration 3 m/s^2 is more than the drive can be set to "
                               "(at most 2 m/s^2)")


def test_a_deceleration_beyond_the_register_range_is_refused_both_ways():
    profile = load_profile("delta-ms300")
    short = profile.model_copy(update={"stop": profile.stop.model_copy(update={"raw_min": 500})})
    with pytest.raises(DriveConfigError, match=r"1\.5 m/s\^2 is more than .* \(at most 1\.33 m/s\^2\)"):
        stop_settings(short, SCALE, 75.0, 1.5, 2.0)  # 5.00 s from 75 Hz is the shortest: 1.33 m/s^2
    with pytest.raises(DriveConfigError, match=r"is less than the drive can be set to \(at least"):
        stop_settings(profile, SCALE, 75.0, 0.001, 2.0)  # 667 s: beyond 600.00 s
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(DriveConfigError):
            stop_settings(profile, SCALE, 75.0, bad, 2.0)


def test_the_comm_loss_reaction_is_the_quick_stop_where_the_drive_offers_one():
    chosen = {name: choose_reaction(load_profile(name), None) for name in available_profiles()}
    # Delta's "ramp" uses the one decel time the driver sets: the same stop
    assert chosen == {"abb-drives": "coast", "cia402": "quick", "delta-ms300": "ramp",
                      "siemens-v20": "coast", "yaskawa-v1000": "quick"}
    assert load_profile("delta-ms300").stop.ramp_uses_same
    assert choose_reaction(load_profile("yaskawa-v1000"), "ramp") == "ramp"  # the site's choice wins


def test_the_site_braking_limit_is_a_strict_field(tmp_path):
    from drivers.site import load_drive_site

    config = tmp_path / "site.toml"
    config.write_text("[drive]\nmax_stop_decel_mps2 = 1.5\n")
    assert load_drive_site(config).max_stop_decel_mps2 == 1.5
    assert DriveSite().max_stop_decel_mps2 == 2.0
    config.write_text("[drive]\nmax_stop_decel_mps2 = 0\n")
    with pytest.raises(DriveConfigError, match="max_stop_decel_mps2"):
        load_drive_site(config)


# ---- over Modbus TCP ------------------------------------------------------------------------

@pytest.mark.parametrize("name", available_profiles())
async def test_every_profile_s_stop_settings_round_trip_through_the_served_drive(name):
    profile = load_profile(name)
    async with served_tcp(name) as server:
        belt = server.world.belt
        factory = belt.quick_stop_decel_mps2
        drive = await opened(tcp_url(server, name, timeout_ms=250), estop_decel_mps2=1.2)
        assert drive.stop_decel_mps2 == pytest.approx(1.2, rel=0.01)
        raw = server.drive.image[profile.stop.registers[0]]
        assert all(server.drive.image[a] == raw for a in profile.stop.registers)
        assert stop_decel_mps2(profile.stop, SCALE, SCALE.max_hz, raw) == drive.stop_decel_mps2
        # the simulated drive now stops at what the driver read back, converted the same way
        assert belt.quick_stop_decel_mps2 == drive.stop_decel_mps2 != factory
        if profile.stop.ramp_uses_same:
            assert belt.ramp_stop_decel_mps2 == drive.stop_decel_mps2
        for setting in profile.stop.also:
            assert server.drive.image[setting.address] == setting.value
        reaction = {"quick": StopMode.QUICK, "ramp": StopMode.RAMP, "coast": StopMode.COAST}[drive.reaction]
        assert belt.comm_loss_stop is reaction
        await drive.close()


async def test_an_unreachable_deceleration_is_refused_at_open_naming_the_drive():
    async with served_tcp("delta-ms300") as server:
        drive = open_drive(tcp_url(server, "delta-ms300"), estop_decel_mps2=3.0)
        with pytest.raises(DriveConfigError) as info:
            await drive.open()
        await drive.close()
    message = str(info.value)
    assert message == (f"{drive.name}: quick-stop deceleration 3 m/s^2 is more than the drive can be "
                       f"set to (at most 2 m/s^2)")
    assert "\n" not in message and "(delta-ms300)" in message


async def test_the_site_braking_limit_applies_at_open(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text("[drive]\nmax_stop_decel_mps2 = 1.0\n")
    async with served_tcp("yaskawa-v1000") as server:
        drive = open_drive(tcp_url(server, "yaskawa-v1000", config=config), estop_decel_mps2=1.2)
        with pytest.raises(DriveConfigError, match=r"1\.2 m/s\^2 is more than .* \(at most 1 m/s\^2\)"):
            await drive.open()
        await drive.close()
        assert server.drive.image[0x0208] == load_profile("yaskawa-v1000").stop.factory_raw  # nothing written


async def test_a_stop_register_that_does_not_stick_is_refused(monkeypatch):
    async with served_tcp("delta-ms300") as server:
        served_write = server.drive.write

        def ignore_decel(address, values):  # a drive that silently keeps its old decel time
            if address == 0x010D:
                values[0] = server.drive.image[0x010D]
            return served_write(address, values)

        monkeypatch.setattr(server.drive, "write", ignore_decel)
        drive = open_drive(tcp_url(server, "delta-ms300"), estop_decel_mps2=1.2)
        with pytest.raises(DriveConfigError, match="quick-stop deceleration did not stick: wrote 556 to 0x010D, "
                                                   "read back 1000"):
            await drive.open()
        await drive.close()


async def quick_stop_from(server, drive, speed_kmh: float) -> tuple[float, float]:
    """Run forward at `speed_kmh`, quick-stop; (seconds to standstill, true decel m/s^2 measured
    on the simulated belt between 80 % and 30 % of the speed, where the ramp is linear)."""
    world = server.world
    await exchange(drive, DriveCommand(True, Direction.FORWARD, speed_kmh), 5.0,
                   until=lambda s: abs(world.belt_velocity_kmh_signed - speed_kmh) < 0.02)
    samples: list[tuple[float, float]] = []
    stop_task = asyncio.create_task(exchange(drive, QUICK, 20.0, until=lambda s: s.belt_kmh == 0.0))
    start = time.monotonic()
    while not stop_task.done():
        samples.append((world.t_s, world.belt_velocity_kmh_signed))
        await asyncio.sleep(0.005)
    await stop_task
    took_s = time.monotonic() - start

    def crossing(kmh: float) -> float:
        for (t0, v0), (t1, v1) in zip(samples, samples[1:]):
            if v0 >= kmh > v1:
                return t0 + (t1 - t0) * (v0 - kmh) / (v0 - v1)
        raise AssertionError(f"the belt never passed {kmh} km/h")

    high, low = 0.8 * speed_kmh, 0.3 * speed_kmh
    decel = (high - low) / 3.6 / (crossing(low) - crossing(high))
    return took_s, decel


async def test_a_configured_drive_quick_stops_at_its_setting_and_a_factory_one_does_not():
    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, "delta-ms300", timeout_ms=250))
        factory_s, factory_decel = await quick_stop_from(server, drive, 5.5)
        held = await drive.configure_stop(1.2)
        assert held == pytest.approx(1.2, rel=0.002)
        configured_s, configured_decel = await quick_stop_from(server, drive, 5.5)
        await drive.close()
    assert factory_decel == pytest.approx(2 / 3, rel=0.05)  # 10 s from 75 Hz
    assert configured_decel == pytest.approx(1.2, rel=0.04)
    assert factory_s > 1.5 * configured_s


async def test_a_comm_loss_fault_latched_at_standstill_is_reset_at_open_with_a_notice(caplog):
    async with served_tcp("delta-ms300") as server:
        url = tcp_url(server, "delta-ms300", timeout_ms=250)
        first = await opened(url, estop_decel_mps2=1.2)
        assert first.notices == ()
        await first.close()
        # the controller has gone: a Delta's watchdog fires even at standstill (fault 58, CE10)
        await wait_for(lambda: server.world.belt.fault_code != 0, 3.0)
        assert (await asyncio.to_thread(server.world.status)).belt_kmh == 0.0
        with caplog.at_level(logging.WARNING, logger="retrotread.drivers.modbus"):
            second = await opened(url, estop_decel_mps2=1.2)
        assert len(second.notices) == 1
        assert "reset comm-loss fault 0x3A" in second.notices[0] and second.name in second.notices[0]
        assert second.notices[0] in caplog.text
        assert (await second.read()).fault_code == 0
        await second.close()


async def test_the_served_drive_reports_the_profile_s_comm_loss_code():
    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, "delta-ms300", timeout_ms=250))
        await exchange(drive, STOPPED, 0.1)
        await asyncio.sleep(0.8)  # no commands for longer than the 0.5 s watchdog
        assert (await drive.read()).fault_code == 0x3A  # Delta's CE10, not the simulator's 0x0E
        await drive.close()


async def test_another_fault_is_not_reset_at_open():
    async with served_tcp("delta-ms300") as server:
        server.world.inject("drive-fault")
        drive = await opened(tcp_url(server, "delta-ms300", timeout_ms=250), estop_decel_mps2=1.2)
        assert drive.notices == ()
        assert (await drive.read()).fault_code == FAULT_DRIVE  # left for the controller to refuse
        await drive.close()


async def test_a_comm_loss_fault_while_the_belt_moves_is_not_reset():
    async with served_tcp("delta-ms300") as server:
        url = tcp_url(server, "delta-ms300", timeout_ms=250)
        first = await opened(url)  # factory stop: 10 s from 75 Hz, a long way down from 5 km/h
        await exchange(first, DriveCommand(True, Direction.FORWARD, 5.0), 5.0,
                       until=lambda s: s.belt_kmh > 4.8)
        await wait_for(lambda: server.world.belt.fault_code != 0, 3.0)  # silent: the watchdog fires
        second = await opened(url)
        status = await second.read()
        assert status.belt_kmh > 0.5 and status.fault_code == 0x3A
        assert second.notices == ()
        await second.close()
        await first.close()


@pytest.mark.parametrize("last, word", [(QUICK, 0x047B), (COAST, 0x047D), (STOPPED, 0x047E),
                                        (DriveCommand(True, Direction.FORWARD, 1.0), 0x047E)],
                         ids=["quick", "coast", "ramp", "running"])
async def test_close_keeps_a_quick_stop_or_coast_and_ramps_otherwise(last, word):
    async with served_tcp("siemens-v20") as server:
        drive = await opened(tcp_url(server, "siemens-v20", timeout_ms=250))
        await drive.write(last)
        await drive.close()
        assert server.drive.image[99] == word  # STW1: 047B OFF3, 047D OFF2, 047E OFF1


async def test_a_profile_without_a_writable_stop_says_so_and_returns_none(tmp_path, caplog):
    text = profile_path("delta-ms300").read_text()
    head, _, _ = text.partition("\n[stop]\n")
    path = tmp_path / "delta-fixed.toml"
    path.write_text(head.replace('name = "delta-ms300"', 'name = "delta-fixed"') + "\n[stop]\nwritable = false\n")
    async with served_tcp(str(path)) as server:
        with caplog.at_level(logging.WARNING, logger="retrotread.drivers.modbus"):
            drive = await opened(tcp_url(server, str(path)), estop_decel_mps2=1.2)
        assert drive.stop_decel_mps2 is None
        assert await drive.configure_stop(1.2) is None
        lines = [r.getMessage() for r in caplog.records if "cannot be set over the bus" in r.getMessage()]
        assert len(lines) == 1 and drive.name in lines[0]
        await drive.close()


async def test_the_serial_biodex_driver_has_no_writable_stop_deceleration(caplog):
    drive = open_drive("serial:///dev/null?protocol=biodex", estop_decel_mps2=1.2)
    with caplog.at_level(logging.WARNING):
        assert await drive.configure_stop(1.2) is None
    assert drive.stop_decel_mps2 is None
    assert "no writable stop deceleration" in caplog.text


async def test_the_served_drive_refuses_a_stop_value_outside_the_register_range():
    from pymodbus.client import AsyncModbusTcpClient

    async with served_tcp("delta-ms300") as server:
        host, port = server.address
        client = AsyncModbusTcpClient(host, port=port, timeout=1, retries=0)
        await client.connect()
        try:
            for raw in (0, 60001):  # 0.00 s and 600.01 s: outside 0.01-600.00 s
                reply = await client.write_register(0x010D, raw, device_id=1)
                assert reply.isError() and reply.exception_code == 3
            assert server.drive.image[0x010D] == 1000
            assert server.world.belt.quick_stop_decel_mps2 == pytest.approx(2 / 3)
            reply = await client.write_register(0x010D, 500, device_id=1)  # 5.00 s from 75 Hz
            assert not reply.isError()
            assert server.world.belt.quick_stop_decel_mps2 == pytest.approx(4 / 3)
            assert server.world.belt.ramp_stop_decel_mps2 == pytest.approx(4 / 3)  # one decel time
        finally:
            client.close()


async def test_check_stop_refuses_as_a_write_would_and_writes_nothing():
    """The session host checks the site's other profiles with check_stop: the same verdict as
    configure_stop, and the drive's parameters (often EEPROM) untouched."""
    profile = load_profile("delta-ms300")
    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, "delta-ms300", timeout_ms=250), estop_decel_mps2=1.2)
        image = dict(server.drive.image)
        writes = server.drive.command_writes
        await drive.check_stop(1.5)  # reachable: no complaint
        with pytest.raises(DriveConfigError) as info:
            await drive.check_stop(3.0)
        assert str(info.value) == (f"{drive.name}: quick-stop deceleration 3 m/s^2 is more than the drive "
                                   f"can be set to (at most 2 m/s^2)")
        assert server.drive.image[profile.stop.registers[0]] == image[profile.stop.registers[0]]
        assert server.drive.image == image and server.drive.command_writes == writes
        assert drive.stop_decel_mps2 == pytest.approx(1.2, rel=0.01)
        await drive.close()
