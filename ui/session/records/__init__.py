"""Session records: the data folder, its SQLite store, the recorder sink, import and retention.

folder.py     where the data folder is, private files, person codes, `StoreError`
schema.py     the database's schema, and opening it without harming a file not ours
store.py      `Store`: the read API (list, get, trace, note, people, prune) and recording's writes
rows.py       between DESIGN.md's summary dict and the rows
tracefile.py  a trace as one gzip stream flushed each second; reading it back, cut off or not
recorder.py   `RecorderSink` (a sink) and `recording_sink` (behind a queue in real time)
importer.py   the console's old `sessions/` folders into the store (idempotent)
The user-facing side is docs/records.md; the commands are ui/sessions_cmd.py.
"""

from ui.session.records.folder import StoreError, data_dir
from ui.session.records.store import Store

__all__ = ["Store", "StoreError", "data_dir"]
