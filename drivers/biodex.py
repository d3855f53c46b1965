"""The Biodex RTM 400 serial command set as pure functions: bytes in, values out, no I/O.

Source: Biodex RTM 400 Installation/Operation Manual (FN 06-172 Rev A 5/09), pp. 16-17.
What the manual gives, and what we chose where it is silent, is in docs/drives.md
("Serial: Biodex RTM 400"). In short:

- Every command is one byte >= 0x80, some followed by fixed-length ASCII data:
  start 0x80, stop 0x81, speed 0x82 + 3 digits, elevation 0x83 + 2 digits,
  belt direction 0x84 + 'F'/'R'. The unit acknowledges a command by sending its command
  byte back; it answers an invalid one with 0xAF (NACK).
- Status requests are answered by the request byte and fixed-length data: present speed
  0xA0 + 3 digits, elevation 0xA1 + 2 digits, belt direction 0xA2 + 'F'/'R',
  system status 0xA7 + status bytes (comm status, system status 1, and a third byte the
  manual does not name).
- Chosen, unconfirmed: the 3 speed digits are tenths of a mile per hour (or of a km/h with
  `unit=KMH`); the 2 elevation digits are whole percent grade.

Host-side encoders round DOWN, so what goes on the wire never exceeds what the controller
commanded (S4); the simulated device reports any motion as at least 0.1, so a creeping belt
never reads as standstill (S3). Decoders raise `BiodexError` (a ValueError) with a short reason.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from drivers.base import Direction

# -- command and reply bytes (manual p. 16) -------------------------------------------------
START = 0x80
STOP = 0x81
SET_SPEED = 0x82
SET_ELEVATION = 0x83
SET_DIRECTION = 0x84
SET_WEIGHT = 0x85
SET_TIME = 0x86
FIRMWARE_VERSION = 0x9E
WHO_ARE_YOU = 0x9F
WHO_REPLY = 0x96  # followed by ASCII '4' (RTM3plus RS-232), '5' (RS-422), '6' (RTM3)
READ_SPEED = 0xA0
READ_ELEVATION = 0xA1
READ_DIRECTION = 0xA2
READ_TIME = 0xA3
READ_DISTANCE = 0xA4
READ_CALORIES = 0xA5
READ_METS = 0xA6
READ_STATUS = 0xA7
NACK = 0xAF

#: Data bytes that follow each command byte.
COMMAND_DATA_LEN = {START: 0, STOP: 0, SET_SPEED: 3, SET_ELEVATION: 2, SET_DIRECTION: 1,
                    SET_WEIGHT: 3, SET_TIME: 4}
WHO_MODELS = {ord("4"): "RTM3plus (RS-232)", ord("5"): "RTM3plus (RS-422)", ord("6"): "RTM3"}

# -- status bytes (manual p. 17) ------------------------------------------------------------
# Communications status byte: one bit per kind of error in the last exchange(s).
COMM_ILLEGAL = 0x01  # illegal command code
COMM_UNEXPECTED = 0x02  # data byte not preceded by a command
COMM_NEW = 0x04  # new command before the previous data transmission completed
COMM_TIME = 0x08  # data transmission not completed within the time limit
COMM_UART = 0x10  # hardware (ACIA) error: overflow, framing
COMM_HW_FAULT = 0x20  # a hardware fault disables the function, or diagnostic mode
COMM_RANGE = 0x40  # data out of range
COMM_BIT7 = 0x80  # "B7 MUST BE ZERO": a set bit 7 means the byte is garbled
# System status byte 1: the lower control board's error codes.
SYS_NO_HALL_SPEED = 0x01
SYS_HALL_OVERSPEED = 0x02
SYS_TACH_OVERSPEED = 0x04
SYS_NO_TACH_SPEED = 0x08
SYS_GRADE_POT_RANGE = 0x10
SYS_AMPLIFIER_FAULT = 0x20
SYS_LANYARD_OFF = 0x40  # the safety lanyard (magnetic key) is pulled off
SYS_COMM_FAULT = 0x80
#: Our fault_code sets this bit when the comm status reports a hardware fault (HWFLT).
FAULT_HW_FLAG = 0x100
# Third status byte: unnamed in the manual. The retrotread simulator puts its fall-stop
# switch here; the driver reads it only when told to (`fall_stop=ext`).
EXT_FALL_STOP_FITTED = 0x01
EXT_FALL_STOP_OK = 0x02
EXT_RESERVED = 0xFC

KMH_PER_MPH = 1.609344
SPEED_MAX_UNITS_X10 = 999  # three digits
ELEVATION_MAX_PCT = 99  # two digits
_EPSILON = 1e-6  # 2.9999999 tenths is 3 tenths, not 2


class BiodexError(ValueError):
    """A reply that breaks the protocol: missing, refused (NACK), wrong echo, garbled."""


class SpeedUnit(enum.Enum):
    """What the three speed digits count tenths of (unconfirmed; mph by default)."""

    MPH = "mph"
    KMH = "kmh"

    @property
    def kmh(self) -> float:
        return KMH_PER_MPH if self is SpeedUnit.MPH else 1.0


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """A decoded 0xA7 reply. `ext` is the third byte, or None if the reply has only two."""

    comm: int
    system: int
    ext: int | None

    @property
    def safety_key(self) -> bool:
        return not self.system & SYS_LANYARD_OFF

    @property
    def fault_code(self) -> int:
        """System status 1 without the lanyard bit, plus FAULT_HW_FLAG for a comm HWFLT."""
        code = self.system & ~SYS_LANYARD_OFF & 0xFF
        if self.comm & COMM_HW_FAULT:
            code |= FAULT_HW_FLAG
        return code

    @property
    def fall_stop(self) -> bool | None:
        """The simulator's fall-stop extension: None when absent or no sensor fitted."""
        if self.ext is None or not self.ext & EXT_FALL_STOP_FITTED:
            return None
        return bool(self.ext & EXT_FALL_STOP_OK)


