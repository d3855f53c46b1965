"""Heart Rate Measurement (characteristic 0x2A37) as pure functions: bytes in, fields out.

Layout (Bluetooth Heart Rate Service 1.0, 3.1): byte 0 is the flags, then the fields the flags
announce, in this order, little-endian:

    bit 0     heart rate is uint16 (else uint8)
    bits 1-2  sensor contact: bit 2 "supported", bit 1 "detected" (bit 1 alone means nothing)
    bit 3     energy expended present: uint16, kilojoules since the last reset
    bit 4     RR intervals present: one or more uint16, 1/1024 s each, to the end of the packet
    bits 5-7  reserved (ignored, so a newer strap still parses)

A packet that is shorter or longer than its flags say is refused with MeasurementError: a
garbled packet never becomes a reading.
"""

from __future__ import annotations

from dataclasses import dataclass

UINT16_HR = 0x01
CONTACT_DETECTED = 0x02
CONTACT_SUPPORTED = 0x04
ENERGY_PRESENT = 0x08
RR_PRESENT = 0x10

RR_UNITS_PER_S = 1024


class MeasurementError(ValueError):
    """A 0x2A37 packet that does not match its own flags; str() says how."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """The fields of one 0x2A37 notification."""

    bpm: int
    contact: bool | None
    rr_s: tuple[float, ...]
    energy_kj: int | None


def parse_measurement(data: bytes | bytearray) -> Measurement:
    """Decode one 0x2A37 value; MeasurementError if it is truncated or has stray bytes."""
    data = bytes(data)
    if not data:
        raise MeasurementError("empty packet")
    flags = data[0]
    offset = 1
    bpm, offset = _uint(data, offset, 2 if flags & UINT16_HR else 1, "heart rate")
    energy_kj = None
    if flags & ENERGY_PRESENT:
        energy_kj, offset = _uint(data, offset, 2, "energy expended")
    rr_s: tuple[float, ...] = ()
    if flags & RR_PRESENT:
        rr_s = _rr_intervals_s(data, offset)
    elif offset != len(data):
        raise MeasurementError(f"{len(data) - offset} stray byte(s) after the fields (flags 0x{flags:02X})")
    return Measurement(bpm=bpm, contact=_contact(flags), rr_s=rr_s, energy_kj=energy_kj)


def _contact(flags: int) -> bool | None:
    if not flags & CONTACT_SUPPORTED:
        return None
    return bool(flags & CONTACT_DETECTED)


def _uint(data: bytes, offset: int, size: int, field: str) -> tuple[int, int]:
    end = offset + size
    if end > len(data):
        raise MeasurementError(f"truncated: {field} needs {size} byte(s) at offset {offset}, "
                               f"packet has {len(data)}")
    return int.from_bytes(data[offset:end], "little"), end


def _rr_intervals_s(data: bytes, offset: int) -> tuple[float, ...]:
    remaining = len(data) - offset
    if remaining == 0:
        raise MeasurementError("truncated: RR flag set but no RR interval follows")
    if remaining % 2:
        raise MeasurementError(f"truncated: RR intervals are 2 bytes each, {remaining} byte(s) left")
    return tuple(int.from_bytes(data[i:i + 2], "little") / RR_UNITS_PER_S
                 for i in range(offset, len(data), 2))
