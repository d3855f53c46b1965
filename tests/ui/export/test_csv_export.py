"""CSV export (DESIGN.md, issue 10 point 6): read back with the csv module, row by row against the
real trace (export_support.py)."""

from __future__ import annotations

import csv

import pytest

from export_support import belt_distances_m, expected_rows, ticks_per_second
from ui.export.csv import write_csv
from ui.export.seconds import BadTrace

COLUMNS = ["elapsed_s", "state", "direction", "speed_kmh", "target_kmh", "incline_pct", "heart_rate_bpm",
           "distance_forward_m", "distance_backward_m", "step", "step_name"]  # DESIGN.md's order


def exported_rows(session, tmp_path) -> tuple[list[str], list[dict[str, str]]]:
    path = tmp_path / f"{session.name}.csv"
    write_csv(session.summary, iter(session.lines), path)
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames), list(reader)


def test_one_row_per_second_in_designs_columns(session, tmp_path):
    header, rows = exported_rows(session, tmp_path)
    assert header == COLUMNS
    assert [int(row["elapsed_s"]) for row in rows] == list(range(expected_rows(session.ticks)))


def test_each_row_is_the_trace_at_that_second(session, tmp_path):
    _, rows = exported_rows(session, tmp_path)
    names = {}
    step_names_at = []
    events = iter(line for line in session.lines)
    for line in events:  # the name of each step index, as of each tick
        if line.get("event") == "step":
            names[line["index"]] = line["name"]
        elif "event" not in line:
            step_names_at.append((line["t"], dict(names)))
    for row, tick in zip(rows, ticks_per_second(session.ticks, len(rows)), strict=True):
        assert row["state"] == tick["state"]
        assert float(row["speed_kmh"]) == pytest.approx(tick["belt_kmh"], abs=0.001)
        assert float(row["target_kmh"]) == pytest.approx(tick["target_kmh"], abs=0.001)
        assert float(row["incline_pct"]) == pytest.approx(tick["incline_pct"], abs=0.01)
        hr = tick["heart_rate_bpm"]
        assert row["heart_rate_bpm"] == ("" if hr is None else str(hr))
        assert row["step"] == ("" if tick["step"] is None else str(tick["step"]))
        if tick["step"] is not None:
            assert row["step_name"] == names[tick["step"]]
        moving = tick["belt_kmh"] > 0.05
        assert (row["direction"] == "none") == (not moving)
        if moving and tick["direction"] != "none":
            assert row["direction"] == tick["direction"]


def test_distances_per_direction_add_up_to_the_belts(session, tmp_path):
    _, rows = exported_rows(session, tmp_path)
    belt = belt_distances_m(session.lines)
    assert belt["reverse"] > 10 and belt["forward"] > 10
    assert float(rows[-1]["distance_forward_m"]) == pytest.approx(belt["forward"], rel=0.005)
    assert float(rows[-1]["distance_backward_m"]) == pytest.approx(belt["reverse"], rel=0.005)
    for column in ("distance_forward_m", "distance_backward_m"):
        values = [float(row[column]) for row in rows]
        assert values == sorted(values), f"{column} is a running total"
    for previous, row in zip(rows, rows[1:]):  # only the direction the belt ran in grows
        if row["direction"] == "reverse" and previous["direction"] == "reverse":
            assert row["distance_forward_m"] == previous["distance_forward_m"]
        if row["direction"] == "forward" and previous["direction"] == "forward":
            assert row["distance_backward_m"] == previous["distance_backward_m"]


def test_a_heart_rate_column_only_where_the_trace_had_one(sessions, tmp_path):
    _, without = exported_rows(sessions["stopped"], tmp_path)
    _, with_hr = exported_rows(sessions["hr_walk"], tmp_path)
    assert {row["heart_rate_bpm"] for row in without} == {""}
    assert {row["heart_rate_bpm"] for row in with_hr if int(row["elapsed_s"]) >= 60} == {"131"}  # hr:131@60


def test_a_bad_trace_leaves_no_file(sessions, tmp_path):
    session = sessions["hr_walk"]
    path = tmp_path / "out.csv"
    broken = session.lines[:2000] + [{"t": "soon", "state": "running"}] + session.lines[2000:]
    with pytest.raises(BadTrace, match="trace line 2001"):
        write_csv(session.summary, iter(broken), path)
    with pytest.raises(OSError):
        write_csv(session.summary, iter(session.lines), tmp_path / "missing" / "out.csv")
    assert list(tmp_path.iterdir()) == []
