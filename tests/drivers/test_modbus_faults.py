"""Faults over the real transports (pymodbus TCP on 127.0.0.1, RTU over a socat pty pair):
slow replies, exception replies, garbled frames, silence, a server that goes away mid-run,
and a drive that refuses its comm-loss watchdog. Each comes back as DriveCommsError (or
DriveConfigError at open) within about one tick, never after pymodbus' 12 s default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time

import pytest

from drivers import open_drive
from drivers.base import STOPPED, Direction, DriveCommand, DriveCommsError, DriveConfigError
from drivers.site import DriveSite
from modbus_support import (exchange, opened, rtu_url, self_stop_bound_s, served_rtu, served_tcp, tcp_url,
                            wait_for)

FORWARD = DriveCommand(True, Direction.FORWARD, 3.0)


@contextlib.asynccontextmanager
async def served(transport: str, tmp_path, site: DriveSite | None = None, profile: str = "delta-ms300"):
    """(server, url) for the transport; the URL uses the driver's default timeout."""
    if transport == "tcp":
        async with served_tcp(profile, site) as server:
            yield server, tcp_url(server, profile)
    else:
        if shutil.which("socat") is None:
            pytest.skip("needs socat")
        async with served_rtu(tmp_path, profile, site) as (server, device):
            yield server, rtu_url(device, profile)


TRANSPORTS = pytest.mark.parametrize("transport", ["tcp", "rtu"])


async def reads_again(drive) -> bool:
    try:
        await drive.read()
        return True
    except DriveCommsError:
        return False


async def failing_read_takes(drive) -> float:
    started = time.monotonic()
    with pytest.raises(DriveCommsError) as caught:
        await drive.read()
    took = time.monotonic() - started
    return took, str(caught.value)


