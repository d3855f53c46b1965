"""0x2A37 parsing (pure functions) and --hr URLs, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.heart_rate import HeartRateError, open_heart_rate, parse_hr_url
from drivers.heart_rate.measurement import Measurement, MeasurementError, parse_measurement
from hr_strap import encode_measurement

# Examples laid out as in the Heart Rate Service spec's field table (flags, then the fields
# in order, little-endian); the last two rows are shaped like common chest straps' packets
# (contact bits and one RR interval; no contact bits).
GOOD = [
    # hex packet, bpm, contact, rr_s, energy_kj
    ("0048", 72, None, (), None),                               # uint8, nothing else
    ("014800", 72, None, (), None),                             # uint16 for a small value
    ("012c01", 300, None, (), None),                            # uint16 above 255
    ("00ff", 255, None, (), None),                              # uint8 at its top
    ("0600", 0, True, (), None),                                # 0 bpm is a valid packet
    ("0648", 72, True, (), None),                               # contact supported, detected
    ("0448", 72, False, (), None),                              # contact supported, not detected
    ("0248", 72, None, (), None),                               # "detected" without "supported"
    ("08480a00", 72, None, (), 10),                             # energy expended, kJ
    ("0848ffff", 72, None, (), 0xFFFF),                         # energy at its ceiling
    ("10480004", 72, None, (1.0,), None),                       # one RR: 1024/1024 s
    ("1048000400030002", 72, None, (1.0, 0.75, 0.5), None),     # three RR
    ("1f2c01e8030004", 300, True, (1.0,), 1000),                # every field at once
    ("e048", 72, None, (), None),                               # reserved bits 5-7 ignored
    ("16403f03", 64, True, (831 / 1024,), None),                # at rest, in contact
    ("105a1a03", 90, None, (794 / 1024,), None),                # no contact bits
]

GARBLED = [
    # hex packet, what the error says
    ("", "empty"),
    ("00", "heart rate needs 1 byte"),
    ("0148", "heart rate needs 2 byte"),
    ("0848", "energy expended needs 2"),
    ("08480a", "energy expended needs 2"),
    ("1048", "no RR interval follows"),
    ("104800", "2 bytes each, 1 byte"),
    ("10480004ff", "2 bytes each, 3 byte"),
    ("004800", "1 stray byte"),
    ("0148000000", "2 stray byte"),
]


@pytest.mark.parametrize(("packet", "bpm", "contact", "rr_s", "energy_kj"), GOOD)
def test_a_well_formed_packet_gives_its_fields(packet, bpm, contact, rr_s, energy_kj):
    assert parse_measurement(bytes.fromhex(packet)) == Measurement(bpm, contact, rr_s, energy_kj)


@pytest.mark.parametrize(("packet", "says"), GARBLED)
def test_a_truncated_or_padded_packet_is_refused_saying_how(packet, says):
    with pytest.raises(MeasurementError, match=says):
        parse_measurement(bytes.fromhex(packet))


def test_a_bytearray_parses_like_bytes():
    assert parse_measurement(bytearray.fromhex("0648")) == parse_measurement(bytes.fromhex("0648"))


@given(bpm=st.integers(0, 0xFFFF), wide=st.booleans(), contact=st.none() | st.booleans(),
       energy_kj=st.none() | st.integers(0, 0xFFFF), rr=st.lists(st.integers(1, 0xFFFF), max_size=9))
def test_whatever_a_strap_encodes_parses_back(bpm, wide, contact, energy_kj, rr):
    wide = wide or bpm > 0xFF
    rr_s = tuple(units / 1024 for units in rr)
    packet = encode_measurement(bpm, contact=contact, energy_kj=energy_kj, rr_s=rr_s, wide=wide)
    assert parse_measurement(packet) == Measurement(bpm, contact, rr_s, energy_kj)


@given(st.binary(max_size=24))
def test_any_bytes_parse_or_raise_measurement_error_only(data):
    try:
        fields = parse_measurement(data)
    except MeasurementError:
        return
    assert 0 <= fields.bpm <= 0xFFFF


@pytest.mark.parametrize(("text", "expected"), [
    ("none", ("none", None)),
    ("sim", ("sim", None)),
    ("SIM", ("sim", None)),
    ("ble://AA:BB:CC:DD:EE:FF", ("ble", "AA:BB:CC:DD:EE:FF")),
    ("ble://c0:4f:2a:11:90:3b", ("ble", "C0:4F:2A:11:90:3B")),
    ("BLE://C0:4F:2A:11:90:3B", ("ble", "C0:4F:2A:11:90:3B")),
])
def test_hr_urls(text, expected):
    assert parse_hr_url(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("ant://12345", "unknown scheme 'ant'"),
    ("http://AA:BB:CC:DD:EE:FF", "unknown scheme 'http'"),
    ("polar", "expected none, sim or ble://"),
    ("", "expected none, sim or ble://"),
    ("ble://AA:BB:CC:DD:EE", "malformed Bluetooth address 'AA:BB:CC:DD:EE'"),
    ("ble://AA:BB:CC:DD:EE:FG", "malformed Bluetooth address"),
    ("ble://AA-BB-CC-DD-EE-FF", "malformed Bluetooth address"),
    ("ble://", "malformed Bluetooth address ''"),
])
def test_a_bad_hr_url_is_one_line_naming_the_flag(text, says):
    with pytest.raises(HeartRateError, match=says) as refused:
        parse_hr_url(text)
    message = str(refused.value)
    assert message.startswith("--hr ") and "\n" not in message


def test_none_and_sim_open_no_strap_source():
    assert open_heart_rate("none", clock=None) is None
    assert open_heart_rate("sim", clock=None) is None


def test_a_ble_url_opens_a_source_named_by_its_url_without_connecting():
    source = open_heart_rate("ble://c0:4f:2a:11:90:3b", clock=None)
    assert source.name == "ble://C0:4F:2A:11:90:3B"
    assert source.latest() is None and source.bpm_now(0.0) is None


def test_a_bad_url_is_refused_before_anything_opens():
    with pytest.raises(HeartRateError, match="unknown scheme"):
        open_heart_rate("ant://1", clock=None)
