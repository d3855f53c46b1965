"""The control channel of a served simulator: a separate Modbus unit (default 99) on the same
server, through which the person, the sensors, the drive and the bus itself are driven from
outside -- by tests, benchmarks, `mbpoll`, or any Modbus client.

Holding registers (read/write, FC03/06/16):
    0  EVENT            write an event code to inject it (table below); reads the last code
    1  HEART_RATE_BPM   write a heart rate in BPM (20-250)
    10 REPLY_DELAY_MS   delay every reply of the drive and I/O units by this much
    11 EXCEPTION_CODE   answer every drive/I-O request with this Modbus exception (0 = off)
    12 GARBLE           1 = corrupt every drive/I-O reply (bad CRC on RTU, bad frame on TCP)
    13 SILENT           1 = drop every drive/I-O reply (the drive still acts on commands)
    14 REFUSE_WATCHDOG  1 = ignore writes to the comm-loss timeout, 2 = exception reply to them
    15 DROP_REPLIES     drop the next N drive/I-O replies (the drive still acts on the requests)
Input registers (read only, FC04; also readable with FC03):
    100 BELT_KMH_X100   signed belt velocity, km/h x 100 (> 0 forward, < 0 reverse)
    101 DRIVE_ENABLED   1 = drive output on
    102 FAULT_CODE      the simulated drive's fault code (0x07 overcurrent, 0x0E comm loss)
    103 SAFETY_KEY      1 = key in
    104 FALL_STOP       1 = OK, 0 = open, 2 = no sensor fitted
    105 PERSON_FALLEN   1 = fallen
    106/107 WORLD_MS    world time in ms (high word first)
    108 WATCHDOG_MS     the drive's comm-loss timeout in ms (0 = off)
    109 COMMAND_WRITES  command writes received (wraps at 65536)
    110/111 LATENCY_US  last event-to-slowing-command latency in us (high word first; 0xFFFFFFFF none)
    112 EVENTS          events injected so far

Event codes: 1 fall, 2 key-out, 3 key-in, 4 harness-off, 5 harness-on, 6 comms-loss,
7 comms-restore, 8 drive-fault, 9 overspeed, 10 stall, 11 hr-loss (the heart-rate strap stops
reporting), 12 hr-restore (it reports again). A heart rate written to HEART_RATE_BPM replaces
the simulated heart's from then on, as `hr:BPM` does. The latency probe: injecting an event
starts a clock that stops at the first command write that slows the belt -- a stop word, or a
lower speed reference than the one before (the controller's e-stop ramps the reference down
from its first tick, so that write is the e-stop arriving at the drive).

Example with mbpoll (pull the safety key, then read the state block):
    mbpoll -m tcp -p 5020 -a 99 -0 -r 0 -1 127.0.0.1 2
    mbpoll -m tcp -p 5020 -a 99 -0 -t 3 -r 100 -c 13 -1 127.0.0.1
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.faults import WORLD_EVENTS

DEFAULT_CONTROL_UNIT = 99

EVENT = 0
HEART_RATE_BPM = 1
REPLY_DELAY_MS = 10
EXCEPTION_CODE = 11
GARBLE = 12
SILENT = 13
REFUSE_WATCHDOG = 14
DROP_REPLIES = 15
WRITABLE = (EVENT, HEART_RATE_BPM, REPLY_DELAY_MS, EXCEPTION_CODE, GARBLE, SILENT, REFUSE_WATCHDOG,
            DROP_REPLIES)

STATE = 100
BELT_KMH_X100, DRIVE_ENABLED, FAULT_CODE, SAFETY_KEY, FALL_STOP, PERSON_FALLEN = range(100, 106)
WORLD_MS, WATCHDOG_MS, COMMAND_WRITES, LATENCY_US, EVENTS = 106, 108, 109, 110, 112
STATE_COUNT = 13
NO_LATENCY = 0xFFFFFFFF

EVENT_CODES = {name: code for code, name in enumerate(WORLD_EVENTS, start=1)}
EVENT_NAMES = {code: name for name, code in EVENT_CODES.items()}


@dataclass
class BusFaults:
    """Faults of the served bus (not of the simulated world)."""

    reply_delay_ms: int = 0
    exception_code: int = 0
    garble: bool = False
    silent: bool = False
    refuse_watchdog: int = 0  # 0 accept, 1 ignore silently, 2 exception reply
    drop_replies: int = 0  # replies still to drop (one missed reply: 1)


@dataclass(frozen=True)
class ServedState:
    """What the control channel reports about the served world."""

    belt_kmh_signed: float
    drive_enabled: bool
    fault_code: int
    safety_key: bool
    fall_stop: bool | None
    person_fallen: bool
    world_s: float
    watchdog_s: float | None  # None: off
    command_writes: int
    latency_s: float | None
    events: int

    @classmethod
    def from_registers(cls, regs: list[int]) -> "ServedState":
        def at(address: int) -> int:
            return regs[address - STATE]

        speed = at(BELT_KMH_X100)
        if speed & 0x8000:
            speed -= 0x10000
        latency = at(LATENCY_US) << 16 | at(LATENCY_US + 1)
        fall = at(FALL_STOP)
        return cls(speed / 100, bool(at(DRIVE_ENABLED)), at(FAULT_CODE), bool(at(SAFETY_KEY)),
                   None if fall == 2 else bool(fall), bool(at(PERSON_FALLEN)),
                   (at(WORLD_MS) << 16 | at(WORLD_MS + 1)) / 1000,
                   at(WATCHDOG_MS) / 1000 if at(WATCHDOG_MS) else None, at(COMMAND_WRITES),
                   None if latency == NO_LATENCY else latency / 1e6, at(EVENTS))


def state_registers(world, watchdog_s: float, command_writes: int, latency_s: float | None,
                    events: int) -> list[int]:
    """The input-register block 100..112 for a world (see the module docstring)."""
    status = world.status()
    speed = round(world.belt_velocity_kmh_signed * 100)
    speed = max(-0x8000, min(0x7FFF, speed)) & 0xFFFF
    world_ms = int(world.t_s * 1000) & 0xFFFFFFFF
    watchdog_ms = 0 if watchdog_s == float("inf") else min(0xFFFF, round(watchdog_s * 1000))
    latency = NO_LATENCY if latency_s is None else min(NO_LATENCY - 1, round(latency_s * 1e6))
    fall = 2 if status.fall_stop is None else int(status.fall_stop)
    return [speed, int(status.running), status.fault_code & 0xFFFF, int(status.safety_key), fall,
            int(world.person_fallen), world_ms >> 16, world_ms & 0xFFFF, watchdog_ms,
            command_writes & 0xFFFF, latency >> 16, latency & 0xFFFF, events & 0xFFFF]


class ControlClient:
    """Drive a served simulator from outside, over its control unit (Modbus TCP or RTU)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5020, *, device: str | None = None,
                 baud: int = 19200, unit: int = DEFAULT_CONTROL_UNIT, timeout_s: float = 1.0) -> None:
        self.host, self.port, self.device, self.baud = host, port, device, baud
        self.unit = unit
        self.timeout_s = timeout_s
        self._client = None

    async def __aenter__(self) -> "ControlClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    async def connect(self) -> None:
        from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient

        common = dict(timeout=self.timeout_s, retries=1, reconnect_delay=0)
        if self.device:
            self._client = AsyncModbusSerialClient(self.device, baudrate=self.baud, **common)
        else:
            self._client = AsyncModbusTcpClient(self.host, port=self.port, **common)
        if not await self._client.connect():
            raise ConnectionError(f"cannot reach the simulator's control unit at {self._where()}")

    def _where(self) -> str:
        return self.device or f"{self.host}:{self.port}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _write(self, address: int, value: int) -> None:
        if self._client is None:
            await self.connect()
        reply = await self._client.write_register(address, value, device_id=self.unit)
        if reply.isError():
            raise ValueError(f"control unit refused register {address} = {value}: {reply}")

    async def inject(self, event: str, value: float | None = None) -> None:
        """Inject a world event (`fall`, `key-out`, `hr-loss`, ..., or `hr` with a BPM value)."""
        if event == "hr" or event.startswith("hr:"):
            bpm = value if value is not None else float(event.partition(":")[2])
            await self._write(HEART_RATE_BPM, round(bpm))
            return
        if event not in EVENT_CODES:
            raise ValueError(f"unknown world event {event!r} (known: {', '.join(EVENT_CODES)}, hr)")
        await self._write(EVENT, EVENT_CODES[event])

    async def set_faults(self, *, reply_delay_ms: int | None = None, exception_code: int | None = None,
                         garble: bool | None = None, silent: bool | None = None,
                         refuse_watchdog: int | None = None, drop_replies: int | None = None) -> None:
        """Set bus faults of the served drive (only the ones given change)."""
        for address, value in ((REPLY_DELAY_MS, reply_delay_ms), (EXCEPTION_CODE, exception_code),
                               (GARBLE, garble), (SILENT, silent), (REFUSE_WATCHDOG, refuse_watchdog),
                               (DROP_REPLIES, drop_replies)):
            if value is not None:
                await self._write(address, int(value))

    async def state(self) -> ServedState:
        """The served world's state block."""
        if self._client is None:
            await self.connect()
        reply = await self._client.read_input_registers(STATE, count=STATE_COUNT, device_id=self.unit)
        if reply.isError():
            raise ValueError(f"control unit refused the state read: {reply}")
        return ServedState.from_registers(list(reply.registers))
