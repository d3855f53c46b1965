"""A bleak backend on bumble's virtual link: the stand-in for the radio and BlueZ in tests.

bleak's public BleakScanner / BleakClient accept `backend=` classes; these implement bleak 3.1's
BaseBleakScanner and BaseBleakClient contracts on a bumble Device (the "adapter") whose
Controller sits on a bumble LocalLink, beside the emulated straps' controllers (hr_strap.py).
Everything above the backend - bleak's own scanner and client front-ends and the project's
strap source - runs as in production.

    air = VirtualAir()
    strap = await EmulatedStrap.start(air)
    source = open_heart_rate(f"ble://{strap.address}", clock, backend=air.bleak_backend())
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

from bleak.assigned_numbers import gatt_char_props_to_strs
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str
from bumble import core, hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.host import Host
from bumble.transport.common import AsyncPipeSink

from drivers.heart_rate import BleakBackend

T = TypeVar("T")
_SERVICE_LIST_TYPES = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)


def bleak_uuid(uuid: core.UUID) -> str:
    """bumble's UUID as bleak spells it: 128-bit, lower case."""
    return normalize_uuid_str(uuid.to_hex_str("-"))


def make_device(air: VirtualAir, name: str) -> Device:
    """A bumble Device whose controller is on `air`, with a fresh static random address."""
    address = air.new_address()
    controller = Controller(name, link=air.link, public_address=address)
    return Device(name=name, address=hci.Address(address), host=Host(controller, AsyncPipeSink(controller)))


class VirtualAir:
    """One virtual radio space: a bumble LocalLink and the central's adapter on it."""

    def __init__(self) -> None:
        from bumble.link import LocalLink

        self.link = LocalLink()
        self._serial = itertools.count(1)
        self.adapter = make_device(self, "adapter")
        self._powered = False
        self._scanners = 0
        self._scan_lock = asyncio.Lock()

    def new_address(self) -> str:
        """A unique static random address (top two bits set, as the spec wants)."""
        serial = next(self._serial)
        return f"C0:00:00:00:{serial >> 8:02X}:{serial & 0xFF:02X}"

    async def power_on(self) -> None:
        if not self._powered:
            await self.adapter.power_on()
            self._powered = True

    async def scanner_started(self, active: bool) -> None:
        async with self._scan_lock:
            await self.power_on()
            self._scanners += 1
            if self._scanners == 1:
                await self.adapter.start_scanning(active=active, filter_duplicates=False)

    async def scanner_stopped(self) -> None:
        async with self._scan_lock:
            self._scanners -= 1
            if self._scanners == 0:
                await self.adapter.stop_scanning()

    def bleak_backend(self) -> BleakBackend:
        """Scanner and client classes bound to this air, for bleak's `backend=`."""
        return BleakBackend(scanner=type("BumbleScanner", (BumbleScanner,), {"air": self}),
                            client=type("BumbleClient", (BumbleClient,), {"air": self}))


def _advertisement_data(advert: Advertisement) -> AdvertisementData:
    data = advert.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    uuids = [bleak_uuid(uuid) for kind in _SERVICE_LIST_TYPES for uuid in (data.get(kind) or [])]
    manufacturer = data.get(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)
    return AdvertisementData(
        local_name=name if isinstance(name, str) else None,
        manufacturer_data=dict([manufacturer]) if manufacturer else {},
        service_data={},
        service_uuids=uuids,
        tx_power=None,
        rssi=advert.rssi,
        platform_data=(advert,),
    )


class BumbleScanner(BaseBleakScanner):
    """BaseBleakScanner on the air's adapter (bound by VirtualAir.bleak_backend)."""

    air: VirtualAir

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **_platform_args: Any):
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode == "active"
        self._listening = False

    async def start(self) -> None:
        self.seen_devices = {}  # the contract: cleared when scanning starts
        self.air.adapter.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._listening = True
        await self.air.scanner_started(self._active)

    async def stop(self) -> None:
        if self._listening:
            self._listening = False
            self.air.adapter.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            await self.air.scanner_stopped()

    def _on_advertisement(self, advert: Advertisement) -> None:
        advertisement = _advertisement_data(advert)
        if not self.is_allowed_uuid(advertisement.service_uuids):
            return
        address = str(advert.address)
        device = self.create_or_update_device(address, address, advertisement.local_name, advert.address,
                                              advertisement)
        self.call_detection_callbacks(device, advertisement)


