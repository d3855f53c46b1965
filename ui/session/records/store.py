"""The session store: people, sessions and their executed steps in SQLite, traces beside it.

    store = Store.open(data_dir, create=False)   # StoreError: empty, corrupt, foreign
    store.list(person=None) -> [summary, ...]    # newest first, without steps
    store.get("last" | ID | unique prefix)       # summary with steps
    store.trace(ID) -> iterator of trace records
    store.note(ID, rpe=, pain=, text=); store.person(CODE); store.set_person(CODE, mass_kg=, max_hr_bpm=)
    store.prune(older_than_days, person=, dry_run=)

A summary is DESIGN.md's ("Session records"). Recording goes through `begin`, `checkpoint`
(each second) and `finish` (ui/session/records/recorder.py). A session still `running` whose
recorder is gone (its process dead on this host, or no heartbeat for STALE_S) is reported
`interrupted`, with what its last checkpoint held.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

from ui.session.records import rows
from ui.session.records.folder import (DB_NAME, TRACES_DIR, TRACE_SUFFIX, StoreError, check_person,
                                       data_dir as resolve_data_dir, make_private_dir)
from ui.session.records.schema import connect
from ui.session.records.tracefile import TraceRecords

STALE_S = 10.0  # a running session's recorder checkpoints each second; this long without one: gone
RPE_RANGE = (0.0, 10.0)  # Borg CR10
PAIN_RANGE = (0, 10)  # numeric rating scale


class Store:
    """The data folder's sessions database (see the module docstring). Not shared between threads
    at once; each process and each recording thread opens its own."""

    def __init__(self, folder: Path, conn: sqlite3.Connection) -> None:
        self.folder = folder
        self.db_path = folder / DB_NAME
        self.traces = folder / TRACES_DIR
        self.conn = conn
        conn.row_factory = sqlite3.Row
        self.host = socket.gethostname()

    @classmethod
    def open(cls, folder: str | os.PathLike | None = None, *, create: bool = False) -> Store:
        """Open the store in `folder` (data_dir() rules); `create` makes the folder and the database."""
        path = resolve_data_dir(folder)
        if create:
            make_private_dir(path)
        elif not (path / DB_NAME).exists():
            raise StoreError(f"{path}: no sessions recorded yet")
        conn = connect(path / DB_NAME, create=create)  # refuses a database not ours before anything else
        if create:
            make_private_dir(path / TRACES_DIR, parents=False)
        return cls(path, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading ----------------------------------------------------------------------------
    def list(self, person: str | None = None, *, steps: bool = False) -> list[dict[str, Any]]:
        """Summaries, newest first (of one person, when given: StoreError if unknown)."""
        if person is not None:
            self._known_person(person)
            found = self.conn.execute("SELECT * FROM sessions WHERE person = ? ORDER BY started_unix DESC, "
                                      "id DESC", (person,)).fetchall()
        else:
            found = self.conn.execute("SELECT * FROM sessions ORDER BY started_unix DESC, id DESC").fetchall()
        now_s = time.time()
        return [self._summary(row, now_s, steps=steps) for row in found]

    def get(self, id_or_last: str) -> dict[str, Any]:
        """One session's summary with its steps; "last" is the newest; a unique prefix will do."""
        return self._summary(self._row(id_or_last), time.time(), steps=True)

    def trace_path(self, id_or_last: str) -> Path:
        row = self._row(id_or_last)
        if not row["trace"]:
            raise StoreError(f"session {row['id']}: no trace was kept")
        return self.traces / row["trace"]

    def trace(self, id_or_last: str) -> TraceRecords:
        """The session's trace records (ticks and events, DESIGN.md's trace format), in order: an
        iterator, read as it goes (`.lines()`: the text lines instead)."""
        return TraceRecords(self.trace_path(id_or_last))

    def person(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM people WHERE code = ?", (code,)).fetchone()
        return dict(row) if row else None

    def people(self) -> list[dict[str, Any]]:
        """Every person, with how many sessions each has."""
        found = self.conn.execute("SELECT p.*, (SELECT count(*) FROM sessions s WHERE s.person = p.code) "
                                  "AS sessions FROM people p ORDER BY code").fetchall()
        return [dict(row) for row in found]

    def _known_person(self, code: str) -> None:
        check_person(code)
        if self.person(code) is None:
            raise StoreError(f"--person {code}: no such person in {self.folder}")

    def _row(self, id_or_last: str) -> sqlite3.Row:
        conn = self.conn
        if conn.execute("SELECT 1 FROM sessions LIMIT 1").fetchone() is None:
            raise StoreError(f"{self.folder}: no sessions recorded yet")
        if id_or_last == "last":
            return conn.execute("SELECT * FROM sessions ORDER BY started_unix DESC, id DESC LIMIT 1").fetchone()
        row = conn.execute("SELECT * FROM sessions WHERE id = ?", (id_or_last,)).fetchone()
        if row is not None:
            return row
        like = id_or_last.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = conn.execute("SELECT * FROM sessions WHERE id LIKE ? ESCAPE '\\' LIMIT 3", (like,)).fetchall()
        if len(found) == 1:
            return found[0]
        if found:
            raise StoreError(f"session {id_or_last!r}: matches several ({', '.join(r['id'] for r in found)}, ...): "
                             "give more of the id")
        raise StoreError(f"session {id_or_last!r}: no such session in {self.folder} "
                         "(`retrotread sessions list` shows them)")

    def _summary(self, row: sqlite3.Row, now_s: float, *, steps: bool) -> dict[str, Any]:
        status = row["status"]
        if status == "running" and not self._recorder_alive(row, now_s):
            status = "interrupted"
        summary = rows.summary_from_row(row, status)
        if steps:
            found = self.conn.execute("SELECT * FROM steps WHERE session_id = ? ORDER BY position",
                                      (row["id"],)).fetchall()
            summary["steps"] = [rows.step_from_row(step) for step in found]
        return summary

    def _recorder_alive(self, row: sqlite3.Row, now_s: float) -> bool:
        beat_s = row["heartbeat_unix"]
        if beat_s is None or now_s - beat_s > STALE_S:
            return False
        return row["host"] != self.host or _pid_alive(row["pid"])

    # ---- notes and people -------------------------------------------------------------------
    def note(self, id_or_last: str, *, rpe: float | None = None, pain: int | None = None,
             text: str | None = None) -> dict[str, Any]:
        """Add effort (RPE, Borg CR10 0-10), pain (0-10) and a note; returns the summary."""
        if rpe is None and pain is None and text is None:
            raise StoreError("nothing to note: give --rpe, --pain or --text")
        if rpe is not None and not RPE_RANGE[0] <= rpe <= RPE_RANGE[1]:
            raise StoreError(f"--rpe {rpe:g}: out of range: effort is 0-10 (Borg CR10)")
        if pain is not None and (pain != int(pain) or not PAIN_RANGE[0] <= pain <= PAIN_RANGE[1]):
            raise StoreError(f"--pain {pain:g}: out of range: pain is a whole number 0-10")
        row = self._row(id_or_last)
        fields = {name: value for name, value in (("rpe", rpe), ("pain", pain), ("note", text)) if value is not None}
        with self.transaction():
            self.conn.execute(f"UPDATE sessions SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                              (*fields.values(), row["id"]))
        return self.get(row["id"])

    def set_person(self, code: str, *, mass_kg: float | None = None, max_hr_bpm: float | None = None) -> dict:
        """Add a person (a pseudonymous code) or update the figures given; returns the person."""
        check_person(code)
        with self.transaction():
            self._ensure_person(code)
            for name, value in (("mass_kg", mass_kg), ("max_hr_bpm", max_hr_bpm)):
                if value is not None:
                    self.conn.execute(f"UPDATE people SET {name} = ? WHERE code = ?", (value, code))
        return self.person(code)

    def _ensure_person(self, code: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO people (code, created) VALUES (?, ?)",
                          (code, rows.iso(time.time())))

    # ---- recording (ui/session/records/recorder.py) ----------------------------------------
    def begin(self, info: dict[str, Any], *, started_unix: float, pid: int | None = None) -> str:
        """A new session, `running`, recorded by this process; returns its id."""
        person = info.get("person")
        if person is not None:
            check_person(person, "person")
        with self.transaction():
            if person is not None:
                self._ensure_person(person)
            session_id = self._free_id(info.get("id") or rows.id_for(started_unix))
            self.conn.execute(
                "INSERT INTO sessions (id, person, program, profile, driver, started, started_unix, ended, status, "
                "trace, pid, host, heartbeat_unix) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                (session_id, person, info.get("program"), info.get("profile"), info.get("driver"),
                 rows.iso(started_unix), started_unix, rows.iso(started_unix), session_id + TRACE_SUFFIX,
                 os.getpid() if pid is None else pid, self.host, time.time()))
        return session_id

    def checkpoint(self, session_id: str, figures: dict[str, Any], *, status: str = "running",
                   end_reason: str | None = None) -> None:
        """The figures so far (SummarySink.as_dict()) and a heartbeat; `status` ends it."""
        with self.transaction():
            rows.write_figures(self.conn, session_id, figures, status=status, end_reason=end_reason,
                               heartbeat_unix=time.time())

    def _free_id(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while self.conn.execute("SELECT 1 FROM sessions WHERE id = ?", (candidate,)).fetchone():
            n += 1
            candidate = f"{wanted}-{n}"
        return candidate

    def transaction(self) -> _Transaction:
        """`with store.transaction():` one short write transaction (BEGIN IMMEDIATE ... COMMIT)."""
        return _Transaction(self.conn)

    # ---- retention --------------------------------------------------------------------------
    def prune(self, older_than_days: float, *, person: str | None = None, dry_run: bool = False,
              now_unix: float | None = None) -> list[dict[str, Any]]:
        """Delete sessions (rows, steps, traces) started more than `older_than_days` ago; live ones
        stay. Returns the summaries of those deleted (or, with dry_run, that would be)."""
        if older_than_days < 0:
            raise StoreError(f"--older-than {older_than_days:g}: must be 0 or more days")
        if person is not None:
            self._known_person(person)
        if self.conn.execute("SELECT 1 FROM sessions LIMIT 1").fetchone() is None:
            raise StoreError(f"{self.folder}: no sessions recorded yet")
        cutoff_s = (time.time() if now_unix is None else now_unix) - older_than_days * 86400.0
        query = "SELECT * FROM sessions WHERE started_unix < ?" + (" AND person = ?" if person else "")
        found = self.conn.execute(query + " ORDER BY started_unix DESC, id DESC",
                                  (cutoff_s, person) if person else (cutoff_s,)).fetchall()
        now_s = time.time()
        old = [s for s in (self._summary(row, now_s, steps=False) for row in found) if s["status"] != "running"]
        if dry_run or not old:
            return old
        ids = [s["id"] for s in old]
        traces = [row["trace"] for row in self.conn.execute(
            f"SELECT trace FROM sessions WHERE id IN ({', '.join('?' * len(ids))})", ids) if row["trace"]]
        with self.transaction():
            marks = ", ".join("?" * len(ids))
            self.conn.execute(f"DELETE FROM steps WHERE session_id IN ({marks})", ids)
            self.conn.execute(f"DELETE FROM sessions WHERE id IN ({marks})", ids)
        for name in traces:  # after the rows: a crash here leaves a stray file, never a row without its trace
            (self.traces / name).unlink(missing_ok=True)
        return old


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, exc, tb) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
