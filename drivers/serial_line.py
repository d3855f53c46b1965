"""`serial://`: a treadmill's own serial command set over a serial line (pyserial).

    serial:///dev/ttyS0?protocol=biodex
    serial:///dev/ttyUSB0?protocol=biodex&baud=9600&timeout_ms=30&units=mph
        &status_bytes=3&fall_stop=none

Only protocol=biodex exists (the Biodex RTM 400 set, drivers/biodex.py); the protocol must be
named, because the same bytes mean other things to other treadmills. Framing is 8N1.

Per call, `read` and `write` share one deadline of `timeout_ms` (default 30 ms: one 20 ms
control period plus margin), across all the request/reply exchanges they make. Each
exchange first drops any stale input (the tail of a reply that came too late), sends one
request and waits for its reply without blocking the event loop (`add_reader` on the
port's file descriptor; a 2 ms poll where there is none). A missing, refused (NACK),
wrong or garbled reply raises DriveCommsError and the next call starts clean.

- `read`: 0xA7 status (safety lanyard, faults), 0xA0 speed, 0xA2 direction every call;
  0xA1 elevation on the first read and every ELEVATION_EVERY reads after.
- `write`: running -> 0x84 direction if it changed, 0x82 speed (every call: this is what
  keeps a device-side watchdog fed), 0x83 elevation if it changed, 0x80 start if not
  started; stopped -> 0x81 stop, every call. Every stop mode maps to 0x81: the set has no
  quick stop or coast. There is no fault-reset command either.
- The set has no comm-loss timeout to configure, so `open` cannot set one (S9); see
  docs/drives.md for what that means on a real unit and what the simulator does.
"""

from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import urlsplit

import serial

from drivers import parse_query
from drivers import biodex as bx
from drivers.base import (Direction, Drive, DriveCommand, DriveCommsError, DriveConfigError,
                          DriveStatus, DriveUrlError)

log = logging.getLogger(__name__)

QUERY_KEYS = {"protocol", "baud", "timeout_ms", "units", "status_bytes", "fall_stop"}
PROTOCOLS = ("biodex",)
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DEFAULT_BAUD = 9600
DEFAULT_TIMEOUT_MS = 30
TIMEOUT_MS_RANGE = (5, 1000)
OPEN_REPLY_TIMEOUT_S = 0.5  # `open` is not in the control loop: give each reply longer
FALL_STOP_MODES = ("none", "ext")
ELEVATION_EVERY = 10  # incline moves at most 1 %/s: every 10th read is plenty
_POLL_S = 0.002  # wait between polls where the port has no file descriptor


