"""What a tile and the detail view say about a treadmill: pure functions of a model Treadmill.

The direction banner speaks as the console's does (ui/console/widgets/readouts.py): an arrow,
a word and a colour nobody can misread; amber for REVERSE, green for forward, red only for
an e-stop or fault, grey for stopped or offline.
"""

from __future__ import annotations

import time

from ui.fleet.model import ALARM_EVENTS, LATCHED, Treadmill
from ui.session.rest import AT_REST_KMH
from ui.session.words import mmss

ARROWS = {"forward": "▲", "reverse": "▼"}
WORDS = {"forward": "FORWARD", "reverse": "REVERSE"}
STATE_LABELS = {"idle": "IDLE", "countdown": "COUNTDOWN", "running": "RUNNING", "paused": "PAUSED",
                "stopping": "STOPPING", "reversing": "CHANGING DIRECTION", "estop": "E-STOP", "fault": "FAULT",
                "unknown": "NO STATE YET"}
BANNER_MODES = ("-forward", "-reverse", "-stopped", "-estop", "-offline")


def clock_time(ts: float | None) -> str:
    """Unix seconds as the local time of day, HH:MM:SS."""
    return "--:--:--" if ts is None else time.strftime("%H:%M:%S", time.localtime(ts))


def travel_direction(state: dict) -> str:
    """The way the belt goes now: the command's, or, while a stop runs it down, the measured."""
    if state.get("direction", "none") != "none":
        return state["direction"]
    if (state.get("belt_kmh") or 0.0) > AT_REST_KMH:
        return state.get("belt_direction", "none")
    return "none"


def banner(t: Treadmill) -> tuple[str, str]:
    """(CSS mode, one line) for the tile's direction banner."""
    if t.online is False:
        return "-offline", f"OFFLINE since {clock_time(t.offline_since)}"
    s = t.state
    if not s:
        return "-stopped", "waiting for its state"
    state, moving = s["state"], travel_direction(s)
    if state in LATCHED:
        word = "✖ E-STOP ✖" if state == "estop" else "✖ FAULT ✖"
        if moving in WORDS:
            word += f" {ARROWS[moving]} still moving {WORDS[moving]}"
        return "-estop", word
    upcoming = s.get("upcoming_direction", "none")
    if state in ("countdown", "reversing") and upcoming in WORDS:
        arrow = ARROWS[upcoming]
        return "-" + upcoming, f"{arrow} NEXT: {WORDS[upcoming]} {arrow}"
    if moving in WORDS:
        arrow = ARROWS[moving]
        return "-" + moving, f"{arrow} {arrow}  {WORDS[moving]}  {arrow} {arrow}"
    if state == "paused":
        return "-stopped", "❚❚ PAUSED"
    return "-stopped", "■ STOPPED"


def speed_line(t: Treadmill) -> str:
    s = t.state or {}
    hr = s.get("heart_rate_bpm")
    return (f"{s.get('belt_kmh', 0.0):4.1f} km/h → {s.get('target_kmh', 0.0):.1f}   "
            f"♥ {'--' if hr is None else f'{hr:.0f}'}")


def step_line(t: Treadmill) -> str:
    s = t.state or {}
    if s.get("step") is None:
        return "no program" if not s.get("program") else "program done"
    left = s.get("remaining_s")
    return f"step {s['step'] + 1} {s.get('step_name') or ''} · {mmss(left or 0.0)} left"


def alarm_line(t: Treadmill) -> tuple[str, bool]:
    """(text, unseen): the newest unseen alarm; else why a latched stop stopped; else ''."""
    unseen = t.unseen
    if unseen:
        newest = unseen[-1]
        more = f" (+{len(unseen) - 1})" if len(unseen) > 1 else ""
        return f"⚠ {ALARM_EVENTS.get(newest.kind, newest.kind.upper())}: {newest.text}{more}", True
    s = t.state or {}
    if t.online is not False and s.get("state") in LATCHED:
        return f"stopped: {s.get('stop_reason') or s['state']}", False
    return "", False


def event_line(event: dict) -> str:
    """One line of the detail view's event log."""
    details = " ".join(f"{key}={value}" for key, value in event.items() if key not in ("t", "ts", "event"))
    return f"{clock_time(event.get('ts'))}  {mmss(event.get('t', 0.0)):>6}  {event['event']:<16} {details}"