# -- helpers --------------------------------------------------------------------------------

def digits(value: int, width: int) -> bytes:
    """`value` as exactly `width` ASCII digits; ValueError if it does not fit."""
    if not 0 <= value < 10 ** width:
        raise ValueError(f"{value} does not fit in {width} digits")
    return b"%0*d" % (width, value)


def parse_digits(data: bytes) -> int | None:
    """ASCII digits to an int, or None if any byte is not a digit."""
    if not data or any(not 0x30 <= b <= 0x39 for b in data):
        return None
    return int(data)


def hex_byte(value: int) -> str:
    return f"0x{value:02X}"


# -- host side: requests --------------------------------------------------------------------

def speed_request(speed_kmh: float, unit: SpeedUnit = SpeedUnit.MPH) -> bytes:
    """0x82 + 3 digits: tenths of `unit`, rounded DOWN. NaN/negative -> 0; too fast -> ValueError."""
    if not speed_kmh > 0.0:
        speed_kmh = 0.0
    scaled = speed_kmh / unit.kmh * 10.0 + _EPSILON
    if scaled >= SPEED_MAX_UNITS_X10 + 1:  # also inf
        raise ValueError(f"speed {speed_kmh:g} km/h is beyond the protocol's "
                         f"{SPEED_MAX_UNITS_X10 / 10:g} {unit.value}")
    return bytes((SET_SPEED,)) + digits(math.floor(scaled), 3)


def elevation_request(incline_pct: float) -> bytes:
    """0x83 + 2 digits: whole percent grade, rounded DOWN. NaN/negative -> 0; > 99 -> ValueError."""
    if not incline_pct > 0.0:
        incline_pct = 0.0
    if incline_pct + _EPSILON >= ELEVATION_MAX_PCT + 1:  # also inf
        raise ValueError(f"incline {incline_pct:g} % is beyond the protocol's {ELEVATION_MAX_PCT} %")
    return bytes((SET_ELEVATION,)) + digits(math.floor(incline_pct + _EPSILON), 2)