class SerialLineDrive(Drive):
    """A Biodex RTM 400 (or the simulator playing one) on a serial line."""

    def __init__(self, device: str, *, baud: int = DEFAULT_BAUD,
                 timeout_s: float = DEFAULT_TIMEOUT_MS / 1000,
                 unit: bx.SpeedUnit = bx.SpeedUnit.MPH, status_bytes: int = 3,
                 fall_stop_ext: bool = False, estop_decel_mps2: float | None = None) -> None:
        self.device = device
        self.estop_decel_mps2 = estop_decel_mps2  # asked for, but the protocol cannot set it
        self.baud = baud
        self.timeout_s = timeout_s
        self.unit = unit
        self.status_bytes = status_bytes
        self.fall_stop_ext = fall_stop_ext
        self.name = f"serial://{device} (biodex)"
        self.model: str | None = None  # from 'who are you' at open
        self._port: serial.Serial | None = None
        self._lock = asyncio.Lock()  # one exchange at a time on the line
        self._failing = False  # error funnel: log the first failure loudly, repeats quietly
        # What the device has acknowledged; None = unknown (an exchange failed midway).
        self._direction: Direction | None = None
        self._elevation: bytes | None = None
        self._started: bool | None = None
        self._incline_pct: float | None = None
        self._reads = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the port, check it is a Biodex ('who are you'), stop the belt, speed 0."""
        if self._port is not None:
            await self.close()
        self._direction = self._elevation = self._started = self._incline_pct = None
        self._reads = 0
        try:
            self._port = serial.Serial(self.device, self.baud, bytesize=serial.EIGHTBITS,
                                       parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                                       timeout=0, write_timeout=0, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DriveCommsError(f"{self.name}: cannot open {self.device}: {exc}") from None
        try:
            async with self._lock:
                await self._handshake()
        except BaseException:
            port, self._port = self._port, None
            port.close()
            raise
        log.warning("%s: the Biodex serial set has no comm-loss timeout to set; a silent "
                    "controller is stopped only by the unit's own behaviour (unconfirmed)",
                    self.name)
        if self.estop_decel_mps2 is not None:
            await self.configure_stop(self.estop_decel_mps2)

    async def configure_stop(self, decel_mps2: float) -> float | None:
        """The Biodex protocol has one stop command and no stop deceleration to set: None (S5)."""
        log.warning("%s: the Biodex serial set has no writable stop deceleration: an e-stop is "
                    "ramped by the controller (%g m/s^2 not set on the unit)", self.name, decel_mps2)
        self.stop_decel_mps2 = None
        return None

    async def _handshake(self) -> None:
        loop = asyncio.get_running_loop()
        reply = await self._exchange(bytes((bx.WHO_ARE_YOU,)), 2, loop.time() + OPEN_REPLY_TIMEOUT_S)
        if not reply:
            raise self._fail(f"no answer to 'who are you' (0x9F) at {self.baud} baud 8N1")
        try:
            self.model = bx.decode_who(reply)
        except bx.BiodexError as exc:
            raise DriveConfigError(f"{self.name}: {exc}") from None
        for request in (bytes((bx.STOP,)), bx.speed_request(0.0, self.unit)):
            await self._command(request, loop.time() + OPEN_REPLY_TIMEOUT_S)

    async def close(self) -> None:
        """Send stop (best effort), then release the port. Never raises.

        The protocol has one stop command (0x81): a quick stop or coast cannot be asked for, so
        the last command's stop mode changes nothing here."""
        port = self._port
        if port is None:
            return
        try:
            async with self._lock:
                loop = asyncio.get_running_loop()
                await self._command(bytes((bx.STOP,)), loop.time() + OPEN_REPLY_TIMEOUT_S)
        except (DriveCommsError, RuntimeError):
            pass
        finally:
            self._port = None
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    # -- the control tick -----------------------------------------------------------------

    async def read(self) -> DriveStatus:
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        async with self._lock:
            status = self._decode(bx.decode_status, await self._ask(bx.READ_STATUS, deadline),
                                  self.status_bytes)
            speed_kmh = self._decode(bx.decode_speed, await self._ask(bx.READ_SPEED, deadline),
                                     self.unit)
            direction = self._decode(bx.decode_direction,
                                     await self._ask(bx.READ_DIRECTION, deadline))
            if self._incline_pct is None or self._reads % ELEVATION_EVERY == 0:
                self._incline_pct = self._decode(bx.decode_elevation,
                                                 await self._ask(bx.READ_ELEVATION, deadline))
            self._reads += 1
        self._ok()
        return DriveStatus(
            belt_kmh=speed_kmh,
            direction=direction if speed_kmh > 0.0 else Direction.NONE,
            running=speed_kmh > 0.0 or self._started is True,
            fault_code=status.fault_code,
            safety_key=status.safety_key,
            fall_stop=status.fall_stop if self.fall_stop_ext else None,
            incline_pct=self._incline_pct,
            heart_rate_bpm=None,
        )

    async def write(self, command: DriveCommand) -> None:
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        async with self._lock:
            try:
                requests = self._plan(command)
            except ValueError as exc:
                # Refuse rather than clamp; stop the belt, and fail loudly.
                await self._command(bytes((bx.STOP,)), deadline)
                raise self._fail(f"{exc}; sent stop instead") from None
            for request in requests:
                await self._command(request, deadline)
        self._ok()

    def _plan(self, command: DriveCommand) -> list[bytes]:
        """The requests for one write, given what the device has acknowledged so far."""
        run = command.run and command.direction is not Direction.NONE
        requests = []
        if run:
            if self._direction is not command.direction:
                requests.append(bx.direction_request(command.direction))
            requests.append(bx.speed_request(command.speed_kmh, self.unit))
        else:
            requests.append(bytes((bx.STOP,)))
        elevation = bx.elevation_request(command.incline_pct)
        if elevation != self._elevation:
            requests.append(elevation)
        if run and self._started is not True:
            requests.append(bytes((bx.START,)))
        return requests

    # -- exchanges ------------------------------------------------------------------------

    async def _command(self, request: bytes, deadline: float) -> None:
        """Send one command and check its echo; track what the device now holds."""
        code = request[0]
        # Until the echo is in, the device may or may not have taken it.
        if code == bx.SET_DIRECTION:
            self._direction = None
        elif code == bx.SET_ELEVATION:
            self._elevation = None
        elif code in (bx.START, bx.STOP):
            self._started = None
        reply = await self._exchange(request, 1, deadline)
        self._decode(bx.check_ack, request, reply)
        if code == bx.SET_DIRECTION:
            self._direction = Direction.FORWARD if request[1:] == b"F" else Direction.REVERSE
        elif code == bx.SET_ELEVATION:
            self._elevation = request
        elif code in (bx.START, bx.STOP):
            self._started = code == bx.START

    async def _ask(self, code: int, deadline: float) -> bytes:
        request = bytes((code,))
        return await self._exchange(request, bx.reply_len(request, self.status_bytes), deadline)

    async def _exchange(self, request: bytes, length: int, deadline: float) -> bytes:
        """Send `request`; return what came back by `deadline` (maybe short or empty).

        Stops waiting as soon as the first byte shows the reply is not the expected echo.
        """
        port = self._port
        if port is None:
            raise self._fail("not open")
        loop = asyncio.get_running_loop()
        expected = bx.WHO_REPLY if request[0] == bx.WHO_ARE_YOU else request[0]
        reply = bytearray()
        try:
            port.reset_input_buffer()  # a late reply to an earlier request must not count
            self._send(port, request)
            while len(reply) < length:
                chunk = port.read(length - len(reply))
                if chunk:
                    reply += chunk
                    if reply[0] != expected:
                        break
                    continue
                remaining_s = deadline - loop.time()
                if remaining_s <= 0:
                    break
                await self._readable(port, remaining_s)
        except serial.SerialTimeoutException:
            raise self._fail(f"write of {bx.hex_byte(request[0])} would block "
                             "(nobody is reading the line)") from None
        except (serial.SerialException, OSError) as exc:
            raise self._fail(f"line error: {exc}") from None
        return bytes(reply)

    def _send(self, port: serial.Serial, request: bytes) -> None:
        """Write without blocking; a full output buffer is a failure, not a wait."""
        try:
            fd = port.fileno()
        except (AttributeError, OSError, ValueError):
            sent = port.write(request)  # write_timeout=0: returns what went out
        else:
            try:
                sent = os.write(fd, request)  # pyserial's fd is non-blocking
            except BlockingIOError:
                sent = 0
        if sent != len(request):
            raise serial.SerialTimeoutException("output buffer full")

    @staticmethod
    async def _readable(port: serial.Serial, timeout_s: float) -> None:
        """Wait until the port has input or `timeout_s` passes, without blocking the loop."""
        try:
            fd = port.fileno()
        except (AttributeError, OSError, ValueError):
            await asyncio.sleep(min(timeout_s, _POLL_S))
            return
        loop = asyncio.get_running_loop()
        ready = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        timer = loop.call_later(timeout_s, wake)
        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
            timer.cancel()

    # -- the error funnel -----------------------------------------------------------------

    def _decode(self, decode, *args):
        try:
            return decode(*args)
        except bx.BiodexError as exc:
            raise self._fail(str(exc)) from None

    def _fail(self, message: str) -> DriveCommsError:
        """The one place a comms failure is made: first one loud, repeats quiet."""
        text = f"{self.name}: {message}"
        if self._failing:
            log.debug("%s", text)
        else:
            log.warning("%s", text)
            self._failing = True
        return DriveCommsError(text)

    def _ok(self) -> None:
        if self._failing:
            log.info("%s: answering again", self.name)
            self._failing = False


