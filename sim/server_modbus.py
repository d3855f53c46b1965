"""The simulated treadmill served as a real Modbus drive, over TCP or RTU (pymodbus server).

One `SimServer` holds a `SimWorld` and serves three units on one bus:
- the drive (default unit 1), with the registers of a drive profile (config/drives/*.toml),
  behaving as sim/served_drive.py says: command words decoded by the same engine the driver
  encodes with, the state machine walked, the comm-loss watchdog parameters starting at the
  factory value (usually OFF, as on real drives), the status registers from the world;
- a Modbus I/O unit (default unit 2) whose discrete inputs carry the safety key and the
  fall-stop switch, wired as the site's `[drive]` table says (drive DI bits are served too);
- the control channel (default unit 99, see sim/control.py) for injections and bus faults.

A background ticker advances the world in real time, so the simulated drive's own watchdog
stops the belt when the controller goes silent, even with nobody asking.
"""

from __future__ import annotations

import asyncio
import functools
import math

from controller.clock import Clock, MonotonicClock
from drivers.profiles import DriveProfile
from drivers.site import DriveSite
from sim import control as C
from sim.physiology import DEFAULT_FITNESS
from sim.served_drive import ILLEGAL_VALUE, ServedDrive
from sim.world import SimWorld

TICK_S = 0.005
ILLEGAL_FUNCTION = 1
_FC_HOLDING = {3, 6, 16}


def _exception(code: int | None):
    """A Modbus exception code as pymodbus wants it from a datastore action (None: no error)."""
    from pymodbus.constants import ExcCodes

    if not code:
        return None
    try:
        return ExcCodes(code)
    except ValueError:
        return None


