"""The console's sessions: their totals on the control thread, and their record.

A session runs from the first countdown after the console was unlocked to the moment it
ends (program complete, the operator locks the console, quit). `Session` keeps its totals on
the control thread (ui/session/summary.py, as `retrotread run` counts them) and hands its
events and ticks to a recorder:
- `StoreRecorder` (the default): the data folder's store (ui/session/records/, docs/records.md),
  through the recorder sink -- behind a bounded queue on its own thread in real time, so a
  slow disk can never hold up a control tick;
- `SessionRecorder` (`console --sessions DIR`, the old format): a folder of one trace and one
  summary per session, kept until the console's tests move to the store; such a folder can be
  imported (`retrotread sessions import DIR`).
The summary a session ends with (for the lock screen) has DESIGN.md's figures (without the
steps), as the store has them; the old folder format keeps its old names (`old_names`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from ui.session.records import Store, StoreError
from ui.session.records.folder import DB_NAME
from ui.session.records.recorder import recording_sink
from ui.session.records.rows import id_for
from ui.session.sinks import Queued
from ui.session.summary import SummarySink
from ui.session.trace import TraceSink

SUMMARY_SUFFIX = ".summary.json"
TRACE_SUFFIX = ".trace.jsonl"
RECORD_QUEUE_ITEMS = 1 << 16  # about 20 minutes of ticks at 50 Hz before a stalled disk loses any


class SessionRecord:
    """The sink that writes the sessions folder (on the record's own thread): a trace from each
    `session_start` to its `session_end`, whose summary goes beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.error: str | None = None
        self._trace: TraceSink | None = None

    def on_event(self, event: dict[str, Any]) -> None:
        try:
            kind = event["event"]
            if kind == "session_start":
                self._close_trace()
                self.directory.mkdir(parents=True, exist_ok=True)
                stream = open(self.directory / (event["id"] + TRACE_SUFFIX), "w", encoding="utf-8",
                              buffering=1 << 16)
                self._trace = TraceSink(stream, event["t"], owns_stream=True)
            if self._trace is None:
                return
            if kind == "session_end":
                summary = event["summary"]
                self._trace.on_event({key: value for key, value in event.items() if key != "summary"})
                self._close_trace()
                (self.directory / (summary["id"] + SUMMARY_SUFFIX)).write_text(
                    json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            else:
                self._trace.on_event(event)
        except OSError as exc:
            self._failed(exc)

    def on_tick(self, view) -> None:
        if self._trace is not None:
            try:
                self._trace.on_tick(view)
            except OSError as exc:
                self._failed(exc)

    def close(self) -> None:
        self._close_trace()

    def _close_trace(self) -> None:
        trace, self._trace = self._trace, None
        if trace is not None:
            trace.close()

    def _failed(self, exc: OSError) -> None:
        self.error = f"{self.directory}: cannot write the session record: {exc.strerror or exc}"
        self._trace = None


class SessionRecorder:
    """The console's session recorder, on the control thread: names each session and hands its
    events and ticks to the record's thread. `error` says what went wrong, for the screen."""

    def __init__(self, directory: str | Path, *, wall_clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.wall_clock = wall_clock
        self._record = SessionRecord(self.directory)
        self._queued: Queued | None = None  # started with the first session
        self._loss: str | None = None
        self._stem: str | None = None
        self._used: set[str] = set()  # names given, whose files the record's thread may not have made yet
        self._started_wall: float = 0.0

    @property
    def open(self) -> bool:
        return self._stem is not None

    @property
    def error(self) -> str | None:
        return self._record.error or self._loss

    def begin(self, t0_s: float) -> str:
        """Name a new session; returns its name (the stem of its files)."""
        if self._queued is None:
            self._queued = Queued(self._record, name="session record", items=RECORD_QUEUE_ITEMS,
                                  report=self._report)
        self._started_wall = self.wall_clock()
        self._stem = self._new_stem(self._started_wall)
        self._used.add(self._stem)
        return self._stem

    def on_event(self, event: dict[str, Any]) -> None:
        if self._stem is not None:
            self._queued.on_event(event)

    def on_tick(self, view) -> None:
        if self._stem is not None:
            self._queued.on_tick(view)

    def end(self, event: dict[str, Any], summary: dict[str, Any], figures: dict[str, Any] | None = None
            ) -> dict[str, Any]:
        """Close the record with `event` (session_end); returns the summary completed with names
        and wall times, as written beside the trace (`figures` are the store's, unused here)."""
        summary = {"id": self._stem, "started": _iso(self._started_wall), "ended": _iso(self.wall_clock()),
                   **summary, "trace": self._stem + TRACE_SUFFIX}
        self._queued.on_event({**event, "summary": old_names(summary)})
        self._stem = None
        return summary

    def close(self) -> None:
        """Flush everything and stop the record's thread."""
        if self._queued is not None:
            self._queued.close()
            self._queued = None

    def _report(self, text: str) -> None:
        self._loss = f"{self.directory}: {text}"

    def _new_stem(self, wall_s: float) -> str:
        base = time.strftime("%Y%m%d-%H%M%S", time.localtime(wall_s))
        stem, n = base, 1
        while (self.directory / (stem + TRACE_SUFFIX)).exists() or stem in self._used:
            n += 1
            stem = f"{base}-{n}"
        return stem


class StoreRecorder:
    """The console's recorder into the store: the calls of SessionRecorder, on the control
    thread; the store's recorder sink does the writing (its own thread in real time)."""

    def __init__(self, store: Store, *, realtime: bool, wall_clock: Callable[[], float] = time.time) -> None:
        self.folder = store.folder
        self.wall_clock = wall_clock
        self._sink = recording_sink(store, realtime=realtime, report=self._report)
        self._loss: str | None = None
        self._id: str | None = None
        self._given: set[str] = set()
        self._started_wall = 0.0

    @property
    def open(self) -> bool:
        return self._id is not None

    @property
    def error(self) -> str | None:
        return self._sink.recorder.error or self._loss

    def begin(self, t0_s: float) -> str:
        """Name a new session (the store adds -2 in the rare case another process took the name)."""
        self._started_wall = self.wall_clock()
        base = candidate = id_for(self._started_wall)
        n = 1
        while candidate in self._given:
            n += 1
            candidate = f"{base}-{n}"
        self._given.add(candidate)
        self._id = candidate
        return candidate

    @property
    def started_unix(self) -> float:
        return self._started_wall

    def on_event(self, event: dict[str, Any]) -> None:
        if self._id is not None:
            self._sink.on_event(event)

    def on_tick(self, view) -> None:
        if self._id is not None:
            self._sink.on_tick(view)

    def end(self, event: dict[str, Any], summary: dict[str, Any], figures: dict[str, Any] | None = None
            ) -> dict[str, Any]:
        """End the record with `event` (session_end) and the store's figures; returns `summary`
        completed with the id and wall times."""
        summary = {"id": self._id, "started": _iso(self._started_wall), "ended": _iso(self.wall_clock()), **summary}
        self._sink.on_event({**event, **({"summary": figures} if figures is not None else {})})
        self._id = None
        return summary

    def close(self) -> None:
        """Flush everything and stop the record's thread."""
        self._sink.close()

    def _report(self, text: str) -> None:
        self._loss = text


class Session:
    """One session's bookkeeping on the control thread: its totals (distance and time per
    direction, every stop) and, when there is a recorder, its record. A sink: it sees events and
    the per-tick view, never the controller."""

    def __init__(self, t0_s: float, info: dict[str, Any], recorder: SessionRecorder | StoreRecorder | None, *,
                 mass_kg: float | None = None) -> None:
        self.t0_s = t0_s
        self.elapsed_s = 0.0
        self.info = {**info, "program_complete": False}
        self.totals = SummarySink(t0_s, mass_kg=mass_kg)
        self.mass_kg = mass_kg
        self.recorder = recorder
        self.id = recorder.begin(t0_s) if recorder is not None else None
        self.refusals = 0  # commands the controller refused: counted apart from the stops

    def start_event(self) -> dict[str, Any]:
        event = {"t": self.t0_s, "event": "session_start", **self.info}
        del event["program_complete"]
        if event.get("person") is None:
            event.pop("person", None)
        if self.mass_kg is not None:
            event["mass_kg"] = self.mass_kg
        if self.id is not None:
            event["id"] = self.id
        if isinstance(self.recorder, StoreRecorder):
            event["started_unix"] = self.recorder.started_unix
        return event

    def on_event(self, event: dict[str, Any]) -> None:
        self.totals.on_event(event)
        if event["event"] == "refused":
            self.refusals += 1
        if event["event"] == "program_complete":
            self.info["program_complete"] = True
        if self.recorder is not None:
            self.recorder.on_event(event)

    def on_tick(self, view) -> None:
        self.totals.on_tick(view)
        self.elapsed_s = view.now_s - self.t0_s
        if self.recorder is not None:
            self.recorder.on_tick(view)

    def close(self) -> None:
        pass  # ended by `end`, which the engine calls with the reason

    @property
    def distance_m(self) -> dict[str, float]:
        return self.totals.distance_m

    def end(self, reason: str, now_s: float) -> dict[str, Any]:
        """Close the record; returns the `session_end` event, with the summary in it."""
        figures = self.totals.as_dict()
        summary = {**{key: value for key, value in figures.items() if key != "steps"}, **self.info,
                   "end_reason": reason, "duration_s": round(now_s - self.t0_s, 1), "refusals": self.refusals}
        event = {"t": now_s, "event": "session_end", "reason": reason}
        if self.recorder is not None:
            summary = self.recorder.end(event, summary, figures)
        return {**event, "summary": summary}


def old_names(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as the old folder format wrote it (`sessions import` and the old dialog read these)."""
    old = {**summary, "stops": [stop_line(stop) for stop in summary["stops"]]}
    for way, name in (("forward", "forward"), ("backward", "backward")):
        old[f"distance_{name}_m"] = summary[way]["distance_m"]
        old[f"time_{name}_s"] = summary[way]["time_s"]
    return old


def stop_line(stop: dict[str, Any]) -> str:
    """A stop in one line: "12.3 s estop: fall-stop switch open" (an operator's: no kind)."""
    if stop["kind"] == "operator_stop":
        return f"{stop['time_s']:.1f} s {stop['reason']}"
    return f"{stop['time_s']:.1f} s {stop['kind']}: {stop['reason']}"


def recent_sessions(directory: str | Path, limit: int = 10) -> list[dict[str, Any]]:
    """The summaries of the last `limit` sessions in `directory` (a data folder's store, or an
    old sessions folder), newest first, with the names the sessions dialog shows."""
    if (Path(directory) / DB_NAME).exists():
        return _recent_in_store(Path(directory), limit)
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


def _recent_in_store(folder: Path, limit: int) -> list[dict[str, Any]]:
    try:
        with Store.open(folder) as store:
            summaries = store.list()[:limit]
    except StoreError:
        return []
    return [{**s, "started": s["started"][:19].replace("T", " "), "distance_forward_m": s["forward"]["distance_m"],
             "distance_backward_m": s["backward"]["distance_m"]} for s in summaries]
