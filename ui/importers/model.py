"""What an importer makes of another trainer's workout: steps and repeat blocks in km/h and
seconds, every step forward (none of the formats can say "backward"), and a list of what
could not be carried over, one line each, never dropped silently.

The importers (zwo.py, qz.py, fit_workout.py) build an `Imported`; toml_writer.py writes it
as a program; ui/import_cmd.py checks the result as `retrotread check` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

CUE_MAX = 200  # controller/program.py: a cue is one line of at most 200 characters
SPEED_STEP_KMH = 0.1  # speeds are written to 0.1 km/h, as a treadmill's console shows them
MAX_BYTES = 10 * 1024 * 1024  # a workout file is a few kB; anything this big is not one


class ImportRefused(Exception):
    """The file cannot be imported; str() is the one line to print (naming the file)."""


@dataclass
class Step:
    """One forward step: a steady speed, a progression to `to_speed_kmh`, or HR-guided."""

    name: str
    duration_s: float
    speed_kmh: float | None = None  # HR-guided steps have min/max instead
    to_speed_kmh: float | None = None
    incline_pct: float = 0.0
    cue: str | None = None
    target_hr_bpm: float | None = None
    min_speed_kmh: float | None = None
    max_speed_kmh: float | None = None
    hr_adjust_s: float | None = None
    origin: str = ""  # where in the source file it came from, for messages and comments


@dataclass
class Block:
    """A repeat block, as the program format's `repeat` table."""

    name: str
    repeat: int
    steps: list[Step | Block]
    origin: str = ""


@dataclass
class Imported:
    """A converted workout: the program's fields and what did not survive the trip."""

    source: str  # the file imported
    fmt: str  # the format's name for people, e.g. "Zwift workout (ZWO)"
    name: str
    steps: list[Step | Block]
    description: str | None = None
    notes: list[str] = field(default_factory=list)  # how targets were converted (comments)
    lost: list[str] = field(default_factory=list)  # not carried over (stderr and comments)


def round_kmh(speed_kmh: float) -> float:
    """A speed to 0.1 km/h."""
    return round(round(speed_kmh / SPEED_STEP_KMH) * SPEED_STEP_KMH, 1)


def clean_cue(text: str, where: str, lost: list[str]) -> str | None:
    """A message as a cue: one line, at most CUE_MAX characters (a longer one is cut, and said)."""
    line = " ".join(text.split())
    if not line:
        return None
    if len(line) > CUE_MAX:
        lost.append(f"{where}: text cut to {CUE_MAX} characters (a cue is one short line)")
        line = line[: CUE_MAX - 3].rstrip() + "..."
    return line


def speed_at(step: Step, offset_s: float) -> float | None:
    """The target `offset_s` into a progression (the steady speed otherwise)."""
    if step.to_speed_kmh is None or step.speed_kmh is None:
        return step.speed_kmh
    share = offset_s / step.duration_s
    return step.speed_kmh + (step.to_speed_kmh - step.speed_kmh) * share


def with_text_events(step: Step, events: list[tuple[float, str]], where: str, lost: list[str]) -> list[Step]:
    """The step with its text events as cues: an event at the start is the step's cue; one
    later splits the step there, so that its cue shows when the original message did.
    Events at one time are joined; one at or after the step's end is listed as lost."""
    by_offset: dict[float, list[str]] = {}
    for offset_s, message in sorted(events, key=lambda event: event[0]):
        offset_s = max(0.0, round(offset_s))
        if offset_s >= step.duration_s:
            lost.append(f"{where}: text event at {offset_s:g} s is after the step's end ({step.duration_s:g} s): "
                        f"{' '.join(message.split())[:60]!r}")
            continue
        by_offset.setdefault(offset_s, []).append(message)
    cuts = sorted(by_offset)
    if not cuts or cuts[0] != 0.0:
        cuts.insert(0, 0.0)
    pieces = []
    for n, start_s in enumerate(cuts):
        end_s = cuts[n + 1] if n + 1 < len(cuts) else step.duration_s
        texts = by_offset.get(start_s)
        cue = clean_cue(" / ".join(texts), where, lost) if texts else (step.cue if n == 0 else None)
        piece = replace(step, duration_s=end_s - start_s, cue=cue if cue is not None else step.cue)
        if step.to_speed_kmh is not None:
            piece = replace(piece, speed_kmh=round_kmh(speed_at(step, start_s)),
                            to_speed_kmh=round_kmh(speed_at(step, end_s)))
        if len(cuts) > 1:
            piece = replace(piece, name=f"{step.name} ({n + 1}/{len(cuts)})")
        pieces.append(piece)
    return pieces


def flat_steps(items: list[Step | Block]) -> list[Step]:
    """Every step once, blocks not expanded (for counting and checks)."""
    found: list[Step] = []
    for item in items:
        found.extend(flat_steps(item.steps) if isinstance(item, Block) else [item])
    return found


def parse_clock(text: str) -> float | None:
    """'HH:MM:SS' (QZ's durations) as seconds; None if it is not that."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    hours, minutes, seconds = (int(part) for part in parts)
    if minutes > 59 or seconds > 59:
        return None
    return hours * 3600.0 + minutes * 60.0 + seconds


def number(text: str | None) -> float | None:
    """An attribute as a finite number, else None."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