class SimServer:
    """A SimWorld served as a Modbus drive + I/O unit + control unit (TCP or RTU)."""

    def __init__(self, world: SimWorld, profile: DriveProfile, site: DriveSite | None = None, *,
                 unit: int = 1, control_unit: int = C.DEFAULT_CONTROL_UNIT,
                 clock: Clock | None = None) -> None:
        site = site or DriveSite()
        if len({unit, site.io_unit, control_unit}) != 3:
            raise ValueError(f"unit ids must differ: drive {unit}, I/O {site.io_unit}, control {control_unit}")
        self.world = world
        self.profile = profile
        self.site = site
        self.unit = unit
        self.control_unit = control_unit
        self.clock = clock or MonotonicClock()
        self.faults = C.BusFaults()
        self.drive = ServedDrive(world, profile, site, self.clock, self.faults)
        self._servers: list = []
        self._ticker: asyncio.Task | None = None
        self.address: tuple[str, int] | None = None  # the first TCP address served
        self.device: str | None = None  # the serial device served
        self.line_bits_per_s: int | None = None  # emulate a serial line's speed (see start_rtu)
        self._char_bits = 10
        self._control_regs = {address: 0 for address in C.WRITABLE}

    # ---- pymodbus devices ---------------------------------------------------------------
    def _devices(self) -> list:
        from pymodbus.simulator import DataType, SimData, SimDevice

        readonly, writable = self.drive.readonly, self.drive.writable
        drive_data = [SimData(a, values=0, datatype=DataType.REGISTERS, readonly=a in readonly)
                      for a in sorted(readonly | writable)]
        io_count = max([16] + [w.input + 1 for w in (self.site.safety_key, self.site.fall_stop)
                               if w.source == "io"])
        io_count = (io_count + 15) // 16 * 16
        bits = [SimData(0, values=[False] * io_count, datatype=DataType.BITS)]
        one_register = [SimData(0, values=0, datatype=DataType.REGISTERS)]
        io_data = (list(bits), list(bits), list(one_register), list(one_register))
        control_data = [SimData(a, values=0, datatype=DataType.REGISTERS) for a in C.WRITABLE]
        control_data.append(SimData(C.STATE, count=C.STATE_COUNT, values=0, datatype=DataType.REGISTERS,
                                    readonly=True))
        return [SimDevice(self.unit, simdata=drive_data, action=self._drive_action),
                SimDevice(self.site.io_unit, simdata=io_data, action=self._io_action),
                SimDevice(self.control_unit, simdata=control_data, action=self._control_action)]

    async def _bus_faults(self, function_code: int, count: int, values) -> object:
        """Bus faults and line time before a request is handled: delay, exception reply."""
        faults = self.faults
        delay_s = faults.reply_delay_ms / 1000
        if self.line_bits_per_s:
            delay_s += self._line_time_s(function_code, count, values)[0]
        if delay_s:
            await asyncio.sleep(delay_s)
        return _exception(faults.exception_code)

    async def _reply_line_time(self, function_code: int, count: int, values) -> None:
        if self.line_bits_per_s:
            await asyncio.sleep(self._line_time_s(function_code, count, values)[1])

    def _line_time_s(self, function_code: int, count: int, values) -> tuple[float, float]:
        """Serial line time of (request, reply), each with 3.5 characters of silence."""
        if function_code in (3, 4):
            request, reply = 8, 5 + 2 * count
        elif function_code == 2:
            request, reply = 8, 5 + 2 * count  # pymodbus passes whole 16-bit words here
        elif function_code == 16:
            request, reply = 9 + 2 * len(values or ()), 8
        else:
            request, reply = 8, 8
        char_s = self._char_bits / self.line_bits_per_s
        return (request + 3.5) * char_s, (reply + 3.5) * char_s

    async def _drive_action(self, function_code, start, address, count, registers, values):
        if function_code == 6 and values is None:
            return None  # pymodbus reads a single write back to build the reply: not a request
        if code := await self._bus_faults(function_code, count, values):
            return code
        drive = self.drive
        drive.advance()
        functions = self.profile.functions
        if function_code not in _FC_HOLDING | {4} or (function_code == 4 and functions.read != "input"):
            return _exception(ILLEGAL_FUNCTION)
        if (function_code == 6 and functions.write == "multiple") or (function_code == 16 and functions.write == "single"):
            return _exception(ILLEGAL_FUNCTION)
        if values is None:
            drive.render()
            for a in range(address, address + count):
                registers[a - start] = drive.image.get(a, 0) & 0xFFFF
            await self._reply_line_time(function_code, count, values)
            return None
        problem = drive.write(address, values)
        await self._reply_line_time(function_code, count, values)
        return _exception(problem)

    async def _io_action(self, function_code, start, address, count, registers, values):
        if code := await self._bus_faults(function_code, count, values):
            return code
        if function_code != 2:
            return _exception(ILLEGAL_FUNCTION)  # an input unit: discrete inputs only
        self.drive.advance()
        inputs = self.drive.io_inputs()
        for index in range(len(registers) - 1):  # the last register is pymodbus' end marker
            word = 0
            for bit in range(16):
                word |= int(inputs.get((start + index) * 16 + bit, False)) << bit
            registers[index] = word
        await self._reply_line_time(function_code, count, values)
        return None

    async def _control_action(self, function_code, start, address, count, registers, values):
        drive = self.drive
        drive.advance()
        if values is None:
            state = drive.state_registers()
            for a in range(address, address + count):
                if C.STATE <= a < C.STATE + C.STATE_COUNT:
                    registers[a - start] = state[a - C.STATE]
                elif a in self._control_regs:
                    registers[a - start] = self._control_regs[a]
            return None
        if function_code not in (6, 16):
            return _exception(ILLEGAL_FUNCTION)
        for a, value in zip(range(address, address + len(values)), values):
            if (problem := self._control_write(a, value)) is not None:
                return _exception(problem)
        return None

    def _control_write(self, address: int, value: int) -> int | None:
        faults = self.faults
        if address == C.EVENT:
            if value not in C.EVENT_NAMES:
                return ILLEGAL_VALUE
            self.drive.inject(C.EVENT_NAMES[value])
        elif address == C.HEART_RATE_BPM:
            try:
                self.drive.inject("hr", float(value))
            except ValueError:
                return ILLEGAL_VALUE
        elif address == C.REPLY_DELAY_MS:
            faults.reply_delay_ms = value
        elif address == C.EXCEPTION_CODE:
            if value and _exception(value) is None:
                return ILLEGAL_VALUE
            faults.exception_code = value
        elif address == C.GARBLE:
            faults.garble = bool(value)
        elif address == C.SILENT:
            faults.silent = bool(value)
        elif address == C.REFUSE_WATCHDOG:
            if value not in (0, 1, 2):
                return ILLEGAL_VALUE
            faults.refuse_watchdog = value
        elif address == C.DROP_REPLIES:
            faults.drop_replies = value
        self._control_regs[address] = value
        return None

    def _trace_packet(self, framing: str, sending: bool, data: bytes) -> bytes:
        """Drop or corrupt replies of the drive and I/O units (never of the control unit)."""
        if not sending or not data:
            return data
        unit = data[6] if framing == "tcp" and len(data) > 7 else data[0]
        if unit == self.control_unit:
            return data
        if self.faults.silent or not self.world.comms_ok:
            return b""
        if self.faults.drop_replies:
            self.faults.drop_replies -= 1
            self._control_regs[C.DROP_REPLIES] = self.faults.drop_replies
            return b""
        if self.faults.garble:
            if framing == "tcp":
                # A function code no device uses: the client cannot decode the reply.
                return data[:7] + bytes([0x7F]) + data[8:]
            middle = len(data) // 2
            return data[:middle] + bytes([data[middle] ^ 0x5A]) + data[middle + 1:]
        return data

    # ---- lifecycle ----------------------------------------------------------------------
    async def _tick(self) -> None:
        while True:
            self.drive.advance()
            await asyncio.sleep(TICK_S)

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick(), name="sim-server ticker")

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 5020) -> tuple[str, int]:
        """Serve Modbus TCP on host:port (port 0: any free port); return the bound address.

        May be called next to `start_rtu`: one world, reachable both ways (e.g. the control
        unit over TCP while the drive sits on a serial line).
        """
        from pymodbus.server import ModbusTcpServer

        server = ModbusTcpServer(self._devices(), address=(host, port),
                                 trace_packet=functools.partial(self._trace_packet, "tcp"))
        await server.serve_forever(background=True)
        self._servers.append(server)
        address = server.transport.sockets[0].getsockname()[:2]
        self.address = self.address or address
        self._start_ticker()
        return address

    async def start_rtu(self, device: str, baud: int = 19200, parity: str = "N", stopbits: int = 1,
                        emulate_line_speed: bool = False) -> None:
        """Serve Modbus RTU on a serial device (or one end of a pseudo-terminal pair).

        A pty carries bytes at memory speed whatever its baud rate; `emulate_line_speed`
        delays every drive and I/O reply by the time request and reply would take on a real
        line at `baud` (with 3.5 characters of silence per frame).
        """
        from pymodbus.server import ModbusSerialServer

        server = ModbusSerialServer(self._devices(), port=device, baudrate=baud, parity=parity,
                                    stopbits=stopbits, bytesize=8,
                                    trace_packet=functools.partial(self._trace_packet, "rtu"))
        await server.serve_forever(background=True)
        self._servers.append(server)
        self.device = device
        if emulate_line_speed:
            self.line_bits_per_s = baud
            self._char_bits = 1 + 8 + (parity != "N") + stopbits
        self._start_ticker()

    async def stop_serving(self) -> None:
        """Stop answering on the bus (the cable is cut); the simulated drive keeps running."""
        servers, self._servers = self._servers, []
        for server in servers:
            await server.shutdown()

    async def close(self) -> None:
        """Stop serving and stop the world's ticker."""
        await self.stop_serving()
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
            self._ticker = None

    async def __aenter__(self) -> "SimServer":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