def direction_request(direction: Direction) -> bytes:
    """0x84 + 'F' or 'R'. There is no code for "none"."""
    if direction is Direction.FORWARD:
        return bytes((SET_DIRECTION,)) + b"F"
    if direction is Direction.REVERSE:
        return bytes((SET_DIRECTION,)) + b"R"
    raise ValueError(f"belt direction {direction.value!r} has no code (only F or R)")


def reply_len(request: bytes, status_bytes: int = 3) -> int:
    """How many bytes (echo included) answer `request`."""
    code = request[0]
    if code in COMMAND_DATA_LEN:
        return 1
    return {WHO_ARE_YOU: 2, READ_SPEED: 4, READ_ELEVATION: 3, READ_DIRECTION: 2,
            READ_STATUS: 1 + status_bytes}[code]


# -- host side: replies ---------------------------------------------------------------------

def _expect(reply: bytes, code: int, length: int) -> bytes:
    """The data part of a reply to `code`, or BiodexError saying what is wrong with it."""
    if not reply:
        raise BiodexError(f"no reply to {hex_byte(code)}")
    if reply[0] == NACK and code != NACK:
        raise BiodexError(f"{hex_byte(code)} refused (NACK 0xAF)")
    if reply[0] != code:
        raise BiodexError(f"wrong echo {hex_byte(reply[0])} for {hex_byte(code)}")
    if len(reply) < length:
        raise BiodexError(f"short reply to {hex_byte(code)}: {reply.hex(' ')}")
    if len(reply) > length:
        raise BiodexError(f"overlong reply to {hex_byte(code)}: {reply.hex(' ')}")
    return reply[1:]


def check_ack(request: bytes, reply: bytes) -> None:
    """A command is acknowledged by its own command byte, alone."""
    _expect(reply, request[0], 1)


def decode_speed(reply: bytes, unit: SpeedUnit = SpeedUnit.MPH) -> float:
    """0xA0 + 3 digits -> km/h."""
    data = _expect(reply, READ_SPEED, 4)
    tenths = parse_digits(data)
    if tenths is None:
        raise BiodexError(f"garbled speed {data!r}")
    return tenths / 10.0 * unit.kmh


def decode_elevation(reply: bytes) -> float:
    """0xA1 + 2 digits -> percent grade."""
    data = _expect(reply, READ_ELEVATION, 3)
    pct = parse_digits(data)
    if pct is None:
        raise BiodexError(f"garbled elevation {data!r}")
    return float(pct)


def decode_direction(reply: bytes) -> Direction:
    """0xA2 + 'F'/'R' -> FORWARD/REVERSE (the belt's direction setting or travel)."""
    data = _expect(reply, READ_DIRECTION, 2)
    if data == b"F":
        return Direction.FORWARD
    if data == b"R":
        return Direction.REVERSE
    raise BiodexError(f"garbled belt direction {data!r}")


def decode_status(reply: bytes, status_bytes: int = 3) -> SystemStatus:
    """0xA7 + comm status + system status 1 [+ third byte]."""
    data = _expect(reply, READ_STATUS, 1 + status_bytes)
    if data[0] & COMM_BIT7:
        raise BiodexError(f"garbled comm status byte {hex_byte(data[0])} (bit 7 must be 0)")
    ext = data[2] if status_bytes >= 3 else None
    return SystemStatus(comm=data[0], system=data[1], ext=ext)


def decode_who(reply: bytes) -> str:
    """0x96 + model digit (the reply to 0x9F) -> model name; BiodexError if not a Biodex."""
    if not reply:
        raise BiodexError(f"no reply to {hex_byte(WHO_ARE_YOU)} (who are you)")
    if len(reply) != 2 or reply[0] != WHO_REPLY or reply[1] not in WHO_MODELS:
        raise BiodexError(f"not a Biodex RTM: 'who are you' answered {reply.hex(' ')}")
    return WHO_MODELS[reply[1]]


