"""Words for the console: labels, times, speeds and one line per controller event. Pure."""

from __future__ import annotations

from controller.interlocks import LABELS
from ui.session.rest import AT_REST_KMH, belt_at_rest  # noqa: F401 - the one at-rest rule, for the screens
from ui.session.words import (REFUSED, WALKING, countdown_number, describe_event, hr_source_label,  # noqa: F401
                              hr_source_line, mmss, refused_line, starting_line)  # the words shared with `run`

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


def step_line(step, left_s: float | None = None, guide: tuple[float, tuple[float, float]] | None = None) -> str:
    """'Warm-up · forward 3.0 km/h · 02:30' ('3.0→5.0' for a progression; 'left' if given). An
    HR-guided step (`guide`: its target bpm and speed range): 'reverse 1.5–4.5 km/h → 120 bpm'."""
    speed = f"{step.speed_kmh:.1f}"
    if step.to_speed_kmh is not None:
        speed += f"→{step.to_speed_kmh:.1f}"
    if guide is not None:
        speed = f"{speed_range(guide[1])}"
    incline = f" · {step.incline_pct:g} %" if step.incline_pct else ""
    time = f"{mmss(left_s)} left" if left_s is not None else mmss(step.duration_s)
    hr = f" → {guide[0]:.0f} bpm" if guide is not None else ""
    return f"{step.name} · {step.direction.upper() if step.direction == 'reverse' else step.direction} " \
           f"{speed} km/h{hr}{incline} · {time}"


def step_guide(program, index: int) -> tuple[float, tuple[float, float]] | None:
    """An HR-guided step's target bpm and speed range, from the program (None: a plain step)."""
    steps = program.steps if program is not None else ()
    step = steps[index] if 0 <= index < len(steps) else None
    if step is None or step.target_hr_bpm is None:
        return None
    return step.target_hr_bpm, (step.speed_kmh, step.max_speed_kmh)


# ---- heart rate and energy --------------------------------------------------------------------
#: Heart-rate zones by % of the effective limit (S13's max_hr_bpm): zone n starts at ZONE_FROM_PCT[n-1].
ZONE_FROM_PCT = (0, 60, 70, 80, 90)
ZONE_WORDS = ("very light", "light", "moderate", "hard", "maximum")
ON_TARGET_BPM = 5.0  # an HR-guided step leaves the speed alone within this of its target (core.py)


def hr_zone(bpm: float, limit_bpm: float) -> int:
    """1..5: the zone of `bpm` by its percentage of the limit (zone 5 from 90 %)."""
    pct = 100.0 * bpm / limit_bpm
    return max(n for n, from_pct in enumerate(ZONE_FROM_PCT, 1) if pct >= from_pct)


def hr_versus_target(bpm: float, target_bpm: float) -> str:
    """'on target' within ±5 bpm of an HR-guided step's target, else 'below' or 'above'."""
    if abs(bpm - target_bpm) <= ON_TARGET_BPM:
        return "on target"
    return "below" if bpm < target_bpm else "above"


def speed_range(range_kmh: tuple[float, float]) -> str:
    return f"{range_kmh[0]:.1f}–{range_kmh[1]:.1f}"



def describe(event: dict) -> tuple[str, str]:
    """One log line and its style for any event, as `run` says it (ui/session/words.py), with
    the console's words for states and refusals."""
    kind = event["event"]
    if kind == "state":
        words = [STATE_LABELS.get(event[end], event[end]).lower() for end in ("from", "to")]
        return " → ".join(words), "bad" if event["to"] in ("estop", "fault") else "info"
    if kind == "refused":
        return refused_line(event["command"], event["reason"]), "warn"
    return describe_event(event)


def stops_line(stops: list[dict]) -> str:
    """A session's stops for the lock screen: '2 stops; the last at 03:57: operator stop (console)'."""
    if not stops:
        return ""
    last = stops[-1]
    reason = last["reason"] if last["kind"] == "operator_stop" else f"{STOP_KINDS.get(last['kind'], last['kind'])}: " \
        f"{last['reason']}"
    count = f"{len(stops)} stops; the last" if len(stops) > 1 else "1 stop"
    return f"{count} at {mmss(last['time_s'])}: {reason}"


STOP_KINDS = {"estop": "E-STOP", "fault": "FAULT", "safety_stop": "safety stop"}


#: the heart-rate events whose cue goes to the message line, and its style
CUE_STYLES = {"hr_warning": "bad", "hr_lost": "bad", "hr_adjust": "info"}


def heart_rate_message(event: dict) -> tuple[str, str] | None:
    """The message line for a heart-rate event (S13) and its style; None for other events."""
    kind = event["event"]
    if kind in CUE_STYLES:
        return event["cue"], CUE_STYLES[kind]
    if kind == "hr_restored":
        return f"Heart-rate signal back: {event['heart_rate_bpm']} bpm.", "good"
    if kind == "safety_stop":
        return f"STOPPED: {event['reason']}", "bad"
    if kind == "hr_source":
        return hr_source_line(event), "good" if event["ok"] else "warn"
    return None
