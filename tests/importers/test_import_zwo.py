"""`retrotread import` of Zwift run workouts (.zwo), from files written here after the format's
published descriptions (the Zwift workout file tag reference, h4l/zwift-workout-file-reference;
QZ's reader of run workouts): blocks, targets as fractions of the threshold pace, text events."""

from __future__ import annotations

from pathlib import Path

import pytest

from import_support import check_subprocess, header_of, program_of

TEMPO = """<workout_file>
    <author>Coach K</author>
    <name>Tempo 3x5</name>
    <description>Three tempo blocks.</description>
    <sportType>run</sportType>
    <tags><tag name="tempo"/></tags>
    <workout>
        <Warmup Duration="600" PowerLow="0.55" PowerHigh="0.8">
            <textevent timeoffset="0" message="Easy start, relax"/>
            <textevent timeoffset="300" message="Pick it up a little"/>
        </Warmup>
        <IntervalsT Repeat="3" OnDuration="300" OffDuration="120" OnPower="0.95" OffPower="0.6" Cadence="170">
            <textevent timeoffset="0" message="Tempo!"/>
            <textevent timeoffset="300" message="Jog"/>
        </IntervalsT>
        <FreeRide Duration="300" FlatRoad="1"/>
        <SteadyState Duration="240" Power="0.7" pace="2"/>
        <Cooldown Duration="300" PowerLow="0.7" PowerHigh="0.5"/>
    </workout>
</workout_file>
"""


def zwo(tmp_path: Path, text: str = TEMPO, name: str = "tempo.zwo") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def workout(blocks: str, *, head: str = "<sportType>run</sportType>") -> str:
    return f"<workout_file><name>W</name>{head}<workout>{blocks}</workout></workout_file>"


def test_a_run_workout_becomes_a_forward_program_that_check_accepts(tmp_path, cli):
    out = tmp_path / "tempo.toml"
    ran = cli("import", zwo(tmp_path), "-o", out, "--threshold-pace", "5:00/km")
    assert ran.code == 0, ran.err
    data = program_of(out)
    assert data["name"] == "Tempo 3x5" and data["profile"] == "fitness"
    assert "Author: Coach K" in data["description"]
    warm_1, warm_2, intervals, steady, cool = data["steps"]
    # 5:00/km is 12 km/h: the warm-up's 0.55 -> 0.8 is 6.6 -> 9.6 km/h, split where the second text shows
    assert (warm_1["speed_kmh"], warm_1["to_speed_kmh"], warm_1["duration_s"]) == (6.6, 8.1, 300)
    assert (warm_2["speed_kmh"], warm_2["to_speed_kmh"], warm_2["duration_s"]) == (8.1, 9.6, 300)
    assert (warm_1["cue"], warm_2["cue"]) == ("Easy start, relax", "Pick it up a little")
    assert intervals["repeat"] == 3
    on, off = intervals["steps"]
    assert (on["speed_kmh"], on["duration_s"], on["cue"]) == (11.4, 300, "Tempo!")
    assert (off["speed_kmh"], off["duration_s"], off["cue"]) == (7.2, 120, "Jog")
    assert (steady["speed_kmh"], steady["duration_s"]) == (8.4, 240)
    assert (cool["speed_kmh"], cool["to_speed_kmh"]) == (8.4, 6.0)
    every = [warm_1, warm_2, on, off, steady, cool]
    assert {step["direction"] for step in every} == {"forward"}
    assert "FORWARD ONLY" in header_of(out)
    check = check_subprocess(out)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"ok: {out}: 'Tempo 3x5', 10 steps") and "profile fitness" in check.stdout


def test_what_cannot_be_carried_over_is_listed_on_stderr_and_in_the_file(tmp_path, cli):
    out = tmp_path / "tempo.toml"
    ran = cli("import", zwo(tmp_path), "-o", out, "--threshold-pace", "5:00/km")
    header = header_of(out)
    for text in ("FreeRide, 300 s", "Cadence=170", "pace=2"):
        assert any(text in line and "not carried over" in line for line in ran.err_lines), (text, ran.err)
        assert text in header
    assert "3 thing(s) not carried over" in ran.out


def test_without_a_threshold_pace_the_import_is_refused_and_nothing_written(tmp_path, cli):
    out = tmp_path / "tempo.toml"
    ran = cli("import", zwo(tmp_path), "-o", out)
    assert ran.code == 2
    assert len(ran.err_lines) == 1 and "--threshold-pace" in ran.err and "tempo.zwo" in ran.err
    assert not out.exists()


def test_the_files_own_threshold_is_used_when_no_flag_is_given(tmp_path, cli):
    text = workout('<SteadyState Duration="60" Power="1.0"/>',
                   head="<sportType>run</sportType><thresholdSecPerKm>300</thresholdSecPerKm>")
    out = tmp_path / "w.toml"
    assert cli("import", zwo(tmp_path, text), "-o", out).code == 0
    assert program_of(out)["steps"][0]["speed_kmh"] == 12.0
    assert "thresholdSecPerKm" in header_of(out)


