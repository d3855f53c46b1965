"""One Modbus bus (a TCP connection or a serial line): its lock, its error funnel, its stats.

Every request goes through `ModbusBus.call`. A timeout, an exception reply, a reply that
does not belong to the request (a stale or foreign frame), a garbled frame and a lost
connection all become `DriveCommsError` naming the bus and the request; the first failure
is logged loudly, the repeats quietly, the recovery once; after a failure the connection is
dropped and the next call reconnects, so a late reply is never taken for a later request's.
Requests have a short timeout and no retries. One asyncio lock per bus: drives and I/O
units sharing a line share the bus (`acquire_bus`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from drivers.base import DriveCommsError
from drivers.codec import FC_READ_DISCRETE_INPUTS, FC_WRITE_SINGLE, ReadBlock, WriteRequest

log = logging.getLogger("retrotread.drivers.modbus")
if logging.getLogger("pymodbus").level == logging.NOTSET:
    # pymodbus logs every missed reply at ERROR; our funnel reports them once, so keep it quiet.
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

DEFAULT_TCP_PORT = 502
EXCEPTION_NAMES = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
                   4: "device failure", 5: "acknowledge", 6: "device busy",
                   10: "gateway path unavailable", 11: "gateway target failed to respond"}


class ExceptionReply(DriveCommsError):
    """The device answered with a Modbus exception (it is alive but refused the request)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class BusStats:
    """What went over the bus: requests, bytes each way, failures."""

    requests: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    failures: int = 0


@dataclass(frozen=True)
class Endpoint:
    """Where the bus is: TCP host/port or a serial device with its framing."""

    kind: str  # "tcp" or "rtu"
    where: str  # host or device
    port: int = DEFAULT_TCP_PORT
    baud: int = 19200
    parity: str = "N"
    stopbits: int = 1

    def __str__(self) -> str:
        if self.kind == "tcp":
            return f"modbus-tcp://{self.where}:{self.port}"
        return f"modbus-rtu://{self.where}?baud={self.baud}&parity={self.parity}&stopbits={self.stopbits}"

    def wire_time_s(self, n_bytes: int) -> float:
        """Serial line time for `n_bytes` (start + 8 data + parity + stop bits each)."""
        if self.kind == "tcp":
            return 0.0
        bits = 1 + 8 + (self.parity != "N") + self.stopbits
        return n_bytes * bits / self.baud