class BumbleClient(BaseBleakClient):
    """BaseBleakClient on the air's adapter: connect, discover, read, write, notify."""

    air: VirtualAir

    def __init__(self, address_or_ble_device: BLEDevice | str, *, disconnected_callback=None,
                 timeout: float = 10.0, services=None, **_platform_args: Any) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        if isinstance(address_or_ble_device, BLEDevice) and isinstance(address_or_ble_device.details, hci.Address):
            self._peer_address = address_or_ble_device.details
            self._name = address_or_ble_device.name or self.address
        else:  # a plain string: straps use static random addresses
            self._peer_address = hci.Address(str(address_or_ble_device))
            self._name = self.address
        self._connection: Connection | None = None
        self._disconnecting = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        if self._connection is None:
            raise BleakError("Not connected")
        return self._connection.att_mtu

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        await self.air.power_on()
        timeout_s = kwargs.get("timeout", self._timeout)
        try:
            connection = await self.air.adapter.connect(self._peer_address, timeout=timeout_s)
        except (core.TimeoutError, asyncio.TimeoutError):
            raise TimeoutError(f"{self.address}: no connection within {timeout_s:g} s") from None
        except core.BaseBumbleError as exc:
            raise BleakError(f"{self.address}: connection failed: {exc}") from None
        self._connection = connection
        self._disconnecting = False
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            self.services = await self._over_link(self._discover(connection), "service discovery")
        except BaseException:
            await self.disconnect()
            raise

    async def _over_link(self, operation: Awaitable[T], what: str) -> T:
        """Await a GATT operation; a link that drops under it is a BleakError, as with BlueZ
        (bumble cancels the pending request, which would otherwise look like our own cancel)."""
        try:
            return await operation
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # a real cancel, from above
                raise
            raise BleakError(f"{self.address}: disconnected during {what}") from None

    async def _discover(self, connection: Connection) -> BleakGATTServiceCollection:
        peer = Peer(connection)
        await peer.discover_services()
        collection = BleakGATTServiceCollection()
        for service in peer.services:
            bleak_service = BleakGATTService(service, service.handle, bleak_uuid(service.uuid))
            collection.add_service(bleak_service)
            await service.discover_characteristics()
            for characteristic in service.characteristics:
                await characteristic.discover_descriptors()
                bleak_char = BleakGATTCharacteristic(
                    characteristic, characteristic.handle, bleak_uuid(characteristic.uuid),
                    list(gatt_char_props_to_strs(int(characteristic.properties))),
                    lambda: self.mtu_size - 3, bleak_service)
                collection.add_characteristic(bleak_char)
                for descriptor in characteristic.descriptors:
                    collection.add_descriptor(BleakGATTDescriptor(descriptor, descriptor.handle,
                                                                  bleak_uuid(descriptor.type), bleak_char))
        return collection

    def _on_disconnection(self, _reason: int) -> None:
        self._connection = None
        requested, self._disconnecting = self._disconnecting, False
        # bleak's contract: the callback is for disconnects nobody here asked for
        if not requested and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._disconnecting = True
        try:
            await connection.disconnect()
        except core.BaseBumbleError as exc:
            raise BleakError(f"{self.address}: disconnect failed: {exc}") from None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("pairing is not emulated: heart-rate straps need none")

    async def unpair(self) -> None:
        raise NotImplementedError("pairing is not emulated: heart-rate straps need none")

    def _require_connection(self) -> None:
        if self._connection is None:
            raise BleakError("Not connected")

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False,
                             **kwargs: Any) -> bytearray:
        self._require_connection()
        return bytearray(await self._over_link(characteristic.obj.read_value(), "a read"))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False,
                                   **kwargs: Any) -> bytearray:
        self._require_connection()
        return bytearray(await self._over_link(descriptor.obj.read_value(), "a read"))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data, response: bool) -> None:
        self._require_connection()
        await self._over_link(characteristic.obj.write_value(bytes(data), with_response=response), "a write")

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data) -> None:
        self._require_connection()
        await self._over_link(descriptor.obj.write_value(bytes(data), with_response=True), "a write")

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        self._require_connection()
        await self._over_link(characteristic.obj.subscribe(lambda value: callback(bytearray(value)),
                                                           prefer_notify=True), "subscribing")

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._require_connection()
        await self._over_link(characteristic.obj.unsubscribe(), "unsubscribing")