def make_world(site_config=None, drive_site: DriveSite | None = None, seed: int = 0,
               fitness: str = DEFAULT_FITNESS) -> SimWorld:
    """A SimWorld for serving: fall-stop fitted when the site wires one; watchdog set later;
    `fitness` the person's preset (sim/physiology.py)."""
    drive_site = drive_site or DriveSite()
    options = {}
    if site_config is not None:
        options["fall_sensor_delay_s"] = site_config.fall_sensor_delay_s
    return SimWorld(seed=seed, fall_stop_fitted=drive_site.fall_stop.source != "none",
                    comm_loss_timeout_s=math.inf, fitness=fitness, **options)


async def serve(world: SimWorld, profile: DriveProfile, site: DriveSite, *, tcp: tuple[str, int] | None = None,
                rtu: tuple[str, int, str, int] | None = None, control_tcp: tuple[str, int] | None = None,
                emulate_line_speed: bool = False, unit: int = 1,
                control_unit: int = C.DEFAULT_CONTROL_UNIT, ready=None) -> None:
    """Serve until cancelled. `ready(server)` is called once listening."""
    server = SimServer(world, profile, site, unit=unit, control_unit=control_unit)
    try:
        if tcp is not None:
            await server.start_tcp(*tcp)
        if rtu is not None:
            await server.start_rtu(*rtu, emulate_line_speed=emulate_line_speed)
        if control_tcp is not None:
            await server.start_tcp(*control_tcp)
        if ready is not None:
            ready(server)
        while True:
            await asyncio.sleep(3600)
    finally:
        await server.close()