class ModbusBus:
    """One Modbus connection with its lock and its error funnel."""

    def __init__(self, endpoint: Endpoint, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.name = str(endpoint)
        self._timeout_s = timeout_s
        self._client = None
        self._lock = asyncio.Lock()
        self.stats = BusStats()
        self._failing = 0  # consecutive failures, for the loud-once logging
        self.quiet = False  # failures are raised but not logged (e.g. at connect: the caller reports)

    @property
    def timeout_s(self) -> float:
        return self._timeout_s

    @timeout_s.setter
    def timeout_s(self, value: float) -> None:
        if value != self._timeout_s:
            self._timeout_s = value
            self.drop()  # the client carries its timeout: the next call builds a new one

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self.stats.bytes_out += len(data)
        else:
            self.stats.bytes_in += len(data)
        return data

    def _new_client(self):
        from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient

        common = dict(timeout=self._timeout_s, retries=0, reconnect_delay=0, trace_packet=self._trace)
        ep = self.endpoint
        if ep.kind == "tcp":
            return AsyncModbusTcpClient(ep.where, port=ep.port, **common)
        return AsyncModbusSerialClient(ep.where, baudrate=ep.baud, parity=ep.parity,
                                       stopbits=ep.stopbits, bytesize=8, **common)

    def drop(self) -> None:
        """Close the connection; the next call reconnects."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a broken transport must never raise further
                log.debug("%s: error while closing", self.name, exc_info=True)

    async def _connect(self) -> None:
        self._client = self._new_client()
        if not await self._client.connect():
            self.drop()
            raise DriveCommsError(f"{self.name}: cannot connect")

    async def call(self, what: str, request: Callable[[object], Awaitable], function_code: int,
                   count: int = 0):
        """Run one request through the funnel; return the response or raise DriveCommsError."""
        async with self._lock:
            self.stats.requests += 1
            try:
                if self._client is None or not self._client.connected:
                    await self._connect()
                # pymodbus applies the timeout itself; this is the backstop for a wedged stack.
                response = await asyncio.wait_for(request(self._client), 2 * self._timeout_s + 0.05)
            except ExceptionReply:
                raise
            except DriveCommsError as exc:
                self._failed(what, str(exc).removeprefix(f"{self.name}: "))
                raise
            except asyncio.TimeoutError:
                self.drop()
                reason = f"no reply within {self._timeout_s * 1000:.0f} ms"
                self._failed(what, reason)
                raise DriveCommsError(f"{self.name}: {what}: {reason}") from None
            except Exception as exc:  # ModbusException, OSError, SerialException, framing errors
                self.drop()
                reason = _reason(exc)
                if "No response received" in reason:
                    reason = f"no reply within {self._timeout_s * 1000:.0f} ms"
                self._failed(what, reason)
                raise DriveCommsError(f"{self.name}: {what}: {reason}") from None
            if response.isError():
                code = int(getattr(response, "exception_code", 0) or 0)
                meaning = EXCEPTION_NAMES.get(code, "unknown exception")
                self._failed(what, f"exception reply {code} ({meaning})")
                raise ExceptionReply(f"{self.name}: {what}: exception reply {code} ({meaning})", code)
            problem = _check_reply(response, function_code, count)
            if problem:
                self.drop()  # out of step with the device: start afresh
                self._failed(what, problem)
                raise DriveCommsError(f"{self.name}: {what}: {problem}")
            self._answered()
            return response

    def _failed(self, what: str, reason: str) -> None:
        self.stats.failures += 1
        if self.quiet:
            return
        self._failing += 1
        if self._failing == 1:
            log.error("%s: %s failed: %s (further failures are logged at debug level until it answers)",
                      self.name, what, reason)
        else:
            log.debug("%s: %s failed again (%d in a row): %s", self.name, what, self._failing, reason)

    def _answered(self) -> None:
        if self._failing:
            log.warning("%s: answering again after %d failed requests", self.name, self._failing)
            self._failing = 0

    async def read_registers(self, unit: int, block: ReadBlock, function_code: int) -> list[int]:
        def request(client):
            read = client.read_holding_registers if function_code == 3 else client.read_input_registers
            return read(block.address, count=block.count, device_id=unit)

        what = f"unit {unit} read 0x{block.address:04X}+{block.count}"
        response = await self.call(what, request, function_code, block.count)
        return list(response.registers[:block.count])

    async def read_inputs(self, unit: int, block: ReadBlock) -> list[bool]:
        what = f"unit {unit} read inputs {block.address}+{block.count}"
        response = await self.call(what, lambda c: c.read_discrete_inputs(block.address, count=block.count,
                                                                          device_id=unit),
                                   FC_READ_DISCRETE_INPUTS, block.count)
        return list(response.bits[:block.count])

    async def write(self, unit: int, request: WriteRequest) -> None:
        what = f"unit {unit} write 0x{request.address:04X}={'/'.join(f'0x{v:04X}' for v in request.values)}"
        if request.function_code == FC_WRITE_SINGLE:
            await self.call(what, lambda c: c.write_register(request.address, request.values[0], device_id=unit),
                            FC_WRITE_SINGLE)
        else:
            await self.call(what, lambda c: c.write_registers(request.address, list(request.values),
                                                              device_id=unit), request.function_code)

    def close(self) -> None:
        self.drop()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_reply(response, function_code: int, count: int) -> str | None:
    """A reply that does not belong to the request (a stale or foreign frame), or None."""
    if getattr(response, "function_code", function_code) != function_code:
        return f"reply with function code {response.function_code} to a request with {function_code}"
    if count:
        items = response.bits if function_code in (1, 2) else response.registers
        if len(items) < count:
            return f"reply with {len(items)} values to a request for {count}"
    return None



# ---- one bus per endpoint (and event loop) -----------------------------------------------------
_BUSES: dict[tuple[int, Endpoint], tuple[ModbusBus, int]] = {}


def acquire_bus(endpoint: Endpoint, timeout_s: float) -> ModbusBus:
    """The bus for `endpoint` in this event loop (shared by drives on one line), counted."""
    try:
        loop_id = id(asyncio.get_running_loop())
    except RuntimeError:
        loop_id = 0
    key = (loop_id, endpoint)
    bus, users = _BUSES.get(key, (None, 0))
    if bus is None:
        bus = ModbusBus(endpoint, timeout_s)
        bus._key = key  # type: ignore[attr-defined]
    _BUSES[key] = (bus, users + 1)
    return bus


def release_bus(bus: ModbusBus) -> None:
    key = getattr(bus, "_key", None)
    bus_users = _BUSES.get(key)
    if bus_users is None:
        bus.close()
        return
    users = bus_users[1] - 1
    if users <= 0:
        del _BUSES[key]
        bus.close()
    else:
        _BUSES[key] = (bus, users)