def test_a_threshold_pace_per_mile_converts(tmp_path, cli):
    out = tmp_path / "w.toml"
    ran = cli("import", zwo(tmp_path, workout('<SteadyState Duration="60" Power="1.0"/>')), "-o", out,
              "--threshold-pace", "8:03/mi")
    assert ran.code == 0, ran.err
    assert program_of(out)["steps"][0]["speed_kmh"] == 12.0  # 8:03/mi = 5:00/km


def test_distance_durations_become_times_at_the_blocks_speed(tmp_path, cli):
    text = workout('<SteadyState Duration="1000" Power="1.0"/><Ramp Duration="500" PowerLow="0.5" PowerHigh="1.0"/>',
                   head="<sportType>run</sportType><durationType>distance</durationType>")
    out = tmp_path / "w.toml"
    assert cli("import", zwo(tmp_path, text), "-o", out, "--threshold-pace", "5:00/km").code == 0
    steady, ramp = program_of(out)["steps"]
    assert steady["duration_s"] == 300  # 1 km at 12 km/h
    assert ramp["duration_s"] == 200  # 500 m at a mean of 9 km/h


def test_text_events_after_the_first_round_unroll_the_intervals(tmp_path, cli):
    text = workout('<IntervalsT Repeat="2" OnDuration="60" OffDuration="30" OnPower="1.0" OffPower="0.5">'
                   '<textevent timeoffset="0" message="Go"/><textevent timeoffset="100" message="Last one"/>'
                   '</IntervalsT>')
    out = tmp_path / "w.toml"
    assert cli("import", zwo(tmp_path, text), "-o", out, "--threshold-pace", "5:00/km").code == 0
    block = program_of(out)["steps"][0]
    assert block["repeat"] == 1
    names = [step["name"] for step in block["steps"]]
    assert names == ["On 1/2", "Off 1/2", "On 2/2 (1/2)", "On 2/2 (2/2)", "Off 2/2"]
    cues = [step.get("cue") for step in block["steps"]]
    assert cues[0] == "Go" and cues[3] == "Last one"
    assert sum(step["duration_s"] for step in block["steps"]) == 180


def test_a_long_message_is_cut_to_a_cue_and_said(tmp_path, cli):
    text = workout(f'<SteadyState Duration="60" Power="1.0"><textevent timeoffset="0" message="{"x" * 300}"/>'
                   '</SteadyState>')
    out = tmp_path / "w.toml"
    ran = cli("import", zwo(tmp_path, text), "-o", out, "--threshold-pace", "5:00/km")
    assert ran.code == 0
    assert len(program_of(out)["steps"][0]["cue"]) == 200
    assert any("cut to 200" in line for line in ran.err_lines)


def test_a_result_over_the_profiles_cap_is_refused_naming_the_block(tmp_path, cli):
    text = workout('<SteadyState Duration="60" Power="0.8"/><SteadyState Duration="60" Power="1.3"/>')
    out = tmp_path / "w.toml"
    ran = cli("import", zwo(tmp_path, text), "-o", out, "--threshold-pace", "3:20/km")  # 18 km/h
    assert ran.code == 2
    assert len(ran.err_lines) == 1
    assert "workout[1] SteadyState" in ran.err and "23.4 km/h" in ran.err and "fitness" in ran.err
    assert not out.exists()
    ok = cli("import", zwo(tmp_path, text.replace("1.3", "1.1")), "-o", out, "--threshold-pace", "3:20/km",
             "--profile", "athlete")
    assert ok.code == 0 and program_of(out)["profile"] == "athlete"


@pytest.mark.parametrize("text, words", [
    ("<workout_file><name>x</name><sportType>bike</sportType><workout/></workout_file>", "only run workouts"),
    ("<workout_file><name>x</name><workout><SteadyState Duration='60' Power='1'/></workout></workout_file>",
     "only run workouts"),
    ("<workout_file><sportType>run</sportType><workout><SteadyState Duration='60'", "not a readable ZWO"),
    (workout("<SteadyState Duration='x' Power='1'/>"), "Duration is missing or not a positive number"),
    (workout("<IntervalsT Repeat='2.5' OnDuration='1' OffDuration='1' OnPower='1' OffPower='1'/>"), "Repeat"),
    (workout("<FreeRide Duration='600'/>"), "nothing to import"),
])
def test_bad_zwo_files_are_one_line_and_exit_2(tmp_path, cli, text, words):
    out = tmp_path / "w.toml"
    ran = cli("import", zwo(tmp_path, text), "-o", out, "--threshold-pace", "5:00/km", "--format", "zwo")
    assert ran.code == 2
    assert len(ran.err_lines) == 1 and words in ran.err and "tempo.zwo" in ran.err
    assert not out.exists()
