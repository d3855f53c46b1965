"""One missed or late reply does not make a Modbus drive unusable: the request fails within the
reply timeout, the connection is dropped (a late reply is never taken for a later request's),
and the next request succeeds. (That the controller's 0.25 s comms watchdog alone trips is
tested on the controller side.)
"""

from __future__ import annotations

import time

import pytest

from drivers.base import Direction, DriveCommand, DriveCommsError
from drivers.modbus import DEFAULT_TIMEOUT_S
from modbus_support import exchange, opened, served_tcp, tcp_url
from sim.control import ControlClient

RUN = DriveCommand(True, Direction.FORWARD, 3.0)


def test_the_default_reply_timeout_stays_well_below_the_comms_watchdog():
    from controller.limits import load_site_config

    comms_timeout_s = load_site_config(None).comms_timeout_s
    # one missed reply (plus a tick) never trips the controller; two in a row fit within it
    assert 2 * DEFAULT_TIMEOUT_S + 0.02 < comms_timeout_s


async def test_one_dropped_reply_fails_one_request_and_the_next_succeeds():
    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, "delta-ms300"))  # the default reply timeout
        await exchange(drive, RUN, 1.0, until=lambda s: s.belt_kmh > 2.9)
        host, port = server.address
        async with ControlClient(host, port) as control:
            await control.set_faults(drop_replies=1)  # over the control unit, as from outside
        start = time.monotonic()
        with pytest.raises(DriveCommsError, match="no reply within"):
            await drive.read()
        assert time.monotonic() - start < 2 * DEFAULT_TIMEOUT_S + 0.1
        failures = drive.stats.failures
        status = await drive.read()
        await drive.write(RUN)
        assert status.belt_kmh > 2.5 and status.direction is Direction.FORWARD
        assert drive.stats.failures == failures and server.faults.drop_replies == 0
        await drive.close()


async def test_one_late_reply_is_not_taken_for_the_next_request_s():
    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, "delta-ms300"))
        await exchange(drive, RUN, 1.0, until=lambda s: s.belt_kmh > 2.9)
        server.faults.reply_delay_ms = round(DEFAULT_TIMEOUT_S * 1000) * 3
        with pytest.raises(DriveCommsError, match="no reply within"):
            await drive.write(RUN)
        server.faults.reply_delay_ms = 0
        for _ in range(5):  # the late write reply arrives on the dropped connection, never here
            status = await drive.read()
            assert status.belt_kmh > 2.5 and status.direction is Direction.FORWARD
            await drive.write(RUN)
        await drive.close()