# -- device side (the simulator plays the treadmill) ----------------------------------------

def speed_reply(speed_kmh: float, unit: SpeedUnit = SpeedUnit.MPH) -> bytes:
    """0xA0 + 3 digits to the nearest tenth, but any motion reads at least 0.1; capped at 99.9."""
    speed_kmh = max(speed_kmh, 0.0)
    tenths = round(speed_kmh / unit.kmh * 10.0)
    if speed_kmh > 0.0 and tenths == 0:
        tenths = 1
    return bytes((READ_SPEED,)) + digits(min(tenths, SPEED_MAX_UNITS_X10), 3)


def elevation_reply(incline_pct: float) -> bytes:
    pct = min(max(round(incline_pct), 0), ELEVATION_MAX_PCT)
    return bytes((READ_ELEVATION,)) + digits(pct, 2)


def direction_reply(direction: Direction) -> bytes:
    return bytes((READ_DIRECTION,)) + (b"R" if direction is Direction.REVERSE else b"F")


def status_reply(comm: int, system: int, ext: int | None) -> bytes:
    tail = bytes((ext,)) if ext is not None else b""
    return bytes((READ_STATUS, comm & 0x7F, system & 0xFF)) + tail


@dataclass(frozen=True, slots=True)
class Request:
    """One complete request the device received: command byte and its data bytes."""

    code: int
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class Invalid:
    """Bytes the device must NACK, and the comm status bit that says why."""

    comm_bit: int
    detail: str


class RequestParser:
    """Splits the host's byte stream into requests (device side), with the manual's errors.

    A command byte starts a request; its data must follow within `data_timeout_s`. A byte
    below 0x80 outside a command is unexpected data; a command byte inside another's data
    abandons the first (NEW) and starts the second.
    """

    KNOWN = frozenset(COMMAND_DATA_LEN) | {FIRMWARE_VERSION, WHO_ARE_YOU, READ_SPEED,
                                           READ_ELEVATION, READ_DIRECTION, READ_TIME,
                                           READ_DISTANCE, READ_CALORIES, READ_METS,
                                           READ_STATUS, 0xB0, 0xB1, 0xB2, 0xB3}

    def __init__(self, data_timeout_s: float = 0.1) -> None:
        self.data_timeout_s = data_timeout_s
        self._code: int | None = None
        self._data = bytearray()
        self._since_s = 0.0

    def expire(self, now_s: float) -> list[Request | Invalid]:
        """A request whose data stopped arriving is dropped as TIME."""
        if self._code is not None and now_s - self._since_s > self.data_timeout_s:
            code, self._code = self._code, None
            return [Invalid(COMM_TIME, f"data for {hex_byte(code)} not completed in time")]
        return []

    def feed(self, data: bytes, now_s: float) -> list[Request | Invalid]:
        out = self.expire(now_s)
        for byte in data:
            if byte >= 0x80:
                if self._code is not None:
                    out.append(Invalid(COMM_NEW, f"{hex_byte(byte)} before the data of "
                                                 f"{hex_byte(self._code)} was complete"))
                    self._code = None
                if byte not in self.KNOWN:
                    out.append(Invalid(COMM_ILLEGAL, f"illegal command {hex_byte(byte)}"))
                elif COMMAND_DATA_LEN.get(byte, 0) == 0:
                    out.append(Request(byte))
                else:
                    self._code, self._since_s = byte, now_s
                    self._data.clear()
            elif self._code is None:
                out.append(Invalid(COMM_UNEXPECTED, f"unexpected data byte {hex_byte(byte)}"))
            else:
                self._data.append(byte)
                if len(self._data) == COMMAND_DATA_LEN[self._code]:
                    out.append(Request(self._code, bytes(self._data)))
                    self._code = None
        return out
