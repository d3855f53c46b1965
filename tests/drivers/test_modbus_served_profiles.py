"""Every shipped profile over the wire: the driver walks the served drive's state machine,
runs it both ways and stops it; interlocks read from an I/O unit or the drive's own inputs.
"""

from __future__ import annotations

import pytest

from drivers.base import STOPPED, Direction, DriveCommand, StopMode
from drivers.profiles import available_profiles
from drivers.site import DriveSite, InputWiring, load_drive_site
from modbus_support import exchange, opened, served_tcp, tcp_url


def near(kmh: float, direction: Direction):
    return lambda s: s.direction is direction and abs(s.belt_kmh - kmh) < 0.15


@pytest.mark.parametrize("profile", available_profiles())
async def test_each_profile_runs_both_ways_and_stops_over_tcp(profile):
    async with served_tcp(profile) as server:
        drive = await opened(tcp_url(server, profile, timeout_ms=250))
        status = await exchange(drive, DriveCommand(True, Direction.FORWARD, 2.5), 2.0,
                                until=near(2.5, Direction.FORWARD))
        assert near(2.5, Direction.FORWARD)(status), status
        await exchange(drive, STOPPED, 2.0, until=lambda s: s.belt_kmh == 0.0)
        status = await exchange(drive, DriveCommand(True, Direction.REVERSE, 2.0), 2.0,
                                until=near(2.0, Direction.REVERSE))
        assert near(2.0, Direction.REVERSE)(status), status
        assert server.world.belt_velocity_kmh_signed < 0  # the belt really runs backward
        quick = DriveCommand(False, Direction.NONE, 0.0, stop_mode=StopMode.QUICK)
        status = await exchange(drive, quick, 2.0, until=lambda s: s.belt_kmh == 0.0)
        assert status.belt_kmh == 0.0
        await drive.close()


@pytest.mark.parametrize("profile", ["cia402", "abb-drives", "siemens-v20"])
async def test_a_state_machine_drive_is_re_enabled_after_a_fault_reset(profile):
    async with served_tcp(profile) as server:
        drive = await opened(tcp_url(server, profile, timeout_ms=250))
        await exchange(drive, DriveCommand(True, Direction.FORWARD, 1.0), 1.0, until=near(1.0, Direction.FORWARD))
        server.world.inject("drive-fault")
        status = await exchange(drive, STOPPED, 3.0, until=lambda s: s.fault_code and s.belt_kmh == 0.0)
        assert status.fault_code
        reset = DriveCommand(False, Direction.NONE, 0.0, fault_reset=True)
        status = await exchange(drive, reset, 1.0, until=lambda s: s.fault_code == 0)
        assert status.fault_code == 0
        status = await exchange(drive, DriveCommand(True, Direction.FORWARD, 1.0), 2.0,
                                until=near(1.0, Direction.FORWARD))
        assert near(1.0, Direction.FORWARD)(status), status
        await drive.close()


@pytest.mark.parametrize("table", [
    "",  # the default: the I/O unit's inputs 0 and 1, normally closed
    'safety_key = { source = "drive", bit = 2 }\nfall_stop = { source = "drive", bit = 5 }',
    'io_unit = 5\nsafety_key = { source = "io", input = 7, ok_when = "open" }\n'
    'fall_stop = { source = "drive", bit = 0, ok_when = "open" }',
], ids=["io-unit", "drive-di", "mixed-open"])
async def test_interlocks_come_from_where_the_site_wired_them(tmp_path, table):
    config = tmp_path / "site.toml"
    config.write_text(f"[drive]\n{table}\n")
    site = load_drive_site(config)
    async with served_tcp("yaskawa-v1000", site) as server:  # both ends read the same table
        drive = await opened(tcp_url(server, "yaskawa-v1000", config=config))
        status = await drive.read()
        assert (status.safety_key, status.fall_stop) == (True, True)
        server.world.inject("key-out")
        server.world.inject("harness-off")
        status = await drive.read()
        assert (status.safety_key, status.fall_stop) == (False, False)
        await drive.close()


async def test_a_site_without_a_fall_stop_reads_none():
    site = DriveSite(fall_stop=InputWiring(source="none"))
    async with served_tcp("delta-ms300", site) as server:
        drive = await opened(tcp_url(server, "delta-ms300", fall="none"))
        assert (await drive.read()).fall_stop is None
        await drive.close()
