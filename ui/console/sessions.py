"""Session records: one trace (JSON Lines, DESIGN.md's format) and one summary per session.

A session runs from the first countdown after the console was unlocked to the moment it
ends (program complete, the operator locks the console, quit). The trace is formatted on the
control thread by `ui.trace.TraceWriter`, but the file writes happen on a writer thread, so a
slow disk can never hold up a control tick.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable

STOP_EVENTS = ("estop", "fault", "refused", "reset_refused")
SUMMARY_SUFFIX = ".summary.json"
TRACE_SUFFIX = ".trace.jsonl"


class _QueuedStream:
    """A write-only text stream whose writes go to the writer thread."""

    def __init__(self, put: Callable[[Any], None]) -> None:
        self._put = put

    def write(self, text: str) -> int:
        self._put(text)
        return len(text)


class SessionRecorder:
    """Writes the sessions folder. `begin`/`event`/`tick`/`end` are called on the control thread."""

    def __init__(self, directory: str | Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        from ui.trace import TraceWriter  # light, but keeps this module importable alone

        self._trace_writer_class = TraceWriter
        self.directory = Path(directory)
        self.wall_clock = wall_clock
        self.error: str | None = None
        self.trace = None  # TraceWriter of the open session, or None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stem: str | None = None
        self._started_wall: float = 0.0

    @property
    def open(self) -> bool:
        return self.trace is not None

    def begin(self, t0_s: float) -> str:
        """Open a new session's trace; returns its name (the stem of its files)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._writer, name="retrotread-sessions", daemon=True)
            self._thread.start()
        self._started_wall = self.wall_clock()
        self._stem = self._new_stem(self._started_wall)
        self._queue.put(("open", self.directory / (self._stem + TRACE_SUFFIX)))
        self.trace = self._trace_writer_class(_QueuedStream(self._queue.put), t0_s)
        return self._stem

    def end(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Close the trace and write the summary (completed with names and wall times)."""
        summary = {"id": self._stem, "started": _iso(self._started_wall), "ended": _iso(self.wall_clock()),
                   **summary, "trace": self._stem + TRACE_SUFFIX}
        self._queue.put(("close",))
        self._queue.put(("json", self.directory / (self._stem + SUMMARY_SUFFIX), summary))
        self.trace = None
        return summary

    def close(self, timeout_s: float = 5.0) -> None:
        """Flush everything and stop the writer thread."""
        if self._thread is not None:
            self._queue.put(("stop",))
            self._thread.join(timeout_s)
            self._thread = None

    def _new_stem(self, wall_s: float) -> str:
        base = time.strftime("%Y%m%d-%H%M%S", time.localtime(wall_s))
        stem, n = base, 1
        while (self.directory / (stem + TRACE_SUFFIX)).exists():
            n += 1
            stem = f"{base}-{n}"
        return stem

    def _writer(self) -> None:
        out = None
        while True:
            item = self._queue.get()
            try:
                if isinstance(item, str):
                    if out is not None:
                        out.write(item)
                elif item[0] == "open":
                    item[1].parent.mkdir(parents=True, exist_ok=True)
                    out = open(item[1], "w", encoding="utf-8", buffering=1 << 16)
                elif item[0] == "close":
                    if out is not None:
                        out.close()
                        out = None
                elif item[0] == "json":
                    item[1].write_text(json.dumps(item[2], indent=2) + "\n", encoding="utf-8")
                elif item[0] == "stop":
                    if out is not None:
                        out.close()
                    return
            except OSError as exc:
                self.error = f"{self.directory}: cannot write the session record: {exc.strerror or exc}"
                out = None


class Session:
    """One session's bookkeeping on the control thread: distance and time per direction (from
    the measured belt), every stop with its reason, and the record (when there is a recorder)."""

    def __init__(self, t0_s: float, info: dict[str, Any], recorder: SessionRecorder | None) -> None:
        from ui.run import RunSummary  # distances and stops, as `retrotread run` counts them

        self.t0_s = t0_s
        self.elapsed_s = 0.0
        self.info = {**info, "program_complete": False}
        self.totals = RunSummary()
        self.recorder = recorder
        self.id = recorder.begin(t0_s) if recorder is not None else None

    def start_event(self) -> dict[str, Any]:
        event = {"t": self.t0_s, "event": "session_start", **self.info}
        del event["program_complete"]
        if self.id is not None:
            event["id"] = self.id
        return event

    def record(self, c, status, command, now_s: float, dt_s: float, events: list[dict[str, Any]]) -> None:
        """One tick: add it to the totals and the trace."""
        if c.status is not None:
            self.totals.add_tick(c.status.belt_kmh, c.status.direction, dt_s)
        self.elapsed_s = now_s - self.t0_s
        for event in events:
            kind = event["event"]
            if kind in STOP_EVENTS:
                self.totals.stops.append(f"{event['t'] - self.t0_s:.1f} s {kind}: {event['reason']}")
            elif kind == "operator_stop":
                self.totals.stops.append(f"{event['t'] - self.t0_s:.1f} s operator stop")
            elif kind == "program_complete":
                self.info["program_complete"] = True
        trace = self.recorder.trace if self.recorder is not None else None
        if trace is not None:
            for event in events:
                trace.event(event)
            trace.tick(c, status, command, now_s)

    @property
    def distance_m(self) -> dict[str, float]:
        return self.totals.distance_m

    def end(self, reason: str, now_s: float) -> dict[str, Any]:
        """Close the record; returns the `session_end` event, with the summary in it."""
        totals = self.totals
        summary = {
            **self.info, "end_reason": reason,
            "duration_s": round(now_s - self.t0_s, 1),
            "distance_forward_m": round(totals.distance_m["forward"], 1),
            "distance_backward_m": round(totals.distance_m["reverse"], 1),
            "time_forward_s": round(totals.time_s["forward"], 1),
            "time_backward_s": round(totals.time_s["reverse"], 1),
            "stops": list(totals.stops),
        }
        event = {"t": now_s, "event": "session_end", "reason": reason}
        if self.recorder is not None:
            if self.recorder.trace is not None:
                self.recorder.trace.event(event)
            summary = self.recorder.end(summary)
        return {**event, "summary": summary}


def recent_sessions(directory: str | Path, limit: int = 10) -> list[dict[str, Any]]:
    """The summaries of the last `limit` sessions in `directory`, newest first."""
    paths = sorted(Path(directory).glob("*" + SUMMARY_SUFFIX), reverse=True)[:limit]
    summaries = []
    for path in paths:
        try:
            summaries.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return summaries


def _iso(wall_s: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall_s))
