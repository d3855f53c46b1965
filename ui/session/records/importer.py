"""Import the console's old `sessions/` folders (`<name>.summary.json` + `<name>.trace.jsonl`).

Every summary is read and checked before anything is written (a bad file: one line naming
it, nothing imported). Each session is imported once: its key is the old name and start
time, so importing a folder twice adds nothing. Its totals are the old summary's (counted
live); per-step figures, heart rate, energy and stops are replayed from its trace through
the same SummarySink a live session uses (refusals, which the old summaries listed among
the stops, are not stops). The old traces did not name the program's first step: it is
imported with no name and no planned time. The trace is stored compressed like any other.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from drivers.base import Direction, DriveStatus
from ui.session.records import rows
from ui.session.records.folder import TRACE_SUFFIX, StoreError
from ui.session.records.store import Store
from ui.session.records.tracefile import TraceWriter
from ui.session.summary import StepTotals, SummarySink

OLD_SUMMARY = ".summary.json"
OLD_TRACE = ".trace.jsonl"
OLD_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # local time, as ui/console/sessions.py wrote it
DIRECTIONS = {d.value: d for d in Direction}


@dataclass
class OldSession:
    """One old session, read and checked."""

    stem: str
    summary: dict[str, Any]
    started_unix: float
    trace: Path | None

    @property
    def key(self) -> str:
        return f"console-folder:{self.stem}:{self.summary['started']}"


def read_folder(folder: Path) -> list[OldSession]:
    """Every old session in `folder`, checked; StoreError naming the first bad file."""
    if not folder.is_dir():
        raise StoreError(f"{folder}: not a folder")
    found = []
    for path in sorted(folder.glob("*" + OLD_SUMMARY)):
        stem = path.name[: -len(OLD_SUMMARY)]
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
            started_unix = time.mktime(time.strptime(summary["started"], OLD_TIME_FORMAT))
            float(summary.get("duration_s", 0.0))
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"{path}: not a console session summary ({type(exc).__name__}: {exc})") from None
        trace = folder / (stem + OLD_TRACE)
        found.append(OldSession(stem, summary, started_unix, trace if trace.is_file() else None))
    if not found:
        raise StoreError(f"{folder}: no console sessions (*{OLD_SUMMARY}) to import")
    return sorted(found, key=lambda old: (old.started_unix, len(old.stem), old.stem))  # X before X-2


def import_folder(store: Store, folder: str | os.PathLike) -> tuple[list[str], int]:
    """Import `folder` into `store`: (ids added, how many were there already)."""
    return import_sessions(store, read_folder(Path(folder)))


def import_sessions(store: Store, sessions: list[OldSession]) -> tuple[list[str], int]:
    """Import sessions read by read_folder: (ids added, how many were there already)."""
    added, skipped = [], 0
    for old in sessions:
        if store.conn.execute("SELECT 1 FROM sessions WHERE import_key = ?", (old.key,)).fetchone():
            skipped += 1
            continue
        lines = _read_lines(old.trace) if old.trace else []
        figures = _figures(old.summary, lines)
        added.append(_insert(store, old, figures, lines))
    return added, skipped


def _read_lines(path: Path) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:  # a session the old console lost mid-line: keep what came before
                if number == 1:
                    raise StoreError(f"{path}: not a trace (line 1 is not JSON)") from None
                break
    return records


def _insert(store: Store, old: OldSession, figures: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    summary = old.summary
    status = "completed" if summary.get("program_complete") else "stopped"
    with store.transaction() as conn:
        session_id = store._free_id(old.stem)
        trace_name = session_id + TRACE_SUFFIX if lines else None
        if trace_name:
            _write_trace(store.traces / trace_name, lines)
        conn.execute(
            "INSERT INTO sessions (id, person, program, profile, driver, started, started_unix, status, "
            "end_reason, trace, import_key) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, summary.get("program"), summary.get("profile"), summary.get("driver"),
             rows.iso(old.started_unix), old.started_unix, status, summary.get("end_reason"), trace_name, old.key))
        rows.write_figures(conn, session_id, figures, status=status, end_reason=summary.get("end_reason"),
                           heartbeat_unix=None)
    return session_id


def _write_trace(path: Path, lines: list[dict[str, Any]]) -> None:
    """The trace, compressed, under its final name (one left by an import that died is replaced)."""
    temporary = path.with_name("." + path.name + ".importing")
    temporary.unlink(missing_ok=True)
    writer = TraceWriter(temporary)
    try:
        for record in lines:
            writer.write(json.dumps(record, separators=(",", ":")) + "\n")
        writer.close()
    except BaseException:
        writer.close()
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def _figures(summary: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The old summary's totals; steps, heart rate, energy and stops replayed from the trace."""
    sink = SummarySink(0.0)
    first = next((r for r in lines if "event" not in r and r.get("step") == 0 and r.get("direction") != "none"),
                 None)
    if first is not None:
        sink._open_step(StepTotals(0, None, first["direction"], None, False))
    sink._seeded = True
    for item in _replay(lines):
        if isinstance(item, dict):
            sink.on_event(item)
        else:
            sink.on_tick(item)
    figures = sink.as_dict()
    figures["duration_s"] = float(summary.get("duration_s", figures["duration_s"]))
    for way in ("forward", "backward"):
        figures[way] = {"time_s": float(summary.get(f"time_{way}_s", figures[way]["time_s"])),
                        "distance_m": float(summary.get(f"distance_{way}_m", figures[way]["distance_m"]))}
    if not lines:
        figures["stops"] = [_old_stop(text) for text in summary.get("stops", []) if _is_stop(text)]
    return figures


class _Tick:
    """A trace line as the summary sink's view of a tick."""

    __slots__ = ("now_s", "status", "heart_rate_bpm", "step")

    def __init__(self, record: dict[str, Any], direction: Direction) -> None:
        self.now_s = record["t"]
        hr = record.get("heart_rate_bpm")
        self.status = DriveStatus(record.get("belt_kmh", 0.0), direction, True,
                                  incline_pct=record.get("incline_pct", 0.0), heart_rate_bpm=hr)
        self.heart_rate_bpm = hr
        self.step = None


def _replay(lines: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any] | _Tick]:
    """Events as they are, ticks as views. A trace has the commanded direction, `none` while
    the belt is not driven (ramping down after an e-stop, a reversal's dwell): the belt still
    turns the way it was last driven, so that is the direction its distance counts in."""
    driven = Direction.NONE
    for record in lines:
        if "event" in record:
            yield record
        elif "t" in record:
            commanded = DIRECTIONS.get(record.get("direction"), Direction.NONE)
            if commanded is not Direction.NONE:
                driven = commanded
            yield _Tick(record, driven)


def _is_stop(text: str) -> bool:
    return " refused:" not in text and " reset_refused:" not in text


def _old_stop(text: str) -> dict[str, Any]:
    """"12.3 s estop: reason" or "12.3 s operator stop" (the old summary's words) as a stop."""
    head, _, reason = text.partition(": ")
    time_text, _, kind = head.partition(" s ")
    try:
        time_s = float(time_text)
    except ValueError:
        time_s = None
    if kind == "operator stop":
        return {"time_s": time_s, "kind": "operator_stop", "reason": "operator stop"}
    return {"time_s": time_s, "kind": kind or "stop", "reason": reason or text}
