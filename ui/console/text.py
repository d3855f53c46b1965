"""Words for the console: labels, times, speeds and one line per controller event. Pure."""

from __future__ import annotations

from controller.interlocks import LABELS
from ui.session.rest import AT_REST_KMH, belt_at_rest  # noqa: F401 - the one at-rest rule, for the screens
from ui.session.words import (REFUSED, WALKING, countdown_number, describe_event, mmss,  # noqa: F401
                              refused_line, starting_line)  # the words the console shares with `run`

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


def travel_direction(snap) -> str:
    """The way the belt goes now: the commanded direction, or while a stop runs it down (the
    command may read 0 at once, S5) the measured one; 'none' at standstill."""
    if snap.direction != "none":
        return snap.direction
    return snap.belt_direction if snap.belt_kmh > AT_REST_KMH else "none"


def mph(kmh: float) -> float:
    return kmh / KMH_PER_MPH


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


