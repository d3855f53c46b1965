"""FIT export (DESIGN.md, issue 10 point 5), read back by two independent decoders: Garmin's own
SDK (garmin_fit_sdk.Decoder, which checks the file's integrity and CRCs) and fitdecode. The
expectations come from the real trace (export_support.py), never from the exporter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import fitdecode
import pytest
from garmin_fit_sdk import Decoder, Stream

from export_support import belt_distances_m, executed_steps, expected_rows
from ui.export.fit import write_fit
from ui.export.seconds import BadTrace

DIRECTION_WORD = {"forward": "forward", "reverse": "backward"}
# the programs of export_support.SESSIONS: what sport a person would call each
EXPECTED_SPORT = {"hr_walk": "walking", "stopped": "walking", "backward_run": "running"}


@pytest.fixture
def exported(session, tmp_path) -> Path:
    path = tmp_path / f"{session.name}.fit"
    write_fit(session.summary, iter(session.lines), path)
    return path


def garmin_read(path: Path) -> dict:
    decoder = Decoder(Stream.from_file(str(path)))
    assert decoder.is_fit() and decoder.check_integrity(), "Garmin's decoder: not a whole FIT file"
    messages, errors = Decoder(Stream.from_file(str(path))).read()
    assert errors == [], f"Garmin's decoder reports {errors}"
    return messages


def fitdecode_read(path: Path) -> dict[str, list[dict]]:
    """Messages by name, each a dict of its fields (developer fields by their names)."""
    out: dict[str, list[dict]] = {}
    with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


def test_garmin_sdk_reads_an_activity_with_one_lap_per_executed_step(session, exported):
    messages = garmin_read(exported)
    steps = executed_steps(session.lines)
    assert [m["type"] for m in messages["file_id_mesgs"]] == ["activity"]
    (fit_session,) = messages["session_mesgs"]
    assert (fit_session["sport"], fit_session["sub_sport"]) == (EXPECTED_SPORT[session.name], "treadmill")
    assert len(messages["activity_mesgs"]) == 1
    assert len(messages["lap_mesgs"]) == len(steps) == fit_session["num_laps"]
    assert len(messages["record_mesgs"]) == expected_rows(session.ticks)
    times = [record["timestamp"] for record in messages["record_mesgs"]]
    assert times[0] == datetime.fromisoformat(session.summary["started"])
    assert all((b - a).total_seconds() == 1 for a, b in zip(times, times[1:])), "records at 1 Hz"


def test_garmin_sdk_total_distance_is_the_belts_in_both_directions(session, exported):
    messages = garmin_read(exported)
    belt_m = belt_distances_m(session.lines)["total"]
    assert belt_m > 50
    (fit_session,) = messages["session_mesgs"]
    assert fit_session["total_distance"] == pytest.approx(belt_m, rel=0.005)
    assert messages["record_mesgs"][-1]["distance"] == pytest.approx(belt_m, rel=0.005)
    assert sum(lap["total_distance"] for lap in messages["lap_mesgs"]) == pytest.approx(belt_m, rel=0.005)
    distances = [record["distance"] for record in messages["record_mesgs"]]
    assert distances == sorted(distances), "record distance never goes down, whichever way the belt runs"


def test_garmin_sdk_heart_rate_when_the_trace_had_one(session, exported):
    messages = garmin_read(exported)
    trace_hr = [tick["heart_rate_bpm"] for tick in session.ticks if tick["heart_rate_bpm"] is not None]
    record_hr = [record["heart_rate"] for record in messages["record_mesgs"] if "heart_rate" in record]
    (fit_session,) = messages["session_mesgs"]
    if not trace_hr:
        assert record_hr == [] and "max_heart_rate" not in fit_session
        return
    assert len(record_hr) >= len(messages["record_mesgs"]) - 3  # all but the seconds before a reading
    assert set(record_hr) <= set(trace_hr)
    assert fit_session["max_heart_rate"] == max(trace_hr)
    assert fit_session["avg_heart_rate"] == pytest.approx(sum(trace_hr) / len(trace_hr), abs=1)


def test_garmin_sdk_direction_in_the_developer_field_and_the_lap_names(session, exported):
    messages = garmin_read(exported)
    fields = {d["field_name"]: d["field_definition_number"] for d in messages["field_description_mesgs"]}
    assert {"direction", "step_name"} <= set(fields)
    steps = executed_steps(session.lines)
    names = {s["message_index"]: s["wkt_step_name"] for s in messages["workout_step_mesgs"]}
    for lap, step in zip(messages["lap_mesgs"], steps, strict=True):
        assert lap["developer_fields"][fields["direction"]] == step["direction"]
        name = names[lap["wkt_step_index"]]
        assert step["name"] in name and DIRECTION_WORD[step["direction"]] in name
        assert lap["developer_fields"][fields["step_name"]] == name
        assert lap["total_elapsed_time"] == pytest.approx(step["end_s"] - step["start_s"], abs=0.01)
    record_directions = {r["developer_fields"][fields["direction"]] for r in messages["record_mesgs"]}
    assert record_directions == {"forward", "reverse", "none"}


def test_fitdecode_reads_the_same_activity(session, exported):
    messages = fitdecode_read(exported)
    steps = executed_steps(session.lines)
    assert [m["type"] for m in messages["file_id"]] == ["activity"]
    (fit_session,) = messages["session"]
    assert (fit_session["sport"], fit_session["sub_sport"]) == (EXPECTED_SPORT[session.name], "treadmill")
    assert fit_session["total_distance"] == pytest.approx(belt_distances_m(session.lines)["total"], rel=0.005)
    assert len(messages["record"]) == expected_rows(session.ticks)
    assert [lap["direction"] for lap in messages["lap"]] == [step["direction"] for step in steps]
    for lap, step in zip(messages["lap"], steps, strict=True):
        assert lap["step_name"].startswith(step["name"]) and DIRECTION_WORD[step["direction"]] in lap["step_name"]
    had_hr = any(tick["heart_rate_bpm"] is not None for tick in session.ticks)
    assert any(record.get("heart_rate") is not None for record in messages["record"]) == had_hr


def test_a_lap_holds_only_its_own_direction(session, exported):
    """The belt slowing down before a reversal is the step before's: within a lap, the records
    show the lap's direction or a standing belt."""
    messages = fitdecode_read(exported)
    records = messages["record"]
    for lap in messages["lap"]:
        inside = [r["direction"] for r in records if lap["start_time"] <= r["timestamp"] < lap["timestamp"]]
        assert inside and set(inside) <= {lap["direction"], "none"}, (lap["step_name"], set(inside))


