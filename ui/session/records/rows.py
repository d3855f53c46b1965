"""Between a summary (DESIGN.md's dict) and the store's rows; times as ISO 8601 and ids."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

STEP_FIELDS = ("index", "name", "direction", "planned_s", "time_s", "distance_m", "avg_kmh",
               "hr_avg_bpm", "hr_max_bpm")


def iso(unix_s: float) -> str:
    """Local time with its UTC offset, to the second: 2026-01-01T10:00:00+01:00."""
    return datetime.fromtimestamp(unix_s).astimezone().isoformat(timespec="seconds")


def unix_of(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def id_for(unix_s: float) -> str:
    """A session's id: when it started, local time (20260101-100000); the store adds -2, -3 if taken."""
    return datetime.fromtimestamp(unix_s).strftime("%Y%m%d-%H%M%S")


def summary_from_row(row: sqlite3.Row, status: str) -> dict[str, Any]:
    """DESIGN.md's summary (without steps) from a sessions row."""
    hr_avg, hr_max = row["hr_avg_bpm"], row["hr_max_bpm"]
    return {
        "id": row["id"], "person": row["person"], "program": row["program"], "profile": row["profile"],
        "driver": row["driver"], "started": row["started"], "ended": row["ended"], "status": status,
        "end_reason": row["end_reason"], "duration_s": row["duration_s"],
        "forward": {"time_s": row["forward_time_s"], "distance_m": row["forward_distance_m"]},
        "backward": {"time_s": row["backward_time_s"], "distance_m": row["backward_distance_m"]},
        "stops": json.loads(row["stops"]),
        "heart_rate": None if hr_avg is None else {"avg_bpm": hr_avg, "max_bpm": hr_max},
        "energy": json.loads(row["energy"]) if row["energy"] else None,
        "rpe": row["rpe"], "pain": row["pain"], "note": row["note"],
    }


def step_from_row(row: sqlite3.Row) -> dict[str, Any]:
    return {name: row["step_index" if name == "index" else name] for name in STEP_FIELDS}


def write_figures(conn: sqlite3.Connection, session_id: str, figures: dict[str, Any], *, status: str,
                  end_reason: str | None, heartbeat_unix: float) -> None:
    """A session's figures (SummarySink.as_dict()) into its row and its steps; inside a transaction."""
    started_unix = conn.execute("SELECT started_unix FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]
    forward, backward, hr = figures["forward"], figures["backward"], figures.get("heart_rate")
    energy = figures.get("energy")
    conn.execute(
        "UPDATE sessions SET status = ?, end_reason = coalesce(?, end_reason), duration_s = ?, ended = ?, "
        "forward_time_s = ?, forward_distance_m = ?, backward_time_s = ?, backward_distance_m = ?, "
        "hr_avg_bpm = ?, hr_max_bpm = ?, energy = ?, stops = ?, heartbeat_unix = ? WHERE id = ?",
        (status, end_reason, figures["duration_s"], iso(started_unix + figures["duration_s"]),
         forward["time_s"], forward["distance_m"], backward["time_s"], backward["distance_m"],
         hr["avg_bpm"] if hr else None, hr["max_bpm"] if hr else None,
         json.dumps(energy) if energy else None, json.dumps(figures.get("stops", [])), heartbeat_unix, session_id))
    conn.execute("DELETE FROM steps WHERE session_id = ?", (session_id,))
    conn.executemany(
        "INSERT INTO steps (session_id, position, step_index, name, direction, planned_s, time_s, distance_m, "
        "avg_kmh, hr_avg_bpm, hr_max_bpm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(session_id, position, *(step.get(name) for name in STEP_FIELDS))
         for position, step in enumerate(figures.get("steps", []))])
