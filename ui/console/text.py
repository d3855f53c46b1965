"""Words for the console: labels, times, speeds and one line per controller event. Pure."""

from __future__ import annotations

import math
from typing import Any

from controller.interlocks import LABELS
from ui.session.rest import AT_REST_KMH, belt_at_rest  # noqa: F401 - the one at-rest rule, for the screens

KMH_PER_MPH = 1.609344
FALL_STOP = "fall_stop"  # the fall-stop interlock's cause id (controller/interlocks/fall_stop.py)

STATE_LABELS = {
    "idle": "IDLE", "countdown": "COUNTDOWN", "running": "RUNNING", "paused": "PAUSED",
    "stopping": "STOPPING", "reversing": "CHANGING DIRECTION", "estop": "E-STOP", "fault": "FAULT",
}
#: The panel's words for each interlock, from the registry (keyed like `Snapshot.interlocks`).
INTERLOCK_LABELS = LABELS
REVERSE_PHASES = {"ramp_down": "slowing to a stop", "dwell": "holding still", "countdown": "counting down"}
WORDS_UPPER = {"forward": "FORWARD", "reverse": "REVERSE"}
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
}


def travel_direction(snap) -> str:
    """The way the belt goes now: the commanded direction, or while a stop runs it down (the
    command may read 0 at once, S5) the measured one; 'none' at standstill."""
    if snap.direction != "none":
        return snap.direction
    return snap.belt_direction if snap.belt_kmh > AT_REST_KMH else "none"


def mmss(seconds: float | None) -> str:
    """Seconds as m:ss (or h:mm:ss); '--:--' for None."""
    if seconds is None:
        return "--:--"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    if hours:
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{rest // 60:02d}:{rest % 60:02d}"


def mph(kmh: float) -> float:
    return kmh / KMH_PER_MPH


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


def distance(metres: float) -> str:
    return f"{metres:,.0f} m" if metres < 10_000 else f"{metres / 1000:,.2f} km"


def step_line(step, left_s: float | None = None) -> str:
    """'Warm-up · forward 3.0 km/h · 02:30' ('3.0→5.0' for a progression; 'left' if given)."""
    speed = f"{step.speed_kmh:.1f}"
    if step.to_speed_kmh is not None:
        speed += f"→{step.to_speed_kmh:.1f}"
    incline = f" · {step.incline_pct:g} %" if step.incline_pct else ""
    time = f"{mmss(left_s)} left" if left_s is not None else mmss(step.duration_s)
    return f"{step.name} · {step.direction.upper() if step.direction == 'reverse' else step.direction} " \
           f"{speed} km/h{incline} · {time}"


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
    if kind == "session_end":
        summary = event.get("summary", {})
        saved = f", saved as {summary['id']}" if summary.get("id") else ""
        return f"session ended ({event['reason']}){saved}", "good"
    return kind, "info"
