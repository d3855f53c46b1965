"""A standard Bluetooth heart-rate strap through bleak: connect, subscribe to 0x2A37, keep the
newest reading, and reconnect in the background when the strap drops.

Loss is explicit: while the strap is disconnected, silent for more than `stale_s`, reports no
skin contact or sends 0 bpm, bpm_now() is None. It never repeats the last value forever and
never reads a lost signal as a low heart rate (REFERENCE.md: QZ #3817, runnerup #487).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterator
from typing import Any

from bleak import BleakClient

from drivers.heart_rate import (
    HR_MEASUREMENT_UUID,
    HR_SERVICE_UUID,
    STALE_S,
    BleakBackend,
    HeartRateError,
    HeartRateReading,
)
from drivers.heart_rate.bt_errors import adapter_problem, describe
from drivers.heart_rate.measurement import MeasurementError, parse_measurement
from drivers.heart_rate.scan import find_strap

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5
RETRY_MAX_S = 5.0
CONNECT_TIMEOUT_S = 10.0


class BleHeartRateSource:
    """HeartRateSource for one strap, `ble://ADDRESS`."""

    def __init__(self, address: str, clock: Any, *, scan_s: float = 10.0, backend: BleakBackend | None = None,
                 stale_s: float = STALE_S, retry_first_s: float = RETRY_FIRST_S,
                 retry_max_s: float = RETRY_MAX_S, connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.name = f"ble://{address}"
        self.address = address
        self.stale_s = stale_s
        self.garbled_count = 0      # notifications refused by the parser
        self.drop_count = 0         # unrequested disconnects
        self.reconnect_count = 0    # successful reconnects after a drop
        self._clock = clock
        self._scan_s = scan_s
        self._backend = backend
        self._retry_s = (retry_first_s, retry_max_s)
        self._connect_timeout_s = connect_timeout_s
        self._client: BleakClient | None = None
        self._connected = False
        self._closing = False
        self._latest: HeartRateReading | None = None
        self._live: HeartRateReading | None = None  # the newest reading of this connection
        self._reconnect_task: asyncio.Task | None = None

    # -- what the host reads -------------------------------------------------------------

    def bpm_now(self, now_s: float) -> float | None:
        """The newest bpm if it arrived within stale_s, the strap is connected, in contact and
        not sending 0; else None. One reference read: safe from another thread."""
        reading = self._live
        if reading is None or reading.contact is False or reading.bpm <= 0:
            return None
        age_s = now_s - reading.received_s
        if not age_s <= self.stale_s:  # written so that NaN is stale too
            return None
        return float(reading.bpm)

    def latest(self) -> HeartRateReading | None:
        return self._latest

    @property
    def connected(self) -> bool:
        return self._connected

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Scan for the strap, connect and subscribe; HeartRateError (one line) if not."""
        self._closing = False
        try:
            await self._connect_once()
        except HeartRateError:
            raise
        except Exception as exc:
            problem = adapter_problem(exc) or f"cannot connect: {describe(exc)}"
            raise HeartRateError(f"--hr {self.name}: {problem}") from None

    async def close(self) -> None:
        """Stop reconnecting and disconnect; safe to call twice."""
        self._closing = True
        self._connected = False
        self._live = None
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None:
            await _quietly_disconnect(client)

    # -- connecting ----------------------------------------------------------------------

    async def _connect_once(self) -> None:
        device = await self._find()
        client = BleakClient(device, disconnected_callback=self._on_disconnect,
                             timeout=self._connect_timeout_s,
                             backend=None if self._backend is None else self._backend.client)
        await client.connect()
        try:
            measurement = self._measurement_characteristic(client)
            self._client = client
            await client.start_notify(measurement, functools.partial(self._on_notify, client))
        except BaseException:
            self._client = None
            await _quietly_disconnect(client)
            raise
        self._connected = client.is_connected

    def _measurement_characteristic(self, client: BleakClient) -> Any:
        """0x2A37 inside service 0x180D (the same UUID elsewhere is not a heart rate)."""
        service = client.services.get_service(HR_SERVICE_UUID)
        if service is None:
            raise HeartRateError(f"--hr {self.name}: no heart-rate service (0x180D): is this a heart-rate strap?")
        characteristic = service.get_characteristic(HR_MEASUREMENT_UUID)
        if characteristic is None:
            raise HeartRateError(f"--hr {self.name}: its heart-rate service has no measurement (0x2A37)")
        return characteristic

    async def _find(self) -> Any:
        try:
            device = await find_strap(self.address, self._scan_s, backend=self._backend)
        except Exception as exc:
            if adapter_problem(exc) is None:
                raise
            raise HeartRateError(f"--hr {self.name}: {adapter_problem(exc)}") from None
        if device is None:
            raise HeartRateError(f"--hr {self.name}: strap not found within {self._scan_s:g} s "
                                 "(is it worn and awake? retrotread hr-scan lists straps)")
        return device

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is not self._client or self._closing:
            return
        self._connected = False
        self._live = None  # a reading from before the drop never counts after it
        self._client = None
        self.drop_count += 1
        log.warning("heart-rate strap %s disconnected; reconnecting in the background", self.address)
        if self._reconnect_task is None or self._reconnect_task.done():  # else that loop goes on
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        """Retry with backoff until connected or closed; the drop was logged once, the retries
        are logged quietly."""
        for attempts, delay_s in enumerate(backoff_s(*self._retry_s), start=1):
            await asyncio.sleep(delay_s)
            if self._closing:
                return
            try:
                await self._connect_once()
            except Exception as exc:  # keep trying: a dead task would mean no strap for good
                log.debug("strap %s: reconnect attempt %d failed: %s", self.address, attempts, describe(exc))
                continue
            if not self._connected:  # dropped again while subscribing
                continue
            self.reconnect_count += 1
            log.info("heart-rate strap %s reconnected after %d attempt(s)", self.address, attempts)
            return

    # -- notifications -------------------------------------------------------------------

    def _on_notify(self, client: BleakClient, _characteristic: Any, data: bytearray) -> None:
        if client is not self._client:  # a late packet of a connection already given up
            return
        received_s = self._clock.now_s()
        try:
            fields = parse_measurement(data)
        except MeasurementError as exc:
            self.garbled_count += 1
            (log.warning if self.garbled_count == 1 else log.debug)(
                "strap %s: ignored a garbled measurement (%s): %s", self.address, bytes(data).hex(), exc)
            return
        reading = HeartRateReading(bpm=fields.bpm, contact=fields.contact, rr_s=fields.rr_s,
                                   energy_kj=fields.energy_kj, received_s=received_s)
        self._latest = self._live = reading


def backoff_s(first_s: float, max_s: float) -> Iterator[float]:
    """Waits before each reconnect attempt: first_s, doubling, then max_s for ever."""
    delay_s = first_s
    while True:
        yield delay_s
        delay_s = min(delay_s * 2, max_s)


async def _quietly_disconnect(client: BleakClient) -> None:
    try:
        await client.disconnect()
    except Exception as exc:  # already gone: nothing more to release
        log.debug("disconnect: %s", describe(exc))
