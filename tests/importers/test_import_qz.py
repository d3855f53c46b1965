"""`retrotread import` of QZ (qdomyos-zwift) training programs, from files written here after
QZ's authoring guide (train-programs-examples/README.md) and its reader (trainprogram.cpp,
loadXML): rows, repeats, speed ramps and ranges, inclination, heart-rate rows, text events."""

from __future__ import annotations

from pathlib import Path

import pytest

from import_support import check_subprocess, header_of, program_of

PROGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<rows>
    <row duration="00:05:00" speed="5.0" inclination="1" forcespeed="1" zonehr="0">
        <textevent timeoffset="0" message="Warm up: walk tall"/>
        <textevent timeoffset="120" message="Swing the arms"/>
    </row>
    <row duration="00:02:00" speedfrom="5.0" speedto="8.0" forcespeed="1" zonehr="0"/>
    <repeat times="4">
        <row duration="00:01:30" speed="10" forcespeed="1" inclination="2"/>
        <row duration="00:01:00" speed="6" forcespeed="1" fanspeed="50"/>
    </repeat>
    <row duration="00:10:00" hrmin="130" hrmax="140" minspeed="6.0" maxspeed="9.0" looptimehr="15"/>
    <row duration="00:05:00" zonehr="2" looptimehr="10" minspeed="5.0" maxspeed="7.0"/>
    <row duration="00:03:00" power="150"/>
    <row duration="00:00:00" distance="0.5" speed="6" forcespeed="1" inclination="-2"/>
</rows>
"""


def qz(tmp_path: Path, text: str = PROGRAM, name: str = "intervals.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_repeats_ramps_inclines_and_heart_rate_rows_carry_over(tmp_path, cli):
    out = tmp_path / "intervals.toml"
    ran = cli("import", qz(tmp_path), "-o", out)
    assert ran.code == 0, ran.err
    data = program_of(out)
    first_1, first_2, ramp, repeat, hr, zone, last = data["steps"]
    assert (first_1["speed_kmh"], first_1["incline_pct"], first_1["duration_s"], first_1["cue"]) == \
        (5.0, 1.0, 120, "Warm up: walk tall")
    assert (first_2["duration_s"], first_2["cue"]) == (180, "Swing the arms")
    assert (ramp["speed_kmh"], ramp["to_speed_kmh"], ramp["duration_s"]) == (5.0, 8.0, 120)
    assert repeat["repeat"] == 4
    fast, easy = repeat["steps"]
    assert (fast["speed_kmh"], fast["incline_pct"], fast["duration_s"]) == (10.0, 2.0, 90)
    assert (easy["speed_kmh"], easy["duration_s"]) == (6.0, 60)
    assert (hr["target_hr_bpm"], hr["min_speed_kmh"], hr["max_speed_kmh"], hr["hr_adjust_s"]) == (135, 6.0, 9.0, 15)
    assert (zone["speed_kmh"], zone["duration_s"]) == (5.0, 300)  # a zone runs at its minspeed, and says so
    assert (last["speed_kmh"], last["duration_s"], last.get("incline_pct", 0)) == (6.0, 300, 0)  # 0.5 km at 6 km/h
    assert {step["direction"] for step in [first_1, first_2, ramp, fast, easy, hr, zone, last]} == {"forward"}
    header = header_of(out)
    assert "FORWARD ONLY" in header and "heart-rate source" in header
    check = check_subprocess(out)
    assert check.returncode == 0, check.stderr


def test_what_is_not_carried_over_is_listed(tmp_path, cli):
    out = tmp_path / "intervals.toml"
    ran = cli("import", qz(tmp_path), "-o", out)
    lost = [line for line in ran.err_lines if "not carried over" in line]
    header = header_of(out)
    for text in ("fanspeed=50", "zonehr=2", "power=150", "rows/row[5]: no speed", "inclination=-2",
                 "distance=0.5 km"):
        assert any(text in line for line in lost), text
        assert text in header, text
    assert all(line.startswith(f"retrotread: {tmp_path / 'intervals.xml'}: ") for line in lost)


def test_a_row_that_only_suggests_its_speed_is_driven_and_said(tmp_path, cli):
    out = tmp_path / "w.toml"
    assert cli("import", qz(tmp_path, '<rows><row duration="00:01:00" speed="6"/></rows>'), "-o", out).code == 0
    assert program_of(out)["steps"][0]["speed_kmh"] == 6.0
    assert "only suggested" in header_of(out)


def test_looptimehr_outside_the_controllers_range_is_kept_inside_it_and_said(tmp_path, cli):
    text = '<rows><row duration="00:05:00" hrmin="120" hrmax="130" minspeed="5" maxspeed="7" looptimehr="3"/></rows>'
    out = tmp_path / "w.toml"
    ran = cli("import", qz(tmp_path, text), "-o", out)
    assert program_of(out)["steps"][0]["hr_adjust_s"] == 7
    assert any("looptimehr=3" in line for line in ran.err_lines)


@pytest.mark.parametrize("text, words", [
    ('<rows><row duration="1:30" speed="6"/></rows>', "duration: '1:30' is not HH:MM:SS"),
    ('<rows><row duration="00:01:00" speed="fast"/></rows>', "speed: 'fast' is not a speed"),
    ('<rows><repeat times="0"><row duration="00:01:00" speed="6"/></repeat></rows>', "times='0'"),
    ('<rows><row duration="00:01:00" power="100"/></rows>', "nothing to import"),
    ('<rows><row duration="00:01:00" speed="6"></rows>', "not a readable QZ program"),
    ('<program><row duration="00:01:00" speed="6"/></program>', "not a ZWO, QZ or FIT workout"),
])
def test_bad_qz_files_are_one_line_and_exit_2(tmp_path, cli, text, words):
    out = tmp_path / "w.toml"
    ran = cli("import", qz(tmp_path, text), "-o", out)
    assert ran.code == 2
    assert len(ran.err_lines) == 1 and words in ran.err and "intervals.xml" in ran.err, ran.err
    assert not out.exists()
