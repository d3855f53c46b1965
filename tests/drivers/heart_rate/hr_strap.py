"""An emulated heart-rate strap on the virtual link: a bumble Device with a GATT server holding
the Heart Rate service (0x180D): measurement 0x2A37 (notify) and body sensor location 0x2A38.

It advertises its name and 0x180D like a real strap, notifies whatever bytes a test asks for
(well-formed or garbled), can go silent, and can drop the connection - coming back to
advertising at once or only when told, as a strap that left the room and returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bumble import gatt, hci
from bumble.core import AdvertisingData
from bumble.device import Connection

from bumble_backend import VirtualAir, make_device

CHEST = 1  # body sensor location
HR_SERVICE_16 = bytes.fromhex("0d18")  # 0x180D, little-endian as in advertising data
ADVERTISING_INTERVAL_MS = 20  # short, so that a scan in a test finds it at once


async def until(condition: Callable[[], bool], *, within_s: float = 5.0) -> None:
    """Let the link run until `condition()` holds; AssertionError if it never does (the bound
    only ends a broken test: nothing here asserts how fast the link is)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within_s
    while not condition():
        if loop.time() > give_up:
            raise AssertionError(f"still not true after {within_s} s: {condition.__doc__ or condition}")
        await asyncio.sleep(0.001)


def encode_measurement(bpm: int, *, contact: bool | None = None, energy_kj: int | None = None,
                       rr_s: tuple[float, ...] = (), wide: bool | None = None) -> bytes:
    """A 0x2A37 value as a strap builds it (test support, written apart from the parser)."""
    wide = bpm > 0xFF if wide is None else wide
    flags = (0x01 if wide else 0) | (0x08 if energy_kj is not None else 0) | (0x10 if rr_s else 0)
    if contact is not None:
        flags |= 0x04 | (0x02 if contact else 0)
    body = bpm.to_bytes(2 if wide else 1, "little")
    if energy_kj is not None:
        body += energy_kj.to_bytes(2, "little")
    body += b"".join(round(rr * 1024).to_bytes(2, "little") for rr in rr_s)
    return bytes([flags]) + body


class EmulatedStrap:
    """A strap advertising on `air`; create with `await EmulatedStrap.start(air, ...)`."""

    def __init__(self, air: VirtualAir, name: str, with_hr_service: bool) -> None:
        self.device = make_device(air, name)
        self.name = name
        self.with_hr_service = with_hr_service
        self.comes_back = True          # re-advertise right after a drop
        self.drops_on_subscribe = 0     # this many subscriptions are answered with a drop
        self.drops_on_connect = 0       # this many connections are dropped at once
        self.notifications = 0
        self.measurement = gatt.Characteristic(
            gatt.GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC, gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.READABLE, b"\x00\x00")
        location = gatt.Characteristic(
            gatt.GATT_BODY_SENSOR_LOCATION_CHARACTERISTIC, gatt.Characteristic.Properties.READ,
            gatt.Characteristic.READABLE, bytes([CHEST]))
        # a device that is not a strap: the same characteristics under another service
        service_uuid = gatt.GATT_HEART_RATE_SERVICE if with_hr_service else gatt.GATT_BATTERY_SERVICE
        self.device.add_service(gatt.Service(service_uuid, [self.measurement, location]))
        self._subscribed = asyncio.Event()
        self.measurement.on(gatt.Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)
        self.device.on(self.device.EVENT_CONNECTION, self._on_connection)

    @classmethod
    async def start(cls, air: VirtualAir, *, name: str = "HRM-Dual:123", with_hr_service: bool = True,
                    advertise: bool = True) -> EmulatedStrap:
        strap = cls(air, name, with_hr_service)
        await strap.device.power_on()
        if advertise:
            await strap.advertise()
        return strap

    @property
    def address(self) -> str:
        return str(self.device.random_address)

    @property
    def connections(self) -> list[Connection]:
        return list(self.device.connections.values())

    async def advertise(self) -> None:
        fields = [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]
        if self.with_hr_service:
            fields.append((AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, HR_SERVICE_16))
        data = AdvertisingData(fields)
        await self.device.start_advertising(advertising_data=bytes(data),
                                            advertising_interval_min=ADVERTISING_INTERVAL_MS,
                                            advertising_interval_max=ADVERTISING_INTERVAL_MS)

    async def stop_advertising(self) -> None:
        await self.device.stop_advertising()

    async def subscribed(self) -> None:
        """Wait until the central has enabled notifications on 0x2A37."""
        await self._subscribed.wait()

    async def notify_raw(self, data: bytes) -> None:
        await self.device.notify_subscribers(self.measurement, bytes(data))
        self.notifications += 1

    async def notify(self, bpm: int, **fields) -> None:
        await self.notify_raw(encode_measurement(bpm, **fields))

    async def drop(self, *, comes_back: bool = True) -> None:
        """End the connection from the strap's side (out of range, battery swapped)."""
        self.comes_back = comes_back
        for connection in self.connections:
            await connection.disconnect(hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR)

    def _on_subscription(self, _connection, notify_enabled: bool, _indicate_enabled: bool) -> None:
        if notify_enabled and self.drops_on_subscribe > 0:
            self.drops_on_subscribe -= 1
            asyncio.get_running_loop().create_task(self.drop())
        elif notify_enabled:
            self._subscribed.set()
        else:
            self._subscribed.clear()

    def _on_connection(self, connection: Connection) -> None:
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        if self.drops_on_connect > 0:
            self.drops_on_connect -= 1
            asyncio.get_running_loop().create_task(self.drop(comes_back=self.comes_back))

    def _on_disconnection(self, _reason: int) -> None:
        self._subscribed.clear()
        if self.comes_back:
            asyncio.get_running_loop().create_task(self.advertise())
