"""What the fleet view knows: every treadmill heard on the broker, built only from messages.

Fed from MQTT's network thread (`ingest`), read by the UI thread (`treadmills`, a sorted copy)
under one lock; `version` counts changes, so the UI redraws only when something changed
(many messages a second merge into one redraw). Nothing here can reach a controller.

Alarms are what an operator across the room must not miss: an e-stop or fault (event, or a
state message in estop/fault), a heart-rate stop, warning or lost signal, and a treadmill
that went offline while its belt was moving. Each stays unseen (flashing) until the
operator acknowledges it. The order: unseen alarms first, then latched stops, moving belts,
treadmills at rest, and offline ones last.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from ui.session.rest import AT_REST_KMH, MOVING_STATES

TOPIC_ROOT = "retrotread"
HISTORY = 1200  # state samples kept per treadmill: two minutes at 10 Hz (the detail view's chart)
EVENTS = 200  # events kept per treadmill (the detail view's log)
LATENCIES = 100_000  # state-change latencies kept (bench/fleet.py reads them)
LATCHED = ("estop", "fault")
#: event -> the alarm's name on a tile (safety_stop: S13's controlled stop for the heart rate)
ALARM_EVENTS = {"estop": "E-STOP", "fault": "FAULT", "safety_stop": "SAFETY STOP", "hr_warning": "HEART RATE",
                "hr_lost": "HR SIGNAL LOST"}
RANK_ALARM, RANK_LATCHED, RANK_MOVING, RANK_REST, RANK_UNKNOWN, RANK_OFFLINE = range(6)


@dataclass
class Alarm:
    ts: float
    kind: str  # an ALARM_EVENTS key, or "offline"
    text: str
    seen: bool = False


@dataclass
class Treadmill:
    """One treadmill as last heard. `state` is its last `state` message (a dict), or None."""

    id: str
    online: bool | None = None  # None: no status heard yet
    offline_since: float | None = None  # Unix time it went away (its last state's time, if any)
    state: dict[str, Any] | None = None
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY))  # (ts, target, belt, direction, hr)
    events: deque = field(default_factory=lambda: deque(maxlen=EVENTS))
    alarms: list[Alarm] = field(default_factory=list)
    session: dict[str, Any] | None = None  # the last session summary

    @property
    def unseen(self) -> list[Alarm]:
        return [a for a in self.alarms if not a.seen]

    @property
    def state_name(self) -> str:
        return self.state["state"] if self.state else "unknown"

    @property
    def moving(self) -> bool:
        s = self.state
        return bool(s) and (s["state"] in MOVING_STATES or (s.get("belt_kmh") or 0.0) > AT_REST_KMH)

    @property
    def rank(self) -> int:
        if self.unseen:
            return RANK_ALARM
        if self.online is False:
            return RANK_OFFLINE
        if self.state_name in LATCHED:
            return RANK_LATCHED
        if self.moving:
            return RANK_MOVING
        return RANK_REST if self.state else RANK_UNKNOWN

    def copy(self, full: bool = False) -> "Treadmill":
        """A copy the UI can read while the network thread goes on; the history and the events
        only when `full` (the detail view), not for every tile."""
        return Treadmill(self.id, self.online, self.offline_since, dict(self.state) if self.state else None,
                         deque(self.history, maxlen=HISTORY) if full else deque(),
                         deque(self.events, maxlen=EVENTS) if full else deque(),
                         [Alarm(a.ts, a.kind, a.text, a.seen) for a in self.alarms], self.session)


def _well_formed(leaf: str, data: Any) -> bool:
    if leaf == "status":
        return data in ("online", "offline")
    if leaf in ("state", "event"):
        return isinstance(data, dict) and isinstance(data.get(leaf), str)
    return leaf == "session" and isinstance(data, dict)


class FleetModel:
    """Every treadmill heard (see the module docstring). `clock` gives Unix seconds."""

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self.version = 0
        self.counts: Counter = Counter()  # messages by topic leaf
        self.events_by_id: Counter = Counter()  # events heard per treadmill (bench: events lost)
        self.latencies_s: deque[float] = deque(maxlen=LATENCIES)  # state change -> here
        self.broker: str = "connecting"  # what the feed says about the broker, for the header
        self._lock = threading.Lock()
        self._all: dict[str, Treadmill] = {}

    # ---- the network thread ---------------------------------------------------------------
    def ingest(self, topic: str, payload: bytes, received_s: float | None = None) -> bool:
        """One message; False if it is not one of ours (ignored)."""
        parts = topic.split("/")
        if len(parts) != 3 or parts[0] != TOPIC_ROOT or not parts[1]:
            return False
        tid, leaf = parts[1], parts[2]
        received_s = self.clock() if received_s is None else received_s
        try:
            data = payload.decode() if leaf == "status" else json.loads(payload)
        except (UnicodeDecodeError, ValueError):
            return False
        if not _well_formed(leaf, data):
            return False
        with self._lock:
            t = self._all.get(tid) or self._all.setdefault(tid, Treadmill(tid))
            if leaf == "status":
                self._status(t, data, received_s)
            elif leaf == "state":
                self._state(t, data, received_s)
            elif leaf == "event":
                self._event(t, data)
            else:
                t.session = data
            self.counts[leaf] += 1
            self.version += 1
        return True

    def _status(self, t: Treadmill, text: str, received_s: float) -> None:
        if text == "online":
            t.online, t.offline_since = True, None
        elif text == "offline" and t.online is not False:
            t.online = False
            t.offline_since = t.state["ts"] if t.state and "ts" in t.state else received_s
            if t.moving:  # the last we heard, its belt was moving: someone should look
                t.alarms.append(Alarm(t.offline_since, "offline", f"lost while {t.state_name}"))

    def _state(self, t: Treadmill, data: dict, received_s: float) -> None:
        previous = t.state["state"] if t.state else None
        ts = data.get("ts") or received_s
        if previous is not None and data["state"] != previous:
            self.latencies_s.append(received_s - ts)
            if data["state"] in LATCHED and not any(a.ts == ts for a in t.alarms):
                t.alarms.append(Alarm(ts, data["state"], data.get("stop_reason") or data["state"]))
        t.state = data
        if t.online is None:
            t.online = True
        t.history.append((ts, data.get("target_kmh") or 0.0, data.get("belt_kmh") or 0.0,
                          data.get("direction") or "none", data.get("heart_rate_bpm")))

    def _event(self, t: Treadmill, data: dict) -> None:
        t.events.append(data)
        self.events_by_id[t.id] += 1
        kind = data["event"]
        if kind in ALARM_EVENTS:
            ts = data.get("ts", 0.0)
            text = data.get("reason") or ALARM_EVENTS[kind]
            if kind == "hr_warning" and "heart_rate_bpm" in data:
                text = f"{data['heart_rate_bpm']} bpm, limit {data.get('limit_bpm', '?')}"
            # a latched stop heard first as a state message is the same alarm: keep one
            same = [a for a in t.alarms if a.kind == kind and abs(a.ts - ts) < 1.0]
            if same:
                same[0].text = text
            else:
                t.alarms.append(Alarm(ts, kind, text))

    def set_broker(self, text: str) -> None:
        with self._lock:
            self.broker = text
            self.version += 1

    # ---- the UI thread ------------------------------------------------------------------------
    def treadmills(self) -> list[Treadmill]:
        """Copies, alarms first (see the module docstring), then by id."""
        with self._lock:
            return sorted((t.copy() for t in self._all.values()), key=lambda t: (t.rank, t.id))

    def treadmill(self, tid: str) -> Treadmill | None:
        with self._lock:
            t = self._all.get(tid)
            return t.copy(full=True) if t else None

    def acknowledge(self, tid: str) -> None:
        """The operator has seen this treadmill's alarms: they stop flashing."""
        with self._lock:
            t = self._all.get(tid)
            if t is not None:
                for alarm in t.alarms:
                    alarm.seen = True
                self.version += 1
