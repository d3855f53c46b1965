"""`retrotread import` of FIT workout files, written here with fit-tool after the FIT SDK's
description of a workout file (file_id type 5, one workout message, workout_step messages in
message_index order; a repeat step points back at its first step and counts the rounds)."""

from __future__ import annotations

from pathlib import Path

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.profile.profile_type import (FileType, Intensity, Manufacturer, Sport, WorkoutStepDuration as D,
                                           WorkoutStepTarget as T)

from import_support import check_subprocess, header_of, program_of


def fit_file(path: Path, steps: list[dict], *, name: str = "Track 4x400", file_type=FileType.WORKOUT,
             sport=Sport.RUNNING) -> Path:
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = file_type
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 1
    file_id.time_created = 1_700_000_000_000
    builder.add(file_id)
    workout = WorkoutMessage()
    workout.workout_name = name
    workout.sport = sport
    workout.num_valid_steps = len(steps)
    builder.add(workout)
    for index, fields in enumerate(steps):
        step = WorkoutStepMessage()
        step.message_index = index
        for key, value in fields.items():
            setattr(step, key, value)
        builder.add(step)
    path.write_bytes(builder.build().to_bytes())
    return path


def speed(low_mps: float, high_mps: float) -> dict:
    return {"target_type": T.SPEED, "target_value": 0, "custom_target_speed_low": low_mps,
            "custom_target_speed_high": high_mps}


TRACK = [
    {"workout_step_name": "Warm", "intensity": Intensity.WARMUP, "duration_type": D.TIME, "duration_time": 600.0,
     "notes": "Easy, relaxed", **speed(2.5, 3.0)},
    {"intensity": Intensity.ACTIVE, "duration_type": D.DISTANCE, "duration_distance": 400.0, **speed(4.0, 4.0)},
    {"intensity": Intensity.RECOVERY, "duration_type": D.TIME, "duration_time": 90.0, "target_type": T.HEART_RATE,
     "target_value": 0, "custom_target_heart_rate_low": 230, "custom_target_heart_rate_high": 250,
     "secondary_target_type": T.SPEED, "secondary_custom_target_speed_low": 1.8,
     "secondary_custom_target_speed_high": 2.5},
    {"duration_type": D.REPEAT_UNTIL_STEPS_CMPLT, "duration_step": 1, "target_repeat_steps": 4},
    {"intensity": Intensity.COOLDOWN, "duration_type": D.OPEN, "target_type": T.OPEN},
    {"duration_type": D.TIME, "duration_time": 300.0, "target_type": T.POWER, "target_value": 0,
     "custom_target_power_low": 1200, "custom_target_power_high": 1250},
    {"workout_step_name": "Jog home", "duration_type": D.TIME, "duration_time": 300.0, **speed(2.2, 2.2)},
]


def test_steps_repeats_and_targets_carry_over_and_check_accepts_it(tmp_path, cli):
    out = tmp_path / "track.toml"
    ran = cli("import", fit_file(tmp_path / "track.fit", TRACK), "-o", out)
    assert ran.code == 0, ran.err
    data = program_of(out)
    assert data["name"] == "Track 4x400"
    warm, repeat, jog = data["steps"]
    assert (warm["name"], warm["speed_kmh"], warm["duration_s"], warm["cue"]) == ("Warm", 9.9, 600, "Easy, relaxed")
    assert repeat["repeat"] == 4
    fast, recovery = repeat["steps"]
    assert (fast["name"], fast["speed_kmh"], fast["duration_s"]) == ("Active", 14.4, 100)  # 400 m at 4 m/s
    assert (recovery["target_hr_bpm"], recovery["min_speed_kmh"], recovery["max_speed_kmh"]) == (140, 6.5, 9.0)
    assert (jog["name"], jog["speed_kmh"]) == ("Jog home", 7.9)
    assert {step["direction"] for step in (warm, fast, recovery, jog)} == {"forward"}
    assert "FORWARD ONLY" in header_of(out) and "range runs at its middle" in header_of(out)
    check = check_subprocess(out)
    assert check.returncode == 0, check.stderr


def test_open_steps_and_power_targets_are_listed_not_dropped(tmp_path, cli):
    out = tmp_path / "track.toml"
    ran = cli("import", fit_file(tmp_path / "track.fit", TRACK), "-o", out)
    lost = [line for line in ran.err_lines if "not carried over" in line]
    assert any("workout_step 4" in line and "open" in line for line in lost)
    assert any("workout_step 5" in line and "power target" in line for line in lost)
    assert any("workout_step 1" in line and "400 m" in line for line in lost)
    assert "workout_step 5" in header_of(out)


def test_nested_repeats_become_nested_blocks(tmp_path, cli):
    steps = [
        {"duration_type": D.TIME, "duration_time": 60.0, **speed(3.0, 3.0)},
        {"duration_type": D.TIME, "duration_time": 30.0, **speed(2.0, 2.0)},
        {"duration_type": D.REPEAT_UNTIL_STEPS_CMPLT, "duration_step": 0, "target_repeat_steps": 3},
        {"duration_type": D.TIME, "duration_time": 120.0, **speed(1.5, 1.5)},
        {"duration_type": D.REPEAT_UNTIL_STEPS_CMPLT, "duration_step": 0, "target_repeat_steps": 2},
    ]
    out = tmp_path / "nested.toml"
    assert cli("import", fit_file(tmp_path / "nested.fit", steps), "-o", out).code == 0
    (outer,) = program_of(out)["steps"]
    assert outer["repeat"] == 2
    inner, rest = outer["steps"]
    assert inner["repeat"] == 3 and [s["duration_s"] for s in inner["steps"]] == [60, 30]
    assert rest["speed_kmh"] == 5.4


def test_a_heart_rate_zone_without_a_speed_range_is_left_out_and_said(tmp_path, cli):
    steps = [{"duration_type": D.TIME, "duration_time": 60.0, **speed(3.0, 3.0)},
             {"duration_type": D.TIME, "duration_time": 600.0, "target_type": T.HEART_RATE, "target_value": 2}]
    out = tmp_path / "hr.toml"
    ran = cli("import", fit_file(tmp_path / "hr.fit", steps), "-o", out)
    assert ran.code == 0
    assert len(program_of(out)["steps"]) == 1
    assert any("heart-rate zone 2" in line for line in ran.err_lines)


def test_garbled_truncated_and_non_workout_fit_files_are_refused(tmp_path, cli):
    good = fit_file(tmp_path / "good.fit", TRACK).read_bytes()
    cases = {
        "garbled.fit": good[:14] + bytes(range(256)) * 2,
        "cut.fit": good[: len(good) // 2],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    fit_file(tmp_path / "activity.fit", TRACK, file_type=FileType.ACTIVITY)
    fit_file(tmp_path / "bike.fit", [{"duration_type": D.TIME, "duration_time": 60.0, "target_type": T.POWER,
                                      "target_value": 0, "custom_target_power_low": 1200}], sport=Sport.CYCLING)
    expected = {"garbled.fit": "not a readable FIT file", "cut.fit": "not a readable FIT file",
                "activity.fit": "not a workout", "bike.fit": "nothing to import"}
    for name, words in expected.items():
        out = tmp_path / f"{name}.toml"
        ran = cli("import", tmp_path / name, "-o", out)
        assert ran.code == 2, name
        assert len(ran.err_lines) == 1 and words in ran.err and name in ran.err, ran.err
        assert not out.exists()
