"""Words shared by every view of a session (the console, the progress line of `run`). Pure.

Here, below the rest of ui/, so that a headless `run` says the same things as the console
without importing it.
"""

from __future__ import annotations

import math
from typing import Any

#: The way the person walks, for the words of a countdown.
WALKING = {"forward": "FORWARD", "reverse": "BACKWARD"}
#: What did not happen, when the controller refuses a command (the event's `command`).
REFUSED = {
    "set_direction": "Direction not changed",
    "start": "Not started",
    "reverse": "Not reversing, stopping instead",
    "pause": "Not paused",
    "resume": "Not resumed",
    "adjust_speed": "Speed not changed",
    "load_program": "Program not loaded",
    "arm_reverse": "Reverse not disarmed",
    "lock": "Not locked",
    "adjust_incline": "Incline not changed",
    "reset": "Not reset",
    "stop": "Not stopped",
    "estop": "E-stop not taken",
    "unlock": "Not unlocked",
}


def mmss(seconds: float | None) -> str:
    """Seconds as m:ss (or h:mm:ss); '--:--' for None."""
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60:02d}:{rest % 60:02d}"


def countdown_number(left_s: float) -> str:
    """3.0 -> '3', 2.01 -> '3', 0.4 -> '1', 0 -> '0' (waiting for standstill)."""
    return str(max(0, math.ceil(left_s - 1e-9)))


def starting_line(direction: str, speed_kmh: float, left_s: float | None) -> str:
    """'Starting BACKWARD at 0.8 km/h in 3'; before the countdown runs, 'Then BACKWARD at 0.8 km/h'.

    The coming speed is always the profile's start speed: no speed carries across a start or
    a direction change (S6, S14)."""
    way = WALKING.get(direction, direction.upper())
    if left_s is None:
        return f"Then {way} at {speed_kmh:.1f} km/h"
    return f"Starting {way} at {speed_kmh:.1f} km/h in {countdown_number(left_s)}"


def refused_line(command: str, reason: str) -> str:
    """A refusal in plain words: 'Direction not changed: <the controller's reason>'."""
    what = REFUSED.get(command, f"{command.replace('_', ' ').capitalize()} refused")
    return f"{what}: {reason}"


def hr_source_label(url: str) -> str:
    """How a heart-rate source URL is named on screen."""
    return {"none": "none", "sim": "the simulator's person"}.get(url, url)


def hr_source_line(event: dict[str, Any]) -> str:
    """The answer to a change of heart-rate source, in words."""
    if not event["ok"]:
        return f"Heart-rate source not changed: {event['text']}"
    url = event["url"]
    if url == "none":
        return "Heart-rate source: none (nothing watches the heart rate)"
    return f"Heart-rate source: {hr_source_label(url)}" + (" (connected)" if url.startswith("ble:") else "")


def describe_event(event: dict[str, Any]) -> tuple[str, str]:
    """One log line for a controller/engine event and its style class: info, good, warn, bad."""
    kind = event["event"]
    if kind == "state":
        style = "bad" if event["to"] in ("estop", "fault") else "info"
        return f"{event['from']} → {event['to']}", style
    if kind == "step":
        cue = f" — {event['cue']}" if event.get("cue") else ""
        return (f"step {event['index'] + 1}: {event['name']} ({event['direction']}, "
                f"{event['speed_kmh']:.1f} km/h){cue}", "info")
    if kind == "estop":
        return f"E-STOP: {event['reason']}", "bad"
    if kind == "fault":
        return f"FAULT: {event['reason']}", "bad"
    if kind == "refused":
        return refused_line(event["command"], event["reason"]), "warn"
    if kind == "reset_refused":
        return f"reset refused: {event['reason']}", "warn"
    if kind == "program_complete":
        return f"program complete: {event['name']}", "good"
    if kind == "operator_stop":
        return f"stop ({event['source']})", "info"
    if kind == "reverse_armed":
        return "reverse ARMED (harness checked, person instructed)", "warn"
    if kind == "reverse_disarmed":
        if event.get("source") == "fall_stop":
            return "reverse DISARMED by the fall-stop: check the person, then arm again (A)", "bad"
        return "reverse disarmed", "info"
    if kind == "program_loaded":
        return f"loaded {event['name']} (profile {event['profile']})", "info"
    if kind == "inject":
        return f"simulator: {event['name']}", "warn"
    if kind == "session_start":
        return f"session started: {event['program']} ({event['profile']})", "good"
    if kind == "hr_warning":
        return f"HEART RATE WARNING: {event['cue']}", "bad"
    if kind == "hr_lost":
        return f"HEART-RATE SIGNAL LOST: {event['reason']}", "bad"
    if kind == "hr_restored":
        return f"heart-rate signal back: {event['heart_rate_bpm']} bpm", "good"
    if kind == "hr_adjust":
        return f"heart-rate guide: {event['cue']}", "info"
    if kind == "safety_stop":
        return f"STOPPED: {event['reason']}", "bad"
    if kind == "hr_source":
        return hr_source_line(event), "good" if event["ok"] else "warn"
    if kind == "telemetry":
        return f"telemetry: {event['text']}", "warn"
    if kind == "session_end":
        summary = event.get("summary", {})
        saved = f", saved as {summary['id']}" if summary.get("id") else ""
        return f"session ended ({event['reason']}){saved}", "good"
    return kind, "info"
