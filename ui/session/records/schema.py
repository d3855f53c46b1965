"""The sessions database: its schema, and opening it without ever harming a file not ours.

A file is ours when SQLite's header carries our application id (set when the database was
made, in rollback mode, so it is in the main file from the first commit). Anything else --
random bytes, another program's SQLite database, a newer schema -- is refused with one line
naming the file, and is neither written nor "repaired": the check reads the header bytes
itself before SQLite opens the file for writing. Only a file that did not exist or is empty
is initialised (two processes may race to do it: the loser finds the tables made).
WAL, `synchronous=NORMAL` and a busy timeout let two processes record at once with short
transactions; a crash mid-transaction is rolled back by SQLite on the next open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ui.session.records.folder import StoreError, create_private_file

APPLICATION_ID = 0x52545244  # "RTRD" in the SQLite header (offset 68)
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100
BUSY_TIMEOUT_S = 10.0

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (
    code TEXT PRIMARY KEY,
    mass_kg REAL,
    max_hr_bpm REAL,
    created TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    person TEXT REFERENCES people(code),
    program TEXT, profile TEXT, driver TEXT,
    started TEXT NOT NULL, started_unix REAL NOT NULL, ended TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'interrupted')),
    end_reason TEXT,
    duration_s REAL NOT NULL DEFAULT 0,
    forward_time_s REAL NOT NULL DEFAULT 0, forward_distance_m REAL NOT NULL DEFAULT 0,
    backward_time_s REAL NOT NULL DEFAULT 0, backward_distance_m REAL NOT NULL DEFAULT 0,
    hr_avg_bpm INTEGER, hr_max_bpm INTEGER,
    energy TEXT,          -- JSON: kcal, met_avg, mass_kg, estimated
    stops TEXT NOT NULL DEFAULT '[]',  -- JSON: [{time_s, kind, reason}]
    rpe REAL CHECK (rpe BETWEEN 0 AND 10),
    pain INTEGER CHECK (pain BETWEEN 0 AND 10),
    note TEXT,
    trace TEXT,           -- the trace's file name under traces/
    pid INTEGER, host TEXT, heartbeat_unix REAL,  -- who records it, and when it last did
    import_key TEXT UNIQUE  -- where an imported session came from (import is idempotent)
);
CREATE INDEX sessions_by_start ON sessions (started_unix);
CREATE INDEX sessions_by_person ON sessions (person, started_unix);
CREATE TABLE steps (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    position INTEGER NOT NULL,
    step_index INTEGER, name TEXT, direction TEXT,
    planned_s REAL, time_s REAL NOT NULL, distance_m REAL NOT NULL, avg_kmh REAL,
    hr_avg_bpm INTEGER, hr_max_bpm INTEGER,
    PRIMARY KEY (session_id, position)
);
"""


def check_header(path: Path) -> bool:
    """Read the file's header: True when it is empty (ours to initialise), False when it is our
    database; StoreError when it is anything else."""
    try:
        with open(path, "rb") as stream:
            header = stream.read(HEADER_BYTES)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from None
    if not header:
        return True
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: not a retrotread sessions database (not SQLite at all); left as it is")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise StoreError(f"{path}: an SQLite database of another program (application id {app_id:#x}), "
                         "not retrotread's sessions; left as it is")
    return False


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open the sessions database (making it when `create` and it is new); StoreError if refused."""
    if create:
        create_private_file(path)
    elif not path.exists():
        raise StoreError(f"{path.parent}: no sessions recorded yet (no {path.name})")
    check_header(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open: {exc}") from None
    try:
        _prepare(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: {exc}; left as it is") from None
    except StoreError:
        conn.close()
        raise
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")  # one process initialises; any other waits, then finds the tables
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            if conn.execute("PRAGMA application_id").fetchone()[0] not in (0, APPLICATION_ID):
                raise StoreError(f"{path}: an SQLite database of another program; left as it is")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        else:
            _check_schema(conn, path, tables)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once, by whoever made the file
    conn.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable against a crashed process


def _check_schema(conn: sqlite3.Connection, path: Path, tables: set[str]) -> None:
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID or "meta" not in tables:
        raise StoreError(f"{path}: an SQLite database of another program; left as it is")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row and row[0].isdigit() else None
    if version != SCHEMA_VERSION:
        raise StoreError(f"{path}: sessions database of schema version {version}, this retrotread reads "
                         f"version {SCHEMA_VERSION}; left as it is")
