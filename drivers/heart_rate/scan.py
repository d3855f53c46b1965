"""Finding straps: the ones that advertise the Heart Rate service, and one by its address."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bleak import BleakScanner

from drivers.heart_rate import HR_SERVICE_UUID, BleakBackend


@dataclass(frozen=True, slots=True)
class StrapSeen:
    """A strap heard during a scan."""

    address: str
    name: str | None
    rssi_dbm: int


def _scanner_class(backend: BleakBackend | None) -> type | None:
    return None if backend is None else backend.scanner


async def scan_straps(seconds: float, *, backend: BleakBackend | None = None) -> list[StrapSeen]:
    """Listen for `seconds` and return the straps advertising service 0x180D, strongest first.

    Raises what bleak raises (bt_errors.describe turns it into one line)."""
    scanner = BleakScanner(service_uuids=[HR_SERVICE_UUID], backend=_scanner_class(backend))
    async with scanner:
        await asyncio.sleep(seconds)
    found = [
        StrapSeen(address=device.address.upper(), name=advert.local_name or device.name or None,
                  rssi_dbm=advert.rssi)
        for device, advert in scanner.discovered_devices_and_advertisement_data.values()
        # BlueZ may report devices seen by another scan; keep only what said 0x180D
        if HR_SERVICE_UUID in (uuid.lower() for uuid in advert.service_uuids)
    ]
    return sorted(found, key=lambda strap: (-strap.rssi_dbm, strap.address))


async def find_strap(address: str, seconds: float, *, backend: BleakBackend | None = None) -> Any | None:
    """The BLEDevice with this address once it advertises (any advertisement: some straps put
    0x180D only in the scan response), or None after `seconds`."""
    return await BleakScanner.find_device_by_address(address, timeout=seconds,
                                                     backend=_scanner_class(backend))