def test_records_follow_the_belt_second_by_second(session, exported):
    """Each record's speed and direction are the trace's at that second (the belt's direction)."""
    from export_support import ticks_per_second

    records = fitdecode_read(exported)["record"]
    for record, tick in zip(records, ticks_per_second(session.ticks, len(records))):
        assert record["speed"] == pytest.approx(tick["belt_kmh"] / 3.6, abs=0.001)
        assert record["grade"] == pytest.approx(tick["incline_pct"], abs=0.01)
        if tick["direction"] != "none" and tick["belt_kmh"] > 0.05:
            assert record["direction"] == tick["direction"]
        if tick["belt_kmh"] <= 0.05:
            assert record["direction"] == "none"


def test_an_unwritable_path_is_an_oserror_and_leaves_nothing(sessions, tmp_path):
    session = sessions["hr_walk"]
    with pytest.raises(OSError):
        write_fit(session.summary, iter(session.lines), tmp_path / "no-such-folder" / "x.fit")
    with pytest.raises(OSError):
        write_fit(session.summary, iter(session.lines), tmp_path)  # a folder
    assert list(tmp_path.iterdir()) == []


def test_a_trace_without_ticks_is_refused_and_the_old_file_kept(sessions, tmp_path):
    session = sessions["hr_walk"]
    path = tmp_path / "kept.fit"
    path.write_bytes(b"earlier export")
    events_only = [line for line in session.lines if "event" in line]
    with pytest.raises(BadTrace, match="no ticks"):
        write_fit(session.summary, iter(events_only), path)
    with pytest.raises(BadTrace, match="trace line 5"):
        write_fit(session.summary, iter(session.lines[:4] + [{"t": 1.0, "state": "running"}]), path)
    assert path.read_bytes() == b"earlier export"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.fit"]


def test_a_session_that_never_moved_still_makes_a_whole_activity(sessions, tmp_path):
    """A start refused (the key out): idle ticks only, no step ran. One lap, no distance."""
    session = sessions["hr_walk"]
    ticks = [{**tick, "state": "idle", "direction": "none", "belt_kmh": 0.0, "step": None}
             for tick in session.ticks[:500]]
    path = tmp_path / "idle.fit"
    write_fit(session.summary, iter(ticks), path)
    messages = garmin_read(path)
    (fit_session,) = messages["session_mesgs"]
    assert (fit_session["num_laps"], fit_session["total_distance"], fit_session["sport"]) == (1, 0.0, "walking")
    assert len(messages["record_mesgs"]) == expected_rows(ticks)
