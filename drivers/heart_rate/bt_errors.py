"""What a failure of the Bluetooth stack means to an operator, in one line.

bleak reports a machine without Bluetooth in several ways, depending on how much of the stack
is there: no D-Bus system bus at all (a bare OSError from the socket), D-Bus without BlueZ
(org.freedesktop.DBus.Error.ServiceUnknown), BlueZ without an adapter or with it switched off
(BleakBluetoothNotAvailableError). All of them mean the same to the person at the treadmill.
"""

from __future__ import annotations

from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

_NO_BLUEZ = ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner")


def one_line(text: object) -> str:
    """Collapse whitespace so that a message stays on one line."""
    return " ".join(str(text).split())


def adapter_problem(exc: BaseException) -> str | None:
    """'no Bluetooth adapter (...)' and the like when `exc` means Bluetooth is unusable here,
    else None (the failure is about the device, not the machine)."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        if exc.reason is BleakBluetoothNotAvailableReason.POWERED_OFF:
            return "Bluetooth is switched off (power the adapter on: bluetoothctl power on)"
        if exc.reason in (BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
                          BleakBluetoothNotAvailableReason.DENIED_BY_USER,
                          BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN):
            return f"Bluetooth access denied ({one_line(exc.args[0])})"
        return f"no Bluetooth adapter ({one_line(exc.args[0])})"
    if isinstance(exc, BleakDBusError) and exc.dbus_error in _NO_BLUEZ:
        return "no Bluetooth adapter (BlueZ is not running: systemctl start bluetooth)"
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return "no Bluetooth adapter (no D-Bus system bus: is BlueZ installed and running?)"
    if isinstance(exc, PermissionError):
        return f"Bluetooth access denied ({one_line(exc)})"
    if isinstance(exc, BleakError) and "adapter" in str(exc).lower():
        return f"no Bluetooth adapter ({one_line(exc)})"
    return None


def describe(exc: BaseException) -> str:
    """One line for any failure of a scan or a connection."""
    problem = adapter_problem(exc)
    if problem:
        return problem
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = one_line(exc) or type(exc).__name__
    return f"Bluetooth error: {text}"