@TRANSPORTS
async def test_replies_slower_than_the_timeout_are_missed_within_a_tick(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.reply_delay_ms = 300
        took, message = await failing_read_takes(drive)
        assert took < drive.timeout_s + 0.1, f"{took:.3f} s"
        assert "no reply" in message
        server.faults.reply_delay_ms = 0
        await wait_for(lambda: reads_again(drive), 2.0)
        await drive.close()


@TRANSPORTS
async def test_exception_replies_become_comms_errors_naming_the_exception(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.exception_code = 4
        _, message = await failing_read_takes(drive)
        assert "exception reply 4 (device failure)" in message
        with pytest.raises(DriveCommsError, match="exception reply 4"):
            await drive.write(STOPPED)
        server.faults.exception_code = 0
        assert await reads_again(drive)
        await drive.close()


@TRANSPORTS
async def test_garbled_frames_become_comms_errors(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.garble = True
        took, _ = await failing_read_takes(drive)
        assert took < drive.timeout_s + 0.1
        server.faults.garble = False
        await wait_for(lambda: reads_again(drive), 2.0)
        await drive.close()


@TRANSPORTS
async def test_a_silent_drive_is_known_within_about_one_tick(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.silent = True
        took, _ = await failing_read_takes(drive)
        assert took < drive.timeout_s + 0.125  # 0.15 s with the old 25 ms timeout
        server.faults.silent = False
        await wait_for(lambda: reads_again(drive), 2.0)
        await drive.close()


@TRANSPORTS
async def test_server_gone_mid_run_the_driver_fails_fast_and_the_drive_stops_itself(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        drive = await opened(url)
        await exchange(drive, FORWARD, 1.5, until=lambda s: s.belt_kmh > 2.8)
        await server.stop_serving()  # the bus is gone; the simulated drive keeps running
        gone = time.monotonic()
        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(DriveCommsError):
                await drive.read()
            assert time.monotonic() - started < 0.2
        took = await wait_for(lambda: server.world.status().belt_kmh <= 0.05, 3.0)
        elapsed = time.monotonic() - gone
        assert elapsed <= self_stop_bound_s(3.0), f"{elapsed:.2f} s"
        assert elapsed >= 0.5 and took >= 0.0
        assert server.world.belt.fault_code == 0x0E  # the drive's comm-loss fault
        await drive.close()


@TRANSPORTS
async def test_a_watchdog_that_does_not_stick_refuses_to_run(transport, tmp_path):
    async with served(transport, tmp_path) as (server, url):
        server.faults.refuse_watchdog = 1  # the drive ignores the write silently
        drive = open_drive(url)
        with pytest.raises(DriveConfigError, match=r"did not stick: wrote 5 to 0x0903, read back 0"):
            await drive.open()
        await drive.close()
        assert server.world.status().belt_kmh == 0.0 and not server.world.belt.enabled


async def test_a_watchdog_write_answered_with_an_exception_refuses_to_run(tmp_path):
    async with served("tcp", tmp_path) as (server, url):
        server.faults.refuse_watchdog = 2
        drive = open_drive(url)
        with pytest.raises(DriveConfigError, match=r"refused its comm-loss watchdog setting"):
            await drive.open()
        await drive.close()


async def test_a_declared_external_watchdog_skips_the_check(tmp_path, caplog):
    config = tmp_path / "site.toml"
    config.write_text("[drive]\nexternal_watchdog = true\n")
    async with served("tcp", tmp_path) as (server, url):
        server.faults.refuse_watchdog = 1
        with caplog.at_level(logging.WARNING, logger="retrotread.drivers.modbus"):
            drive = await opened(f"{url}&config={config}")
        assert "external hardware watchdog" in caplog.text
        await drive.close()


@pytest.mark.parametrize("profile, expected_s", [("yaskawa-v1000", 0.5), ("siemens-v20", 0.5),
                                                  ("abb-drives", 0.5), ("cia402", 0.5)])
async def test_every_profile_arms_the_served_watchdog(tmp_path, profile, expected_s):
    async with served("tcp", tmp_path, profile=profile) as (server, url):
        assert server.drive.watchdog_s != expected_s  # the factory value: off or slower
        drive = await opened(url)
        assert server.drive.watchdog_s == expected_s
        assert server.world.belt.comm_loss_timeout_s == expected_s
        await drive.close()


async def test_the_first_failure_is_logged_loudly_and_the_repeats_quietly(tmp_path, caplog):
    async with served("tcp", tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.silent = True
        with caplog.at_level(logging.DEBUG, logger="retrotread.drivers.modbus"):
            for _ in range(4):
                with pytest.raises(DriveCommsError):
                    await drive.read()
            server.faults.silent = False
            await wait_for(lambda: reads_again(drive), 2.0)
        records = [r for r in caplog.records if r.name == "retrotread.drivers.modbus"]
        assert [r.levelno for r in records].count(logging.ERROR) == 1
        assert sum(r.levelno == logging.DEBUG for r in records) >= 3
        assert [r for r in records if r.levelno == logging.WARNING][-1].getMessage().endswith(
            "answering again after 4 failed requests")
        await drive.close()


async def test_one_bus_one_lock_concurrent_reads_and_writes_do_not_interleave(tmp_path):
    async with served("tcp", tmp_path) as (server, url):
        first, second = await opened(url), await opened(url)
        assert first.bus is second.bus  # same endpoint, same event loop: one bus
        results = await asyncio.gather(*[first.read() for _ in range(15)],
                                       *[second.write(FORWARD) for _ in range(15)],
                                       *[second.read() for _ in range(15)])
        assert all(r is None or r.fault_code == 0 for r in results)
        assert first.stats.failures == 0
        await first.close()
        await second.close()


async def test_after_a_failure_the_next_call_reconnects(tmp_path):
    async with served("tcp", tmp_path) as (server, url):
        drive = await opened(url)
        server.faults.reply_delay_ms = 200
        with pytest.raises(DriveCommsError):
            await drive.read()
        server.faults.reply_delay_ms = 0
        # The late reply of the failed request must not be taken for the next one's.
        status = await drive.read()
        assert status.fault_code == 0
        await drive.write(FORWARD)
        assert drive.stats.failures == 1
        await drive.close()
