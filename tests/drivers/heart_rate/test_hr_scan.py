"""`retrotread hr-scan` and the no-adapter path: straps found by service over the virtual link,
and this machine's real bleak (no Bluetooth adapter, no BlueZ) turned into one line, exit 2."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from controller.clock import MonotonicClock
from drivers.heart_rate import HeartRateError, open_heart_rate
from drivers.heart_rate.bt_errors import adapter_problem, describe
from drivers.heart_rate.scan import StrapSeen, scan_straps
from hr_strap import EmulatedStrap
from ui import cli
from ui.hr_scan import run_scan

LISTEN_S = 0.1  # two advertising intervals of the emulated straps are enough; five are given


async def test_a_scan_lists_the_straps_advertising_0x180d_and_nothing_else(air):
    first = await EmulatedStrap.start(air, name="HRM-Dual:123")
    second = await EmulatedStrap.start(air, name="H10 9A1B2C3D")
    await EmulatedStrap.start(air, name="a-thermometer", with_hr_service=False)
    await EmulatedStrap.start(air, name="asleep", advertise=False)
    found = await scan_straps(LISTEN_S, backend=air.bleak_backend())
    # bumble's controller reports -50 dBm for all; equal strength lists by address
    assert first.address < second.address
    assert found == [StrapSeen(first.address, "HRM-Dual:123", -50), StrapSeen(second.address, "H10 9A1B2C3D", -50)]


async def test_hr_scan_prints_one_strap_a_line(air):
    strap = await EmulatedStrap.start(air, name="HRM-Pro")
    out, err = io.StringIO(), io.StringIO()
    assert await run_scan(LISTEN_S, backend=air.bleak_backend(), out=out, err=err) == 0
    assert out.getvalue() == f"{strap.address}  HRM-Pro  -50 dBm\n"
    assert err.getvalue() == ""


async def test_hr_scan_with_no_strap_in_range_is_one_line_and_exit_2(air):
    await EmulatedStrap.start(air, name="a-thermometer", with_hr_service=False)
    out, err = io.StringIO(), io.StringIO()
    assert await run_scan(LISTEN_S, backend=air.bleak_backend(), out=out, err=err) == 2
    assert out.getvalue() == ""
    assert err.getvalue() == ("retrotread: hr-scan: no heart-rate strap (service 0x180D) found within 0.1 s "
                              "(wear it: most straps advertise only with skin contact)\n")


def _machine_has_no_system_bus() -> bool:
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/var/run/dbus/system_bus_socket")
    path = address.partition("unix:path=")[2].split(",")[0]
    return bool(path) and not Path(path).exists()


def _expected_without_bluetooth() -> str:
    # On this project's machines there is no D-Bus system bus (so no BlueZ, no adapter); on a
    # desk with Bluetooth the same call still ends in one line, about the adapter or the strap.
    return "no Bluetooth adapter" if _machine_has_no_system_bus() else ""


def test_hr_scan_without_an_adapter_is_one_line_and_exit_2_through_the_real_bleak(capsys):
    assert cli.main(["hr-scan", "--seconds", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("retrotread: hr-scan: ")
    assert _expected_without_bluetooth() in lines[0]
    assert "Traceback" not in captured.err


async def test_opening_a_strap_without_an_adapter_is_one_line_through_the_real_bleak():
    source = open_heart_rate("ble://AA:BB:CC:DD:EE:FF", MonotonicClock(), scan_s=1.0)
    with pytest.raises(HeartRateError) as refused:
        await source.open()
    message = str(refused.value)
    assert message.startswith("--hr ble://AA:BB:CC:DD:EE:FF: ") and "\n" not in message
    assert _expected_without_bluetooth() in message
    assert source.bpm_now(0.0) is None


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "ten", "121"])
def test_hr_scan_refuses_a_bad_listening_time_in_one_line(capsys, seconds):
    with pytest.raises(SystemExit) as exited:
        cli.main(["hr-scan", "--seconds", seconds])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seconds" in err


@pytest.mark.parametrize(("exc", "says"), [
    (BleakBluetoothNotAvailableError("No Bluetooth adapters found.", BleakBluetoothNotAvailableReason.NO_BLUETOOTH),
     "no Bluetooth adapter (No Bluetooth adapters found.)"),
    (BleakBluetoothNotAvailableError("Bluetooth adapter is powered off.", BleakBluetoothNotAvailableReason.POWERED_OFF),
     "Bluetooth is switched off (power the adapter on: bluetoothctl power on)"),
    (BleakBluetoothNotAvailableError("Access denied", BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM),
     "Bluetooth access denied (Access denied)"),
    (BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown", ["The name org.bluez was not provided"]),
     "no Bluetooth adapter (BlueZ is not running: systemctl start bluetooth)"),
    (FileNotFoundError(2, "No such file or directory"),
     "no Bluetooth adapter (no D-Bus system bus: is BlueZ installed and running?)"),
    (ConnectionRefusedError(111, "Connection refused"),
     "no Bluetooth adapter (no D-Bus system bus: is BlueZ installed and running?)"),
    (BleakError("adapter 'hci1' not found"), "no Bluetooth adapter (adapter 'hci1' not found)"),
])
def test_every_way_bleak_says_no_bluetooth_is_one_line(exc, says):
    assert adapter_problem(exc) == says
    assert describe(exc) == says


@pytest.mark.parametrize(("exc", "says"), [
    (TimeoutError(), "timed out"),
    (BleakError("Device with address X was not found."), "Bluetooth error: Device with address X was not found."),
    (BleakDBusError("org.bluez.Error.Failed", ["le-connection-abort-by-local\n(retry)"]),
     "Bluetooth error: [org.bluez.Error.Failed] le-connection-abort-by-local (retry)"),
])
def test_a_device_failure_is_not_called_a_missing_adapter(exc, says):
    assert adapter_problem(exc) is None
    assert describe(exc) == says
