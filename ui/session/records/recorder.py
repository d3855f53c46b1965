"""The recorder: a sink that writes each session into the store, its trace beside it.

A session runs from a `session_start` event (`program`, `profile`, `driver`, and optionally
`person`, `mass_kg`, `id`, `started_unix`) to a `session_end` event (`reason`, and optionally
`summary` -- the front end's own SummarySink.as_dict(), which is preferred to the recorder's
when given, since the recorder's may have missed ticks its queue dropped -- and `status`).
Ticks and events outside a session are ignored. A session still open when the sink closes
(its front end crashed before it could end it) is saved `interrupted`.

Every second (wall time) it flushes the trace (compressed, readable after a kill) and then
checkpoints the figures so far and a heartbeat into the session's row, so a killed process
leaves a session that the store lists `interrupted`, whole up to about a second before.

In real time it runs behind `Queued` (its own thread: a slow disk never delays a tick);
on simulated time (`run --fast --record`) it runs in line, since no tick is ever late there
and a queue would only drop what the simulation makes faster than a disk takes it.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any, Callable

from ui.session.records.folder import StoreError
from ui.session.records.store import Store
from ui.session.records.tracefile import TraceWriter
from ui.session.sinks import Queued
from ui.session.summary import SummarySink
from ui.session.trace import TraceSink

CHECKPOINT_S = 1.0  # how much a SIGKILL can lose
QUEUE_ITEMS = 1 << 16  # about 20 minutes of ticks at 50 Hz before a stalled disk loses any
FIGURE_KEYS = ("duration_s", "forward", "backward", "stops", "heart_rate", "energy", "steps", "program_complete")
ENDINGS = ("completed", "stopped", "interrupted")
#: The recorder's thread runs Python (formatting, summing) and keeps the GIL until the switch
#: interval asks it to let go: Python's default 5 ms would make a due tick wait that long
#: (bench/records.py: p99 lateness +1.3 to +2.2 ms). The console's control thread asks the same.
GIL_SWITCH_INTERVAL_S = 0.0005


class RecorderSink:
    """Writes sessions into `store` (which it closes at the end); see the module docstring."""

    def __init__(self, store: Store, *, checkpoint_s: float = CHECKPOINT_S,
                 report: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.report = report  # told once, at close, when recording failed
        self.error: str | None = None
        self.checkpoint_s = checkpoint_s
        self.clock = clock
        self.wall = wall
        self.ids: list[str] = []  # the sessions recorded, in order
        self.session_id: str | None = None
        self._writer: TraceWriter | None = None
        self._trace: TraceSink | None = None
        self._summary: SummarySink | None = None
        self._due_s = 0.0

    # ---- the sink ---------------------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "session_start":
            if self.session_id is not None:  # the last one never ended: end it here
                self._guarded(self._end, {"t": event["t"], "event": "session_end",
                                          "reason": "a new session began"})
            self._guarded(self._begin, event)
        elif self.session_id is None:
            return
        elif kind == "session_end":
            self._guarded(self._end, event)
        else:
            self._trace.on_event(event)
            self._summary.on_event(event)

    def on_tick(self, tick) -> None:
        if self.session_id is None:
            return
        self._trace.on_tick(tick)
        self._summary.on_tick(tick)
        if self.clock() >= self._due_s:
            self._guarded(self._checkpoint)

    def close(self) -> None:
        """End a session still open (its front end never ended it: it crashed), close the store."""
        try:
            if self.session_id is not None:
                self._guarded(self._end, {"t": self._summary._last_tick_s, "event": "session_end",
                                          "status": "interrupted",
                                          "reason": "the session never ended (its front end stopped first)"})
        finally:
            self.store.close()
        if self.error is not None and self.report is not None:
            self.report(self.error)

    # ---- a session --------------------------------------------------------------------------
    def _begin(self, event: dict[str, Any]) -> None:
        if self.error is not None:
            return
        store = self.store
        mass_kg = event.get("mass_kg")
        if mass_kg is None and event.get("person"):
            person = store.person(event["person"])
            mass_kg = person["mass_kg"] if person else None
        started_unix = event.get("started_unix") or self.wall()
        self._summary = SummarySink(event["t"], mass_kg=mass_kg)
        self.session_id = session_id = store.begin(event, started_unix=started_unix)
        self.ids.append(session_id)
        self._writer = TraceWriter(store.traces / f"{session_id}.jsonl.gz")
        self._trace = TraceSink(self._writer, event["t"])
        self._trace.on_event({**event, "id": session_id})
        self._due_s = self.clock() + self.checkpoint_s

    def _checkpoint(self) -> None:
        self._writer.flush()  # the trace first: the row never claims more than the trace holds
        self.store.checkpoint(self.session_id, self._summary.as_dict())
        self._due_s = self.clock() + self.checkpoint_s

    def _end(self, event: dict[str, Any]) -> None:
        figures = self._summary.as_dict()
        given = event.get("summary") or {}
        figures.update({key: given[key] for key in FIGURE_KEYS if key in given})
        status = event.get("status")
        if status not in ENDINGS:
            status = "completed" if figures["program_complete"] else "stopped"
        self._trace.on_event({key: value for key, value in event.items() if key != "summary"})
        session_id, writer = self.session_id, self._writer
        self.session_id = self._writer = self._trace = None
        writer.close()
        self.store.checkpoint(session_id, figures, status=status, end_reason=event.get("reason"))

    def _guarded(self, action, *args) -> None:
        """A failing disk or database ends the recording (the session is saved `interrupted` if
        the database still takes it); it is reported once, at close; the session goes on."""
        try:
            action(*args)
        except (OSError, sqlite3.Error, StoreError) as exc:
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.error = self.error or f"{self.store.folder}: recording stopped: {text}"
            self._abandon()

    def _abandon(self) -> None:
        session_id, writer = self.session_id, self._writer
        self.session_id = self._writer = self._trace = None
        if writer is not None:
            try:
                writer.close()
            except OSError:
                pass
        if session_id is not None:
            try:
                self.store.checkpoint(session_id, self._summary.as_dict(), status="interrupted",
                                      end_reason=self.error)
            except (sqlite3.Error, StoreError):
                pass  # the store lists it interrupted anyway once this process is gone


def recording_sink(store: Store, *, realtime: bool, report: Callable[[str], None] | None = None):
    """The recorder as a session's sink: behind a queue in real time, in line on simulated time.
    `.recorder` is the RecorderSink either way (its `ids` once closed)."""
    recorder = RecorderSink(store, report=report)
    if not realtime:
        sink = recorder
    else:
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        sink = Queued(recorder, name="session record", items=QUEUE_ITEMS, report=report)
    sink.recorder = recorder
    return sink
