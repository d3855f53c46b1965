"""The Biodex RTM 400 codec and the simulated unit, without any I/O."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers import biodex as bx
from drivers.base import Direction
from sim.belt import FAULT_COMM_LOSS, FAULT_DRIVE
from sim.server_serial import BiodexDevice
from sim.world import SimWorld

MPH, KMH = bx.SpeedUnit.MPH, bx.SpeedUnit.KMH


# -- host-side requests ---------------------------------------------------------------------

def test_speed_is_three_ascii_digits_of_tenths_of_a_mph():
    assert bx.speed_request(0.0) == b"\x82000"
    assert bx.speed_request(3.5 * bx.KMH_PER_MPH) == b"\x82035"
    assert bx.speed_request(10.0 * bx.KMH_PER_MPH) == b"\x82100"
    assert bx.speed_request(5.5, KMH) == b"\x82055"


def test_speed_rounds_down_so_the_wire_never_exceeds_the_command():
    # 3.0 km/h = 1.864 mph: rounding to nearest would send 1.9 mph = 3.06 km/h, over a 3.0 cap.
    assert bx.speed_request(3.0) == b"\x82018"
    # ...but float noise just under a whole tenth does not lose the tenth.
    assert bx.speed_request(0.3 * bx.KMH_PER_MPH) == b"\x82003"


@given(st.floats(min_value=0.0, max_value=99.9 * bx.KMH_PER_MPH, allow_nan=False))
def test_the_encoded_speed_never_exceeds_the_command_by_more_than_float_noise(speed_kmh):
    sent_kmh = int(bx.speed_request(speed_kmh)[1:]) / 10 * bx.KMH_PER_MPH
    assert sent_kmh <= speed_kmh + 1e-5
    assert speed_kmh - sent_kmh < 0.1 * bx.KMH_PER_MPH + 1e-9


@pytest.mark.parametrize("bad", [-1.0, math.nan, -math.inf])
def test_a_negative_or_nan_speed_is_sent_as_zero(bad):
    assert bx.speed_request(bad) == b"\x82000"


def test_a_speed_beyond_three_digits_is_refused_not_clamped():
    with pytest.raises(ValueError, match="beyond the protocol's 99.9 mph"):
        bx.speed_request(200.0)
    with pytest.raises(ValueError):
        bx.speed_request(math.inf)


def test_elevation_is_two_digits_of_whole_percent_rounded_down():
    assert bx.elevation_request(0.0) == b"\x8300"
    assert bx.elevation_request(7.9) == b"\x8307"
    assert bx.elevation_request(-2.0) == b"\x8300"
    with pytest.raises(ValueError):
        bx.elevation_request(100.0)
    with pytest.raises(ValueError):
        bx.elevation_request(math.inf)


def test_direction_is_f_or_r_and_none_has_no_code():
    assert bx.direction_request(Direction.FORWARD) == b"\x84F"
    assert bx.direction_request(Direction.REVERSE) == b"\x84R"
    with pytest.raises(ValueError):
        bx.direction_request(Direction.NONE)


def test_reply_lengths_include_the_echo():
    assert bx.reply_len(b"\x82035") == 1
    assert bx.reply_len(b"\x80") == 1
    assert bx.reply_len(b"\xa0") == 4
    assert bx.reply_len(b"\xa1") == 3
    assert bx.reply_len(b"\xa2") == 2
    assert bx.reply_len(b"\xa7") == 4
    assert bx.reply_len(b"\xa7", status_bytes=2) == 3
    assert bx.reply_len(b"\x9f") == 2


# -- host-side replies ----------------------------------------------------------------------

def test_a_command_is_acknowledged_by_its_own_byte():
    bx.check_ack(b"\x82035", b"\x82")


@pytest.mark.parametrize("reply, reason", [
    (b"", "no reply to 0x82"),
    (b"\xaf", "refused \\(NACK 0xAF\\)"),
    (b"\x81", "wrong echo 0x81 for 0x82"),
    (b"\x82\x82", "overlong reply"),
])
def test_a_missing_refused_or_wrong_echo_is_an_error(reply, reason):
    with pytest.raises(bx.BiodexError, match=reason):
        bx.check_ack(b"\x82035", reply)


def test_status_replies_decode():
    assert bx.decode_speed(b"\xa0035") == pytest.approx(3.5 * bx.KMH_PER_MPH)
    assert bx.decode_speed(b"\xa0055", KMH) == pytest.approx(5.5)
    assert bx.decode_elevation(b"\xa112") == 12.0
    assert bx.decode_direction(b"\xa2F") is Direction.FORWARD
    assert bx.decode_direction(b"\xa2R") is Direction.REVERSE
    assert bx.decode_who(b"\x964") == "RTM3plus (RS-232)"


@pytest.mark.parametrize("decode, reply, reason", [
    (bx.decode_speed, b"\xa0", "short reply"),
    (bx.decode_speed, b"\xa00x5", "garbled speed"),
    (bx.decode_speed, b"\xa1035", "wrong echo 0xA1 for 0xA0"),
    (bx.decode_speed, b"\xa0 35", "garbled speed"),
    (bx.decode_elevation, b"\xa11-", "garbled elevation"),
    (bx.decode_direction, b"\xa2f", "garbled belt direction"),
    (bx.decode_direction, b"\xaf", "NACK"),
    (bx.decode_status, b"\xa7\x80\x00\x00", "bit 7 must be 0"),
    (bx.decode_status, b"\xa7\x00", "short reply"),
    (bx.decode_who, b"\x96Z", "not a Biodex"),
    (bx.decode_who, b"\x9f", "not a Biodex"),
])
def test_garbled_replies_are_errors(decode, reply, reason):
    with pytest.raises(bx.BiodexError, match=reason):
        decode(reply)


def test_system_status_maps_the_lanyard_to_the_safety_key_and_the_rest_to_faults():
    ok = bx.decode_status(b"\xa7\x00\x00\x00")
    assert (ok.safety_key, ok.fault_code, ok.fall_stop) == (True, 0, None)
    key_out = bx.decode_status(b"\xa7\x00\x40\x00")
    assert (key_out.safety_key, key_out.fault_code) == (False, 0)
    faults = bx.decode_status(b"\xa7\x20\xa0\x00")  # HWFLT; comm fault + amplifier
    assert faults.fault_code == 0xA0 | bx.FAULT_HW_FLAG
    # Comm errors of past exchanges (illegal, range, ...) are not drive faults.
    assert bx.decode_status(b"\xa7\x41\x00\x00").fault_code == 0


def test_the_third_status_byte_carries_the_simulators_fall_stop_switch():
    assert bx.decode_status(b"\xa7\x00\x00\x03").fall_stop is True
    assert bx.decode_status(b"\xa7\x00\x00\x01").fall_stop is False
    assert bx.decode_status(b"\xa7\x00\x00\x00").fall_stop is None
    assert bx.decode_status(b"\xa7\x00\x00", status_bytes=2).fall_stop is None


# -- device side ----------------------------------------------------------------------------

def test_the_parser_reassembles_requests_split_across_reads():
    parser = bx.RequestParser()
    assert parser.feed(b"\x82", 0.0) == []
    assert parser.feed(b"03", 0.001) == []
    assert parser.feed(b"5\xa7\x80", 0.002) == [bx.Request(0x82, b"035"), bx.Request(0xA7),
                                               bx.Request(0x80)]


def test_the_parser_flags_the_manuals_invalid_commands():
    parser = bx.RequestParser(data_timeout_s=0.1)
    [illegal] = parser.feed(b"\x90", 0.0)
    assert illegal.comm_bit == bx.COMM_ILLEGAL
    [unexpected] = parser.feed(b"5", 0.0)
    assert unexpected.comm_bit == bx.COMM_UNEXPECTED
    new, request = parser.feed(b"\x82\x81", 0.0)
    assert new.comm_bit == bx.COMM_NEW and request == bx.Request(0x81)
    assert parser.feed(b"\x83", 0.0) == []
    assert parser.expire(0.05) == []
    [late] = parser.expire(0.2)
    assert late.comm_bit == bx.COMM_TIME
    assert parser.feed(b"1", 0.2)[0].comm_bit == bx.COMM_UNEXPECTED


def test_the_device_reports_any_motion_as_at_least_a_tenth():
    assert bx.speed_reply(0.0) == b"\xa0000"
    assert bx.speed_reply(0.03) == b"\xa0001"
    assert bx.speed_reply(3.5 * bx.KMH_PER_MPH) == b"\xa0035"
    assert bx.speed_reply(500.0) == b"\xa0999"


def test_the_simulated_unit_starts_runs_and_stops_the_world():
    world = SimWorld()
    unit = BiodexDevice(world)
    assert unit.receive(b"\x9f", 0.0) == b"\x964"
    assert unit.receive(b"\x84R\x82020\x80", 0.0) == b"\x84\x82\x80"
    t_s = 0.0
    for _ in range(100):  # keep the watchdog fed for 2 s
        t_s += 0.02
        assert unit.receive(b"\x82020", t_s) == b"\x82"
    assert world.belt_velocity_kmh_signed == pytest.approx(-2.0 * bx.KMH_PER_MPH, abs=0.01)
    reply = unit.receive(b"\xa0\xa2\xa7", t_s)
    assert reply[:2] == b"\xa0" b"0" and reply[4:6] == b"\xa2R"
    assert reply[6:] == b"\xa7\x00\x00\x03"
    assert unit.receive(b"\x84F", t_s) == b"\xaf"  # no direction change while running
    assert unit.receive(b"\xa7", t_s)[1] == bx.COMM_RANGE
    assert unit.receive(b"\x81", t_s) == b"\x81"
    for _ in range(200):
        t_s += 0.02
        unit.receive(b"\x81", t_s)
    assert world.belt_velocity_kmh_signed == 0.0
    assert unit.receive(b"\x84F", t_s) == b"\x84"


def test_the_simulated_unit_refuses_out_of_range_values():
    unit = BiodexDevice(SimWorld())
    assert unit.receive(b"\x82999", 0.0) == b"\xaf"  # 99.9 mph is over the drive's maximum
    assert unit.receive(b"\x8399", 0.0) == b"\xaf"
    assert unit.receive(b"\x84X", 0.0) == b"\xaf"
    assert unit.receive(b"\x82x12", 0.0) == b"\xaf"
    assert unit.receive(b"\xa7", 0.0) == b"\xa7\x40\x00\x03"
    assert unit.receive(b"\xa7", 0.0) == b"\xa7\x00\x00\x03"  # read clears the comm status


def test_the_simulated_unit_reports_lanyard_and_faults_in_system_status_1():
    world = SimWorld(fall_stop_fitted=False)
    unit = BiodexDevice(world)
    world.inject("key-out")
    assert unit.receive(b"\xa7", 0.0) == b"\xa7\x00\x40\x00"
    world.inject("key-in")
    world.belt.trip(FAULT_DRIVE)
    assert unit.receive(b"\xa7", 0.0)[2] == bx.SYS_AMPLIFIER_FAULT
    assert unit.receive(b"\x80", 0.0) == b"\xaf"  # a tripped unit refuses to start
    assert unit.receive(b"\x81", 0.1) == b"\x81"  # stop resets a trip once the belt is still
    assert unit.receive(b"\xa7", 0.1)[2] == 0
    world.belt.trip(FAULT_COMM_LOSS)
    assert unit.receive(b"\xa7", 0.1)[2] == bx.SYS_COMM_FAULT


def test_the_simulated_units_watchdog_is_fed_by_commands_not_by_polling():
    world = SimWorld(comm_loss_timeout_s=0.5)
    unit = BiodexDevice(world)
    unit.receive(b"\x84F\x82030\x80", 0.0)
    t_s = 0.0
    for _ in range(100):
        t_s += 0.02
        unit.receive(b"\x82030", t_s)
    assert world.belt_velocity_kmh_signed > 4.0
    for _ in range(150):  # 3 s of polling only
        t_s += 0.02
        unit.receive(b"\xa0\xa7", t_s)
    assert world.belt.fault_code == FAULT_COMM_LOSS
    assert world.belt_velocity_kmh_signed == 0.0
    assert unit.receive(b"\x82030", t_s) == b"\x82"
    assert not unit.started  # it will not run again without a new start


def test_an_injected_comms_loss_cuts_the_line():
    world = SimWorld()
    unit = BiodexDevice(world)
    world.inject("comms-loss")
    assert unit.receive(b"\x9f\xa7", 0.0) == b""
    world.inject("comms-restore")
    assert unit.receive(b"\x9f", 0.0) == b"\x964"


def test_a_command_whose_data_stops_coming_is_nacked_by_the_tick():
    unit = BiodexDevice(SimWorld())
    assert unit.receive(b"\x82" b"0", 0.0) == b""
    assert unit.tick(0.05) == b""
    assert unit.tick(0.2) == b"\xaf"
    assert unit.receive(b"\xa7", 0.2)[1] == bx.COMM_TIME
