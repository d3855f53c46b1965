"""Sessions in words: the table of `sessions list` and the page of `sessions show`."""

from __future__ import annotations

from typing import Any


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def when(iso_text: str | None) -> str:
    """2026-01-01T10:00:00+01:00 -> 2026-01-01 10:00 (the offset is in --json)."""
    return iso_text[:16].replace("T", " ") if iso_text else "?"


def _number(value: float | None, spec: str = "g") -> str:
    return "-" if value is None else format(value, spec)


LIST_COLUMNS = ("id", "started", "person", "program", "status", "time", "backward", "RPE", "pain")


def list_rows(summaries: list[dict[str, Any]]) -> list[str]:
    """`sessions list`: a header and one aligned line per session."""
    table = [LIST_COLUMNS]
    for s in summaries:
        back = s["backward"]
        table.append((s["id"], when(s["started"]), s["person"] or "-", s["program"] or "-", s["status"],
                      mmss(s["duration_s"]), f"{back['distance_m']:.0f} m in {mmss(back['time_s'])}",
                      _number(s["rpe"]), _number(s["pain"])))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(LIST_COLUMNS))]
    return ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]


def stop_line(stop: dict[str, Any]) -> str:
    t = stop.get("time_s")
    at = f"{t:.1f} s " if t is not None else ""
    return f"{at}{stop['reason']}" if stop["kind"] == "operator_stop" else f"{at}{stop['kind']}: {stop['reason']}"


def show_lines(s: dict[str, Any]) -> list[str]:
    """`sessions show`: the summary, then a table of its steps."""
    ending = s["status"] + (f" ({s['end_reason']})" if s["end_reason"] else "")
    lines = [f"session {s['id']}: {s['program'] or 'manual'} ({s['profile'] or '?'}, {s['driver'] or '?'})",
             f"person {s['person'] or '-'}; started {when(s['started'])}, ended {when(s['ended'])}; {ending}",
             f"time {mmss(s['duration_s'])}; forward {s['forward']['distance_m']:.0f} m in "
             f"{mmss(s['forward']['time_s'])}; backward {s['backward']['distance_m']:.0f} m in "
             f"{mmss(s['backward']['time_s'])}"]
    hr = s["heart_rate"]
    lines.append(f"heart rate avg {hr['avg_bpm']} bpm, max {hr['max_bpm']} bpm" if hr else "heart rate: none recorded")
    energy = s["energy"]
    if energy:
        lines.append(f"energy {energy['kcal']:.0f} kcal, {energy['met_avg']:.1f} MET on average (an estimate, for "
                     f"{energy['mass_kg']:g} kg{' assumed' if energy['estimated'] else ''})")
    lines += [f"stop: {stop_line(stop)}" for stop in s["stops"]] or ["stops: none"]
    lines.append(f"RPE {_number(s['rpe'])}, pain {_number(s['pain'])}" + (f"; note: {s['note']}" if s["note"] else ""))
    steps = s.get("steps") or []
    if steps:
        lines.append("")
        lines += step_rows(steps)
    return lines


def step_rows(steps: list[dict[str, Any]]) -> list[str]:
    table = [("#", "step", "direction", "planned", "time", "distance", "avg km/h", "HR avg/max")]
    for step in steps:
        hr = (f"{step['hr_avg_bpm']}/{step['hr_max_bpm']}" if step["hr_avg_bpm"] is not None else "-")
        table.append((str(step["index"] + 1), step["name"] or "-", step["direction"] or "-", mmss(step["planned_s"]),
                      mmss(step["time_s"]), f"{step['distance_m']:.0f} m", f"{step['avg_kmh']:.1f}", hr))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
