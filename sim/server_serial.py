"""The simulated treadmill served on a serial device as a Biodex RTM 400.

`retrotread sim-server --serial DEVICE --protocol biodex` runs `serve(world, DEVICE, "biodex",
stop=EVENT)` in a thread; tests start a `SerialSimServer` in the background.
The world is the same `SimWorld` that `sim://` drives (belt + drive, person, sensors),
advanced on a monotonic clock about every 10 ms whether or not bytes arrive, so its drive's
own comm-loss watchdog works here too: when control commands stop coming for 0.5 s
(`comm_loss_timeout_s`; the protocol has no way to set it, so the unit brings its own)
while the belt runs, the drive latches a comm-loss fault and ramps the belt to zero by
itself (S9). Only control commands (0x80-0x86) feed the watchdog; status requests do not,
so a controller that only polls is still stopped.

How the simulated unit plays the command set (drivers/biodex.py has the bytes):
- 0x80 start runs the belt at the set speed in the set direction; refused (NACK, HWFLT)
  while a drive fault is latched.
- 0x81 stop uses the drive's quick-stop ramp: the set's one stop serves e-stops, and normal
  stops the controller has already ramped down. It also clears a latched fault whose cause
  is gone (the set has no reset command).
- 0x82 speed above the drive's maximum and 0x83 elevation above its maximum are refused
  (NACK, RANGE), never clamped. 0x84 direction is accepted only at standstill and not
  started (NACK, RANGE otherwise).
- 0xA0 reads the measured speed (any motion reads at least 0.1), 0xA2 the direction of
  travel while the belt moves (else the set direction), 0xA7 the comm status (errors since
  the last 0xA7), system status 1 (lanyard, comm-loss and drive faults) and a third byte
  with the simulator's fall-stop switch (bit 0 fitted, bit 1 OK). 0xA3-0xA6 answer zeros.
- Not emulated: multi-drop addresses, 0xB0-0xB3 (NACK, ILLG).
- An injected comms loss cuts the line: nothing is received or answered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from drivers import biodex as bx
from drivers.base import Direction, DriveCommand, StopMode
from sim.belt import DRIVE_MAX_KMH, FAULT_COMM_LOSS, INCLINE_MAX_PCT
from sim.world import SimWorld

log = logging.getLogger(__name__)

PROTOCOLS = ("biodex",)
DEFAULT_COMM_LOSS_TIMEOUT_S = 0.5  # the simulated unit's own watchdog (DESIGN.md)
POLL_S = 0.01  # the server wakes at least this often to advance the world
REOPEN_S = 0.2  # wait before reopening a device that failed
FIRMWARE = b"VER_1.00SIM"  # 11 ASCII characters, as the manual's "VER_X.XX..."
_STANDSTILL_KMH = 0.02


class BiodexDevice:
    """The RTM 400's side of the protocol over a SimWorld. No I/O: bytes in, reply bytes out."""

    def __init__(self, world: SimWorld, unit: bx.SpeedUnit = bx.SpeedUnit.MPH,
                 data_timeout_s: float = 0.1) -> None:
        self.world = world
        self.unit = unit
        self.parser = bx.RequestParser(data_timeout_s)
        self.comm_status = 0  # error bits since the last 0xA7
        self.speed_kmh = 0.0  # set speed
        self.direction = Direction.FORWARD  # set direction
        self.incline_pct = 0.0  # set elevation
        self.started = False

    def receive(self, data: bytes, t_s: float) -> bytes:
        """Take bytes from the host at `t_s`; return the reply bytes."""
        self.world.advance_to(t_s)
        if not self.world.comms_ok:
            return b""  # the line is cut: nothing arrives, nothing answers
        return b"".join(self._handle(item, t_s) for item in self.parser.feed(data, t_s))

    def tick(self, t_s: float) -> bytes:
        """Advance the world to `t_s`; NACK a command whose data stopped coming."""
        self.world.advance_to(t_s)
        return b"".join(self._handle(item, t_s) for item in self.parser.expire(t_s))

    # -- requests -------------------------------------------------------------------------

    def _nack(self, comm_bit: int) -> bytes:
        self.comm_status |= comm_bit
        return bytes((bx.NACK,))

    def _handle(self, item: bx.Request | bx.Invalid, t_s: float) -> bytes:
        if isinstance(item, bx.Invalid):
            return self._nack(item.comm_bit)
        code, data = item.code, item.data
        if code in bx.COMMAND_DATA_LEN:
            return self._control(code, data, t_s)
        if code == bx.WHO_ARE_YOU:
            return bytes((bx.WHO_REPLY,)) + b"4"
        if code == bx.FIRMWARE_VERSION:
            return bytes((bx.FIRMWARE_VERSION,)) + FIRMWARE + b"\x00"
        status = self.world.status()
        if code == bx.READ_SPEED:
            return bx.speed_reply(status.belt_kmh, self.unit)
        if code == bx.READ_ELEVATION:
            return bx.elevation_reply(status.incline_pct)
        if code == bx.READ_DIRECTION:
            moving = status.direction if status.direction is not Direction.NONE else self.direction
            return bx.direction_reply(moving)
        if code == bx.READ_STATUS:
            comm, self.comm_status = self.comm_status, 0
            return bx.status_reply(comm, self._system_bits(status.safety_key), _ext(status.fall_stop))
        if code in (bx.READ_TIME, bx.READ_DISTANCE, bx.READ_CALORIES, bx.READ_METS):
            return bytes((code,)) + b"0000"
        return self._nack(bx.COMM_ILLEGAL)  # 0xB0-0xB3: not emulated

    def _control(self, code: int, data: bytes, t_s: float) -> bytes:
        belt = self.world.belt
        fault_reset = False
        if code == bx.START:
            if belt.fault_code:
                return self._nack(bx.COMM_HW_FAULT)
            self.started = True
        elif code == bx.STOP:
            self.started = False
            fault_reset = True
        elif code == bx.SET_SPEED:
            tenths = bx.parse_digits(data)
            if tenths is None or tenths / 10 * self.unit.kmh > DRIVE_MAX_KMH + 1e-9:
                return self._nack(bx.COMM_RANGE)
            self.speed_kmh = tenths / 10 * self.unit.kmh
        elif code == bx.SET_ELEVATION:
            pct = bx.parse_digits(data)
            if pct is None or pct > INCLINE_MAX_PCT:
                return self._nack(bx.COMM_RANGE)
            self.incline_pct = float(pct)
        elif code == bx.SET_DIRECTION:
            if data not in (b"F", b"R"):
                return self._nack(bx.COMM_RANGE)
            direction = Direction.FORWARD if data == b"F" else Direction.REVERSE
            if direction is not self.direction:
                moving = abs(self.world.belt_velocity_kmh_signed) >= _STANDSTILL_KMH
                if self.started or moving:
                    return self._nack(bx.COMM_RANGE)
                self.direction = direction
        elif bx.parse_digits(data) is None:  # weight, time: accepted and ignored
            return self._nack(bx.COMM_RANGE)
        self._apply(t_s, fault_reset)
        return bytes((code,))

    def _apply(self, t_s: float, fault_reset: bool) -> None:
        """Pass the unit's settings to the simulated drive (this feeds its watchdog)."""
        if self.world.belt.fault_code and not fault_reset:
            self.started = False  # a tripped unit forgets its start: it needs a new 0x80
        run = self.started
        self.world.apply_command(DriveCommand(
            run=run, direction=self.direction, speed_kmh=self.speed_kmh if run else 0.0,
            incline_pct=self.incline_pct, stop_mode=StopMode.QUICK, fault_reset=fault_reset), t_s)

    def _system_bits(self, safety_key: bool) -> int:
        bits = 0 if safety_key else bx.SYS_LANYARD_OFF
        fault = self.world.belt.fault_code
        if fault == FAULT_COMM_LOSS:
            bits |= bx.SYS_COMM_FAULT
        elif fault:  # FAULT_DRIVE, the overcurrent trip, or anything else
            bits |= bx.SYS_AMPLIFIER_FAULT
        return bits


