"""Sinks: whatever consumes a session (trace, summary, progress line, session record, telemetry).

A sink sees the session's events (`on_event`, in order) and, after each tick's events, the
read-only per-tick view (`on_tick`, ui/session/view.py); `close()` once at the end. It never
sees the controller. A sink whose I/O can block (a broker, a database, a disk that stalls)
goes behind `Queued`: a bounded queue drained by its own thread, which drops (and counts)
rather than ever holding up a tick, and reports the loss once, at close.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Protocol

QUEUE_ITEMS = 4096  # about 80 s of ticks at 50 Hz: a stall that long loses data, never a tick
CLOSE_WAIT_S = 5.0  # close() waits this long for a queued sink to drain, then gives up on it


class Sink(Protocol):
    def on_event(self, event: dict[str, Any]) -> None: ...

    def on_tick(self, view) -> None: ...

    def close(self) -> None: ...


class Queued:
    """Runs `sink` on its own thread behind a bounded queue; see the module docstring.

    `report(text)` is called once, at close, when anything was dropped or the sink did not
    finish in time (by default it is printed nowhere: pass where the operator will read it).
    """

    def __init__(self, sink: Sink, *, name: str, items: int = QUEUE_ITEMS,
                 report: Callable[[str], None] | None = None, close_wait_s: float = CLOSE_WAIT_S) -> None:
        self.sink = sink
        self.name = name
        self.dropped = 0
        self.error: str | None = None
        self._closed = False
        self._report = report
        self._close_wait_s = close_wait_s
        self._queue: queue.Queue = queue.Queue(items)
        self._thread = threading.Thread(target=self._drain, name=f"retrotread-sink-{name}", daemon=True)
        self._thread.start()

    def on_event(self, event: dict[str, Any]) -> None:
        self._put((True, event))

    def on_tick(self, view) -> None:
        self._put((False, view.freeze()))

    def _put(self, item) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        """Let the sink finish what is queued (up to close_wait_s), then report any loss once."""
        if self._closed:
            return
        self._closed = True
        try:
            self._queue.put(None, timeout=self._close_wait_s)
        except queue.Full:
            pass
        self._thread.join(self._close_wait_s)
        lost = []
        if self.dropped:
            lost.append(f"{self.dropped} items dropped (it could not keep up)")
        if self._thread.is_alive():
            lost.append(f"did not finish within {self._close_wait_s:g} s")
        if self.error:
            lost.append(self.error)
        if lost and self._report is not None:
            self._report(f"{self.name}: " + "; ".join(lost))

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    self.sink.close()
                    return
                is_event, payload = item
                if is_event:
                    self.sink.on_event(payload)
                else:
                    self.sink.on_tick(payload)
            except Exception as exc:  # noqa: BLE001 - a broken consumer must not end the session
                if self.error is None:
                    self.error = f"{type(exc).__name__}: {exc}"