def _choice(url: str, query: dict[str, str], key: str, allowed, default):
    value = query.get(key, default)
    if value not in allowed:
        raise DriveUrlError(f"{url}: {key} {value!r} must be one of "
                            f"{', '.join(str(a) for a in allowed)}")
    return value


def from_url(url: str, *, clock=None, seed=None, site=None, site_file=None,
             estop_decel_mps2: float | None = None) -> SerialLineDrive:
    """Build (not open) a SerialLineDrive from a serial:// URL; DriveUrlError if unusable.

    `clock`, `seed` and `site` are accepted for the factory's sake and not used: the line
    runs in real time and the unit keeps its own settings. `estop_decel_mps2` cannot be set
    on the unit: `open()` says so once (S5).
    """
    del clock, seed, site
    parts = urlsplit(url)
    if parts.scheme != "serial" or parts.netloc or not parts.path.startswith("/") or parts.fragment:
        raise DriveUrlError(f"{url}: expected serial:///path/to/device?protocol=biodex "
                            "(three slashes, an absolute device path)")
    query = parse_query(url, QUERY_KEYS)
    if "protocol" not in query:
        raise DriveUrlError(f"{url}: parameter 'protocol' is required "
                            f"(known: {', '.join(PROTOCOLS)})")
    _choice(url, query, "protocol", PROTOCOLS, None)

    def integer(key: str, default: int) -> int:
        text = query.get(key)
        if text is None:
            return default
        try:
            return int(text)
        except ValueError:
            raise DriveUrlError(f"{url}: {key} {text!r} is not a whole number") from None

    baud = integer("baud", DEFAULT_BAUD)
    if baud not in BAUD_RATES:
        raise DriveUrlError(f"{url}: baud {baud} must be one of "
                            f"{', '.join(map(str, BAUD_RATES))}")
    timeout_ms = integer("timeout_ms", DEFAULT_TIMEOUT_MS)
    low, high = TIMEOUT_MS_RANGE
    if not low <= timeout_ms <= high:
        raise DriveUrlError(f"{url}: timeout_ms {timeout_ms} must be within {low}-{high}")
    status_bytes = integer("status_bytes", 3)
    if status_bytes not in (2, 3):
        raise DriveUrlError(f"{url}: status_bytes {status_bytes} must be 2 or 3")
    unit = bx.SpeedUnit(_choice(url, query, "units", ("mph", "kmh"), "mph"))
    fall_stop = _choice(url, query, "fall_stop", FALL_STOP_MODES, "none")
    if fall_stop == "ext" and status_bytes != 3:
        raise DriveUrlError(f"{url}: fall_stop=ext reads the third status byte: needs status_bytes=3")
    return SerialLineDrive(parts.path, baud=baud, timeout_s=timeout_ms / 1000, unit=unit,
                           status_bytes=status_bytes, fall_stop_ext=fall_stop == "ext",
                           estop_decel_mps2=estop_decel_mps2)