def _ext(fall_stop: bool | None) -> int:
    if fall_stop is None:
        return 0
    return bx.EXT_FALL_STOP_FITTED | (bx.EXT_FALL_STOP_OK if fall_stop else 0)


class SerialSimServer:
    """Runs a BiodexDevice on a serial device in a thread (or in the caller's, via `run`).

    `lock` guards the world: hold it to look at or change the world from another thread
    (`inject` does). The device is reopened if it fails (a pty whose peer went away).
    """

    def __init__(self, world: SimWorld, device: str, protocol: str = "biodex", *,
                 baud: int = 9600, units: str = "mph",
                 clock: Callable[[], float] = time.monotonic,
                 comm_loss_timeout_s: float | None = DEFAULT_COMM_LOSS_TIMEOUT_S,
                 stop: threading.Event | None = None) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown serial protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
        if units not in ("mph", "kmh"):
            raise ValueError(f"unknown speed unit {units!r} (known: mph, kmh)")
        if comm_loss_timeout_s is not None:
            if not 0.0 < comm_loss_timeout_s < float("inf"):
                raise ValueError(f"comm_loss_timeout_s {comm_loss_timeout_s} must be finite and > 0")
            world.belt.comm_loss_timeout_s = comm_loss_timeout_s
        self.world = world
        self.device = device
        self.baud = baud
        self.biodex = BiodexDevice(world, bx.SpeedUnit(units))  # the simulated unit behind the port
        self.lock = threading.Lock()
        self.ready = threading.Event()  # set while the device is open
        self.open_error: str | None = None  # why the device last failed to open
        self._stop = stop if stop is not None else threading.Event()
        self._clock = clock
        self._t0 = clock() - world.t_s  # world time continues from where it is
        self._thread: threading.Thread | None = None

    def now_s(self) -> float:
        """World time for now."""
        return self._clock() - self._t0

    def inject(self, event: str, value: float | None = None) -> None:
        """Apply a world event (fall, key-out, comms-loss, drive-fault, ...) now."""
        with self.lock:
            self.world.advance_to(self.now_s())
            self.world.inject(event, value)

    def start(self) -> "SerialSimServer":
        self._thread = threading.Thread(target=self.run, name=f"sim-server {self.device}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def __enter__(self) -> "SerialSimServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self, ready: Callable[["SerialSimServer"], None] | None = None,
            first_open_raises: bool = False) -> None:
        """Serve until stopped; reopen the device after an error.

        With `first_open_raises`, a device that cannot be opened the first time raises
        OSError instead of being retried.
        """
        complained = False
        while not self._stop.is_set():
            try:
                port = serial.Serial(self.device, self.baud, bytesize=serial.EIGHTBITS,
                                     parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                                     timeout=POLL_S, write_timeout=1.0)
            except (serial.SerialException, OSError, ValueError) as exc:
                self.open_error = str(exc)
                if first_open_raises:
                    raise OSError(f"cannot open {self.device}: {exc}") from None
                if not complained:
                    log.warning("sim-server: cannot open %s: %s (retrying)", self.device, exc)
                    complained = True
                self._stop.wait(REOPEN_S)
                continue
            complained = first_open_raises = False
            self.open_error = None
            log.info("sim-server: serving a simulated Biodex RTM 400 on %s at %d baud 8N1",
                     self.device, self.baud)
            self.ready.set()
            if ready is not None:
                ready(self)
                ready = None
            try:
                self._serve(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("sim-server: %s: %s (reopening)", self.device, exc)
                self._stop.wait(REOPEN_S)
            finally:
                self.ready.clear()
                port.close()

    def _serve(self, port: serial.Serial) -> None:
        device = self.biodex
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)  # returns within POLL_S
            with self.lock:
                now_s = self.now_s()
                reply = device.receive(data, now_s) if data else device.tick(now_s)
            if reply:
                port.write(reply)


def serve(world: SimWorld, device: str, protocol: str = "biodex", *, baud: int = 9600,
          units: str = "mph", stop: threading.Event | None = None,
          comm_loss_timeout_s: float | None = DEFAULT_COMM_LOSS_TIMEOUT_S,
          ready: Callable[[SerialSimServer], None] | None = None,
          clock: Callable[[], float] = time.monotonic) -> None:
    """Serve `world` on `device` as `protocol`, blocking, until `stop` is set (or Ctrl-C).

    Run it in a thread from asyncio (`asyncio.to_thread`) and set `stop` to end it. The
    unit's watchdog is its own (the protocol cannot set one): `comm_loss_timeout_s` replaces
    the world's (None keeps it). ValueError for an unknown protocol or speed unit and
    OSError if the device cannot be opened at first, both before serving anything; a device
    that fails later is reopened. `ready(server)` is called (in this thread) once open.
    """
    server = SerialSimServer(world, device, protocol, baud=baud, units=units, clock=clock,
                             comm_loss_timeout_s=comm_loss_timeout_s, stop=stop)
    server.run(ready=ready, first_open_raises=True)
