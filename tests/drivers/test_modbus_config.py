"""Modbus driver URLs and the site's [drive] table: bad input is refused with one line (S12)."""

from __future__ import annotations

import re

import pytest

from drivers import open_drive
from drivers.base import DriveConfigError, DriveUrlError
from drivers.modbus import DEFAULT_TIMEOUT_S, ModbusDrive
from drivers.site import DriveSite, load_drive_site


async def build(url: str, **options) -> ModbusDrive:
    drive = open_drive(url, **options)
    await drive.close()  # releases the bus; nothing was connected
    return drive


async def test_a_tcp_url_with_defaults():
    drive = await build("modbus-tcp://127.0.0.1:5020?profile=delta-ms300")
    assert drive.unit == 1 and drive.profile.name == "delta-ms300"
    assert drive.timeout_s == DEFAULT_TIMEOUT_S == 0.1  # docs/performance.md, "Modbus reply timeout"
    assert drive.watchdog_timeout_s == 0.5 and drive.reaction == "ramp"
    assert drive.name == "modbus-tcp://127.0.0.1:5020 unit 1 (delta-ms300)"


async def test_an_rtu_url_with_framing_unit_and_timeout():
    drive = await build("modbus-rtu:///dev/ttyUSB0?profile=yaskawa-v1000&baud=9600&parity=E&unit=3&timeout_ms=80")
    endpoint = drive.bus.endpoint
    assert (endpoint.where, endpoint.baud, endpoint.parity, endpoint.stopbits) == ("/dev/ttyUSB0", 9600, "E", 1)
    assert drive.unit == 3 and drive.timeout_s == 0.08


async def test_rtu_default_timeout_adds_the_wire_time_at_low_baud_rates():
    slow = await build("modbus-rtu:///dev/ttyS0?profile=yaskawa-v1000&baud=9600")
    fast = await build("modbus-rtu:///dev/ttyS0?profile=yaskawa-v1000&baud=115200")
    assert DEFAULT_TIMEOUT_S < fast.timeout_s < slow.timeout_s < DEFAULT_TIMEOUT_S + 0.075


async def test_the_site_comm_loss_timeout_is_the_default_for_the_drive_watchdog():
    class Site:
        drive_comm_loss_timeout_s = 0.8

    drive = await build("modbus-tcp://127.0.0.1:5020?profile=delta-ms300", site=Site())
    assert drive.watchdog_timeout_s == 0.8


@pytest.mark.parametrize("url, message", [
    ("modbus-tcp://127.0.0.1:5020", "needs ?profile=NAME"),
    ("modbus-tcp://127.0.0.1:5020?profile=nope", "unknown drive profile 'nope'"),
    ("modbus-tcp://127.0.0.1:5020?profile=delta-ms300&speed=3", "unknown parameter 'speed'"),
    ("modbus-tcp://127.0.0.1:99999?profile=delta-ms300", "port"),
    ("modbus-tcp://:5020?profile=delta-ms300", "expected modbus-tcp://HOST:PORT"),
    ("modbus-tcp://h:1?profile=delta-ms300&unit=0", "unit 0 must be within 1-247"),
    ("modbus-tcp://h:1?profile=delta-ms300&unit=x", "unit 'x' is not a whole number"),
    ("modbus-tcp://h:1?profile=delta-ms300&timeout_ms=1", "timeout_ms 1 must be within"),
    ("modbus-tcp://h:1?profile=delta-ms300&baud=9600", "unknown parameter 'baud'"),
    ("modbus-tcp://h:1?profile=delta-ms300&key=none", "key 'none' must be io:N, drive:BIT"),
    ("modbus-tcp://h:1?profile=delta-ms300&fall=io:x", "fall 'x' is not a whole number"),
    ("modbus-rtu://dev/ttyUSB0?profile=delta-ms300", "three slashes"),
    ("modbus-rtu:///dev/ttyUSB0?profile=delta-ms300&parity=X", "parity 'X' must be N, E or O"),
    ("modbus-rtu:///dev/ttyUSB0?profile=delta-ms300&stopbits=3", "stopbits 3 must be within 1-2"),
    ("modbus-tcp://h:1?profile=delta-ms300&profile=cia402", "given more than once"),
])
def test_bad_urls_are_refused_with_one_line(url, message):
    with pytest.raises(DriveUrlError, match=re.escape(message)) as caught:
        open_drive(url)
    assert "\n" not in str(caught.value)


def test_drive_inputs_on_a_profile_without_a_di_register_are_refused():
    with pytest.raises(DriveConfigError, match="no digital-input register"):
        open_drive("modbus-tcp://h:1?profile=delta-ms300&key=drive:2")


def test_a_reaction_the_drive_does_not_offer_is_refused(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[drive]\ncomm_loss_reaction = "ramp"\n')
    with pytest.raises(DriveConfigError, match="'ramp' is not offered"):
        open_drive(f"modbus-tcp://h:1?profile=abb-drives&config={site}")


async def test_url_input_wiring_overrides_the_site_file(tmp_path):
    drive = await build("modbus-tcp://h:1?profile=yaskawa-v1000&key=drive:4&fall=none&io_unit=7")
    assert drive.site.safety_key.source == "drive" and drive.site.safety_key.bit == 4
    assert drive.site.fall_stop.source == "none" and drive.site.io_unit == 7


# ---- the [drive] table ----------------------------------------------------------------------

def test_a_site_file_without_a_drive_table_gives_the_defaults(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("control_rate_hz = 40\n")
    assert load_drive_site(site) == DriveSite()


def test_a_drive_table_is_read(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[drive]\nkmh_per_hz = 0.3\nmax_hz = 60\nmotor_forward_is = "reverse"\n'
                    'safety_key = { source = "drive", bit = 0, ok_when = "open" }\n')
    loaded = load_drive_site(site)
    assert loaded.kmh_per_hz == 0.3 and loaded.max_kmh == pytest.approx(18.0)
    assert loaded.motor_forward_is == "reverse" and not loaded.safety_key.is_ok(True)


@pytest.mark.parametrize("table, message", [
    ("kmh_per_hz = 5.0", r"drive.kmh_per_hz: Input should be less than or equal to 2"),
    ("kmh_per_hz = \"0.3\"", r"drive.kmh_per_hz: Input should be a valid number"),
    ("max_hz = true", r"drive.max_hz"),
    ("speed = 1", r"drive.speed: unknown key"),
    ("comm_loss_timeout_s = 5", r"drive.comm_loss_timeout_s"),
    ("motor_forward_is = \"backward\"", r"drive.motor_forward_is"),
    ("safety_key = { source = \"none\" }", r"safety key must be wired"),
    ("fall_stop = { source = \"io\" }", r"needs `input`"),
    ("fall_stop = { source = \"drive\", bit = 16 }", r"drive.fall_stop.bit"),
])
def test_bad_drive_tables_are_refused_naming_file_and_field(tmp_path, table, message):
    site = tmp_path / "site.toml"
    site.write_text(f"[drive]\n{table}\n")
    with pytest.raises(DriveConfigError, match=message) as caught:
        load_drive_site(site)
    assert str(caught.value).startswith(str(site))
    assert "\n" not in str(caught.value)


def test_a_missing_or_broken_site_file_is_refused(tmp_path):
    with pytest.raises(DriveConfigError, match="no such file"):
        load_drive_site(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[drive\n")
    with pytest.raises(DriveConfigError, match="not valid TOML"):
        load_drive_site(broken)
