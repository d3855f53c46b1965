"""Pure encode/decode of every shipped drive profile, against the register facts in
REFERENCE.md (and the drive manuals where REFERENCE.md is silent). No I/O.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import Direction, DriveCommand, DriveConfigError, DriveStatus, StopMode
from drivers.codec import (FC_WRITE_MULTIPLE, FC_WRITE_SINGLE, ReadBlock, Scale, WriteRequest,
                           choose_reaction, command_registers, decode_command, decode_inputs,
                           decode_status, encode_inputs, encode_status, read_plan, watchdog_reaction,
                           watchdog_settings, watchdog_timeout_s, write_plan)
from drivers.profiles import PROFILE_DIR, available_profiles, load_profile, load_profile_file
from drivers.site import DriveSite, InputWiring

SHIPPED = ("abb-drives", "cia402", "delta-ms300", "siemens-v20", "yaskawa-v1000")
SCALE = Scale(kmh_per_hz=0.32, max_hz=75.0)  # 16 km/h at 50 Hz
FWD = Direction.FORWARD
REV = Direction.REVERSE


def run(direction: Direction, kmh: float, **kw) -> DriveCommand:
    return DriveCommand(True, direction, kmh, **kw)


def stop(mode: StopMode = StopMode.RAMP, **kw) -> DriveCommand:
    return DriveCommand(False, Direction.NONE, 0.0, stop_mode=mode, **kw)


def test_every_required_profile_ships_and_loads():
    assert set(SHIPPED) <= set(available_profiles())
    for name in SHIPPED:
        assert load_profile(name).name == name


# ---- Delta MS300 ---------------------------------------------------------------------------

def test_delta_command_words_and_frequency_reference():
    p = load_profile("delta-ms300")
    assert command_registers(p, SCALE, run(FWD, 16.0)) == {0x2000: 0x0012, 0x2001: 5000, 0x2002: 0}
    assert command_registers(p, SCALE, run(REV, 3.2))[0x2000] == 0x0022
    assert command_registers(p, SCALE, run(REV, 3.2))[0x2001] == 1000  # 10.00 Hz x 100
    assert command_registers(p, SCALE, stop()) == {0x2000: 0x0001, 0x2001: 0, 0x2002: 0}


def test_delta_fault_reset_is_bit_1_of_2002_sent_as_an_edge():
    p = load_profile("delta-ms300")
    high = command_registers(p, SCALE, stop(fault_reset=True), reset_level=True)
    low = command_registers(p, SCALE, stop(fault_reset=True), reset_level=False)
    assert high[0x2002] == 0x0002 and low[0x2002] == 0x0000
    assert high[0x2000] == 0x0001  # the stop word stays


def test_delta_one_write_multiple_carries_command_frequency_and_reset():
    p = load_profile("delta-ms300")
    requests = write_plan(p, command_registers(p, SCALE, run(FWD, 3.2)))
    assert requests == (WriteRequest(FC_WRITE_MULTIPLE, 0x2000, (0x0012, 1000, 0)),)


def test_delta_status_decodes_fault_low_byte_direction_bits_and_frequency():
    p = load_profile("delta-ms300")
    regs = {0x2100: 0x0100, 0x2101: 0x0003 | 0x0018, 0x2102: 0, 0x2103: 500}
    status = decode_status(p, SCALE, regs)
    assert status.fault_code == 0  # a high-byte warning is not a fault
    assert status.direction is REV and status.running
    assert status.belt_kmh == pytest.approx(1.6)
    regs.update({0x2100: 0x0107, 0x2101: 0x0003, 0x2103: 0})
    status = decode_status(p, SCALE, regs)
    assert status.fault_code == 0x07 and status.direction is Direction.NONE


def test_delta_reads_its_status_block_in_one_request():
    assert read_plan(load_profile("delta-ms300"), False) == (ReadBlock(0x2100, 4),)


def test_delta_watchdog_is_09_03_in_tenths_with_ramp_stop_in_09_02():
    p = load_profile("delta-ms300")
    assert watchdog_settings(p, 0.5, choose_reaction(p, None)) == ((0x0902, 1), (0x0903, 5))
    assert watchdog_settings(p, 0.5, "coast") == ((0x0902, 2), (0x0903, 5))
    assert watchdog_timeout_s(p, 0) == math.inf  # factory 0 = off


# ---- Siemens V20 -------------------------------------------------------------------------

def test_v20_control_word_at_40100_and_setpoint_16384_is_50_hz():
    p = load_profile("siemens-v20")
    regs = command_registers(p, SCALE, run(FWD, 16.0), status_word=0x0031)
    # STW1 bit 11 is direction reversal in PROFIdrive; REFERENCE.md lists 0C7F as forward.
    assert regs == {99: 0x047F, 100: 16384}
    assert command_registers(p, SCALE, run(REV, 16.0), status_word=0x0031)[99] == 0x0C7F
    assert command_registers(p, SCALE, stop())[99] == 0x047E
    assert command_registers(p, SCALE, stop(StopMode.COAST))[99] == 0x047D  # OFF2
    assert command_registers(p, SCALE, stop(StopMode.QUICK))[99] == 0x047B  # OFF3


def test_v20_needs_off1_before_on_after_power_up():
    p = load_profile("siemens-v20")
    inhibited = 0x0040 | 0x0030
    assert command_registers(p, SCALE, run(FWD, 3.0), status_word=inhibited)[99] == 0x047E


def test_v20_status_word_bit_3_is_a_fault_and_hiw_sign_is_the_direction():
    p = load_profile("siemens-v20")
    status = decode_status(p, SCALE, {109: 0x0037, 110: (-8192) & 0xFFFF})
    assert status.direction is REV and status.belt_kmh == pytest.approx(8.0)
    assert status.fault_code == 0 and status.running
    assert decode_status(p, SCALE, {109: 0x0008, 110: 0}).fault_code != 0


# ---- ABB drives profile ------------------------------------------------------------------

def test_abb_writes_0476_then_047f_to_run():
    p = load_profile("abb-drives")
    assert command_registers(p, SCALE, run(FWD, 8.0), status_word=0x0000)[0] == 0x0476
    regs = command_registers(p, SCALE, run(FWD, 8.0), status_word=0x0001)
    assert regs == {0: 0x047F, 1: 10000}  # 25 Hz = half of 20000 = 50 Hz


def test_abb_direction_is_the_sign_of_reference_1():
    p = load_profile("abb-drives")
    regs = command_registers(p, SCALE, run(REV, 8.0), status_word=0x0001)
    assert regs[0] == 0x047F and regs[1] == (-10000) & 0xFFFF


def test_abb_stop_words_and_reset_bit_7():
    p = load_profile("abb-drives")
    assert command_registers(p, SCALE, stop())[0] == 0x0476  # OFF1
    assert command_registers(p, SCALE, stop(StopMode.COAST))[0] & 0x0002 == 0  # OFF2
    assert command_registers(p, SCALE, stop(StopMode.QUICK))[0] & 0x0004 == 0  # OFF3
    assert command_registers(p, SCALE, stop(fault_reset=True), reset_level=True)[0] == 0x04F6


def test_abb_status_and_actual_at_400004_and_400005():
    p = load_profile("abb-drives")
    status = decode_status(p, SCALE, {3: 0x0007, 4: 20000})
    assert status.running and status.direction is FWD and status.belt_kmh == pytest.approx(16.0)
    assert decode_status(p, SCALE, {3: 0x0008, 4: 0}).fault_code != 0


def test_abb_watchdog_is_58_16_in_tenths_with_the_fault_action_58_14():
    p = load_profile("abb-drives")
    assert choose_reaction(p, None) == "coast"
    assert watchdog_settings(p, 0.5, "coast") == ((5813, 1), (5815, 5))
    with pytest.raises(DriveConfigError, match="not offered"):
        choose_reaction(p, "ramp")


# ---- CiA 402 -------------------------------------------------------------------------------

@pytest.mark.parametrize("status_word, word", [
    (0x0040, 0x06),  # switch on disabled -> shutdown
    (0x0021, 0x07),  # ready to switch on -> switch on
    (0x0023, 0x0F),  # switched on -> enable operation
    (0x0027, 0x0F),  # operation enabled: the run word
    (0x0007, 0x00),  # quick stop active -> disable voltage, start over
])
def test_cia402_enable_sequence_follows_the_status_word(status_word, word):
    p = load_profile("cia402")
    assert command_registers(p, SCALE, run(FWD, 3.0), status_word=status_word)[0x6040] == word


def test_cia402_stop_quick_stop_coast_and_reset_edge():
    p = load_profile("cia402")
    assert command_registers(p, SCALE, stop())[0x6040] == 0x07
    assert command_registers(p, SCALE, stop(StopMode.QUICK))[0x6040] == 0x02
    assert command_registers(p, SCALE, stop(StopMode.COAST))[0x6040] == 0x00
    assert command_registers(p, SCALE, stop(StopMode.COAST, fault_reset=True), reset_level=True)[0x6040] == 0x80


def test_cia402_status_masks_from_the_state_machine():
    p = load_profile("cia402")
    fault = decode_status(p, SCALE, {0x603F: 0, 0x6041: 0x0008 | 0x0200, 0x6044: 0})
    assert fault.fault_code != 0
    enabled = decode_status(p, SCALE, {0x603F: 0, 0x6041: 0x0027, 0x6044: (-300) & 0xFFFF})
    assert enabled.running and enabled.direction is REV
    assert enabled.belt_kmh == pytest.approx(300 / 30 * 0.32)
    disabled = decode_status(p, SCALE, {0x603F: 0, 0x6041: 0x0040, 0x6044: 0})
    assert not disabled.running


def test_cia402_command_and_velocity_are_two_writes():
    p = load_profile("cia402")
    requests = write_plan(p, command_registers(p, SCALE, run(REV, 3.2), status_word=0x0027))
    assert requests == (WriteRequest(FC_WRITE_SINGLE, 0x6040, (0x0F,)),
                        WriteRequest(FC_WRITE_SINGLE, 0x6042, ((-300) & 0xFFFF,)))


# ---- Yaskawa V1000 ---------------------------------------------------------------------------

def test_yaskawa_bits_of_0001_and_frequency_in_0002():
    p = load_profile("yaskawa-v1000")
    assert command_registers(p, SCALE, run(FWD, 3.2)) == {1: 0x0001, 2: 1000}
    assert command_registers(p, SCALE, run(REV, 3.2))[1] == 0x0002
    assert command_registers(p, SCALE, stop())[1] == 0x0000
    assert command_registers(p, SCALE, stop(fault_reset=True), reset_level=True)[1] == 0x0008


def test_yaskawa_never_gets_function_code_06():
    p = load_profile("yaskawa-v1000")
    for values in ({1: 1, 2: 1000}, {0x0435: 5}, {0x0910: 0}):
        assert all(request.function_code == FC_WRITE_MULTIPLE for request in write_plan(p, values))


def test_yaskawa_watchdog_enables_ce_detection_and_enters_the_parameters():
    p = load_profile("yaskawa-v1000")
    assert watchdog_settings(p, 0.5, "ramp") == ((0x0428, 0), (0x0435, 5), (0x0429, 1))
    assert p.watchdog.apply.address == 0x0910


def test_yaskawa_reads_status_fault_frequency_and_inputs_in_one_request():
    p = load_profile("yaskawa-v1000")
    assert read_plan(p, True) == (ReadBlock(0x0020, 12),)
    regs = {a: 0 for a in range(0x20, 0x2C)}
    regs.update({0x20: 0x0003, 0x24: 1000})
    status = decode_status(p, SCALE, regs)
    assert status.direction is REV and status.belt_kmh == pytest.approx(3.2)


# ---- engine properties ----------------------------------------------------------------------

def test_speed_is_capped_at_max_hz_and_never_negative():
    p = load_profile("delta-ms300")
    assert command_registers(p, SCALE, run(FWD, 100.0))[0x2001] == 7500
    assert command_registers(p, SCALE, run(FWD, -5.0))[0x2001] == 0
    assert command_registers(p, SCALE, run(FWD, float("nan")))[0x2001] == 0


def test_a_motor_wired_the_other_way_swaps_the_words_not_the_sign_of_anything():
    p = load_profile("delta-ms300")
    inverted = Scale(0.32, 75.0, inverted=True)
    assert command_registers(p, inverted, run(FWD, 3.2))[0x2000] == 0x0022
    status = decode_status(p, inverted, {0x2100: 0, 0x2101: 0x0003, 0x2103: 1000})
    assert status.direction is REV


@pytest.mark.parametrize("name", SHIPPED)
@given(run_flag=st.booleans(), direction=st.sampled_from([FWD, REV]),
       kmh=st.floats(min_value=0.2, max_value=20.0), mode=st.sampled_from(list(StopMode)))
def test_what_the_driver_encodes_the_served_drive_decodes(name, run_flag, direction, kmh, mode):
    p = load_profile(name)
    enabled = p.enable.enabled[0].value if p.enable else None
    command = DriveCommand(run_flag, direction if run_flag else Direction.NONE, kmh if run_flag else 0.0,
                           stop_mode=mode)
    served = decode_command(p, command_registers(p, SCALE, command, status_word=enabled))
    if run_flag:
        assert served.action in ("run_forward", "run_reverse")
        assert served.motor is direction
        assert served.hz * SCALE.kmh_per_hz == pytest.approx(kmh, abs=0.02)
    else:
        expected = {"ramp": "stop", "quick": "quick_stop", "coast": "coast"}[mode.value]
        action = p.command.actions()[expected]
        assert p.command.actions()[served.action] == action  # same words (shared words tie-break)


@pytest.mark.parametrize("name", SHIPPED)
@given(kmh=st.floats(min_value=0.0, max_value=20.0), direction=st.sampled_from([FWD, REV]),
       running=st.booleans(), fault=st.sampled_from([0, 0x07, 0x0E]), key=st.booleans(),
       fall=st.sampled_from([True, False]))
def test_what_the_served_drive_shows_the_driver_reads(name, kmh, direction, running, fault, key, fall):
    p = load_profile(name)
    site = DriveSite()
    status = DriveStatus(kmh, direction if kmh > 0 else Direction.NONE, running, fault, key, fall)
    registers = {a: 0 for b in read_plan(p, False) for a in range(b.address, b.address + b.count)}
    registers.update(encode_status(p, SCALE, status))
    _, io = encode_inputs(site, key, fall)
    got_key, got_fall = decode_inputs(site, None, [io.get(0, False), io.get(1, False)])
    read = decode_status(p, SCALE, registers, safety_key=got_key, fall_stop=got_fall)
    resolution_kmh = SCALE.kmh_per_hz / min(p.actual.raw_per_hz, 100) + 1e-9
    assert read.belt_kmh == pytest.approx(kmh, abs=resolution_kmh)
    if read.belt_kmh > 0:
        assert read.direction is direction
    assert bool(read.fault_code) == bool(fault)
    assert (read.safety_key, read.fall_stop) == (key, fall)
    if not fault:
        assert read.running == running or p.enable is not None


# ---- interlock inputs --------------------------------------------------------------------------

def test_inputs_from_the_drive_di_register_with_either_polarity():
    site = DriveSite(safety_key=InputWiring(source="drive", bit=2),
                     fall_stop=InputWiring(source="drive", bit=3, ok_when="open"))
    assert decode_inputs(site, 0b0100, None) == (True, True)
    assert decode_inputs(site, 0b1000, None) == (False, False)
    assert encode_inputs(site, True, True) == (0b0100, {})


def test_an_unreadable_input_reads_not_ok():
    site = DriveSite()
    assert decode_inputs(site, None, None) == (False, False)
    assert decode_inputs(site.model_copy(update={"fall_stop": InputWiring(source="none")}), None, [True]) == (True, None)


# ---- strict profile files ------------------------------------------------------------------------

def test_a_profile_with_an_unknown_key_is_refused_naming_the_file_and_field(tmp_path):
    bad = tmp_path / "bad.toml"
    source = (PROFILE_DIR / "delta-ms300.toml").read_text()
    bad.write_text(source.replace('name = "delta-ms300"', 'name = "bad"').replace(
        "[speed]\n", "[speed]\nscale = 3\n"))
    with pytest.raises(DriveConfigError, match=r"bad.toml: speed.scale: unknown key"):
        load_profile_file(bad)


def test_a_profile_named_unlike_its_file_is_refused(tmp_path):
    bad = tmp_path / "other.toml"
    bad.write_text((PROFILE_DIR / "delta-ms300.toml").read_text())
    with pytest.raises(DriveConfigError, match="does not match the file name"):
        load_profile_file(bad)


def test_a_profile_whose_direction_cannot_be_measured_is_refused(tmp_path):
    source = (PROFILE_DIR / "yaskawa-v1000.toml").read_text()
    bad = tmp_path / "nodir.toml"
    bad.write_text(source.replace('name = "yaskawa-v1000"', 'name = "nodir"').replace(
        "reverse = { mask = 0x0002, value = 0x0002 }\n", ""))
    with pytest.raises(DriveConfigError, match="measured direction"):
        load_profile_file(bad)


def test_a_watchdog_timeout_outside_the_drive_range_is_refused():
    with pytest.raises(DriveConfigError, match="outside"):
        watchdog_settings(load_profile("yaskawa-v1000"), 20.0, "ramp")


def test_watchdog_reaction_raw_values_round_trip():
    for name in SHIPPED:
        p = load_profile(name)
        for reaction in p.watchdog.offered():
            raw = dict(watchdog_settings(p, 0.5, reaction)).get(p.watchdog.reaction_register)
            assert watchdog_reaction(p, raw) == reaction
