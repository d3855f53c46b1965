"""The telemetry sink: what the control thread does for MQTT, which is almost nothing.

Per tick it adds the belt's distance (from the fresh reading, as the summary does) and asks
whether a `state` message is due: at 10 Hz while the belt moves or is about to (countdown,
running, reversing, stopping, or a belt still running down), at 1 Hz at rest, and at once on
every state change. When one is due it copies the values it needs into a tuple and hands it
to the publisher's queue; JSON and the network are the publisher's thread's (publisher.py).
Events go to the same queue as they come, and a `session_end` event's `summary` goes to the
`session` topic.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from controller.duration import time_left_s
from drivers.base import Direction
from drivers.units import KMH_PER_MPS
from ui.session.rest import AT_REST_KMH, MOVING_STATES
from ui.session.telemetry.publisher import EVENT, SESSION, STATE, Publisher
from ui.session.telemetry.settings import TelemetrySettings

ACTIVE_PERIOD_S = 0.1  # 10 Hz while the belt moves or is about to
IDLE_PERIOD_S = 1.0  # 1 Hz at rest
EARLY_S = 0.005  # a tick this much before the due time counts (ticks jitter around the schedule)
REVERSE, NONE = Direction.REVERSE, Direction.NONE


class TelemetrySink:
    """One session's telemetry (see the module docstring). `publisher` is started by the caller
    or by `open_telemetry`."""

    def __init__(self, publisher: Publisher, *, t0_s: float, wall0_s: float,
                 report: Callable[[str], None] | None = None) -> None:
        self.publisher = publisher
        self.t0_s = t0_s
        self.wall0_s = wall0_s  # Unix time at t0_s: ts = wall0_s + (now_s - t0_s), no clock read per tick
        self._report = report
        self.forward_m = self.backward_m = 0.0
        self.states_dropped = self.events_dropped = 0
        self.states_submitted = self.events_submitted = self.sessions_submitted = 0
        self._last_tick_s = t0_s
        self._next_s = -1e18
        self._view = None
        self._closed = self._ended = False

    # ---- the control thread ---------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "state":
            self._next_s = -1e18  # a state change is published on this tick
        elif kind == "session_end" and isinstance(event.get("summary"), dict):
            self._put_session(event)
        if self.publisher.submit((EVENT, event)):
            self.events_submitted += 1
        else:
            self.events_dropped += 1

    def on_tick(self, v) -> None:
        now_s = v.now_s
        dt_s = now_s - self._last_tick_s
        self._last_tick_s = now_s
        status = v.status
        if status is not None and (belt_kmh := status.belt_kmh) > 0.0:
            if status.direction is REVERSE:
                self.backward_m += belt_kmh / KMH_PER_MPS * dt_s
            elif status.direction is not NONE:
                self.forward_m += belt_kmh / KMH_PER_MPS * dt_s
        self._view = v
        if now_s < self._next_s:
            return
        active = v.state in MOVING_STATES or v.belt_kmh > AT_REST_KMH
        self._next_s = now_s + (ACTIVE_PERIOD_S if active else IDLE_PERIOD_S) - EARLY_S
        self._put_state(v)

    def close(self) -> None:
        """The final state, then the publisher's `offline` and disconnect; loss reported once."""
        self.close_begin()
        if not self._ended:
            self._ended = True
            self.publisher.close_end()
            self.report_loss()

    def close_begin(self) -> None:
        """The first half of close, which never waits (to close many sinks at once): the final
        state and the publisher's cue to finish."""
        if self._closed:
            return
        self._closed = True
        if self._view is not None:
            self._put_state(self._view)
        self.publisher.close_begin()

    def report_loss(self) -> None:
        lost = []
        if self.events_dropped or self.states_dropped:
            lost.append(f"{self.events_dropped} events and {self.states_dropped} state messages dropped "
                        "(the queue was full)")
        unsent = self.publisher.events_unsent
        if unsent and self.publisher.refused is None:
            lost.append(f"{unsent} events not accepted for sending")
        if lost and self._report is not None:
            self._report("telemetry: " + "; ".join(lost))

    # ---- building messages ------------------------------------------------------------------
    def _put_state(self, v) -> None:
        if self.publisher.submit((STATE, self.state_values(v))):
            self.states_submitted += 1
        else:
            self.states_dropped += 1

    def state_values(self, v) -> tuple:
        """The `state` message's values, in payloads.STATE_FIELDS order (copied: the view moves on)."""
        step, index, program = v.step, v.step_index, v.program
        elapsed_s = v.now_s - self.t0_s
        remaining_s = time_left_s(v)  # ramps, dwells and countdowns included, as the console and run say
        if remaining_s is None and program is not None:
            remaining_s = 0.0  # done
        belt_kmh, last = v.belt_kmh, v.last_status
        belt_direction = last.direction.value if last is not None and belt_kmh > AT_REST_KMH else "none"
        return (self.wall0_s + elapsed_s, v.state, v.direction, v.upcoming_direction.value, belt_direction,
                belt_kmh, v.target_kmh, v.incline_pct, v.heart_rate_bpm,
                program.name if program is not None else None, index if step is not None else None,
                step.name if step is not None else None, elapsed_s, remaining_s, self.forward_m,
                self.backward_m, tuple(v.interlock_flags), v.stop_reason)

    def _put_session(self, event: dict[str, Any]) -> None:
        ts_s = self.wall0_s + (event.get("t", self.t0_s) - self.t0_s)
        if self.publisher.submit((SESSION, event["summary"], ts_s)):
            self.sessions_submitted += 1
        else:
            self.events_dropped += 1


def open_telemetry(settings: TelemetrySettings, *, t0_s: float, now_s: float | None = None,
                   report: Callable[[str], None] | None = None, wall0_s: float | None = None,
                   version: str = "", hub=None) -> TelemetrySink:
    """A started publisher for `settings` and its sink; add the sink to a SessionHost.

    `t0_s` is the session's start on its clock (SessionHost.t0_s) and `now_s` that clock now
    (default: t0_s); `wall0_s` the Unix time at t0_s (default: from the wall clock now). Never
    raises for a broker that is down: the publisher reports it, once. `hub`: a network thread
    to share (hub.py; the fleet simulator's), else the publisher gets one of its own.
    """
    if wall0_s is None:
        wall0_s = time.time() - ((now_s if now_s is not None else t0_s) - t0_s)
    publisher = Publisher(settings, t0_s=t0_s, wall0_s=wall0_s, report=report, version=version, hub=hub).start()
    return TelemetrySink(publisher, t0_s=t0_s, wall0_s=wall0_s, report=report)
