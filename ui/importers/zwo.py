"""Zwift run workouts (.zwo): XML, `<workout_file>` with `<sportType>run</sportType>` and a
`<workout>` of blocks. In a run workout a block's Power is a fraction of the runner's
threshold pace taken as a speed (1.0 = threshold speed, 1.1 = 10 % faster), so the author
gives that pace (`--threshold-pace 5:00/km`; a file's own `<thresholdSecPerKm>` otherwise).

    Warmup, Cooldown, Ramp   Duration, PowerLow -> PowerHigh: a progression (to_speed_kmh)
    SteadyState              Duration, Power: a steady step
    IntervalsT               Repeat x (OnDuration at OnPower, OffDuration at OffPower): a block
    textevent / TextEvent    timeoffset (s into the block) or distoffset (m), message: cues
    FreeRide, MaxEffort      no target speed: left out, listed

With `<durationType>distance</durationType>` durations are metres, run at the block's speed.
Cadence, zones, gameplay events and the rest are listed as not carried over.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from drivers.units import KMH_PER_MPS
from ui.importers.model import Block, Imported, ImportRefused, Step, number, round_kmh, with_text_events

FORMAT = "ZWO (a Zwift run workout)"
RAMPS = {"warmup": "Warm-up", "cooldown": "Cool-down", "ramp": "Ramp"}
NO_TARGET = {"freeride": "free run, no target speed", "maxeffort": "maximum effort, no target speed"}
TEXT_TAGS = ("textevent",)
USED = {
    "ramp": {"Duration", "PowerLow", "PowerHigh", "pace"},
    "steadystate": {"Duration", "Power", "PowerLow", "PowerHigh", "pace"},
    "intervalst": {"Repeat", "OnDuration", "OffDuration", "OnPower", "OffPower", "pace"},
}
SHOWN_ONLY = {"duration", "y", "textscale"}  # a text event's display time and place on screen
PACE = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*(?:/\s*(km|mi))?\s*$")
MILE_KM = 1.609344
PACE_RANGE_S = (120.0, 1800.0)  # 2:00 to 30:00 per km


def parse_pace(text: str) -> float:
    """'5:00/km' (or '8:03/mi', or '5:00') as seconds per km; ValueError naming the problem."""
    match = PACE.match(text)
    if not match:
        raise ValueError(f"{text!r}: expected MM:SS/km (or MM:SS/mi), e.g. 5:00/km")
    seconds = int(match.group(1)) * 60 + int(match.group(2))
    per_km_s = seconds / MILE_KM if match.group(3) == "mi" else float(seconds)
    if not PACE_RANGE_S[0] <= per_km_s <= PACE_RANGE_S[1]:
        raise ValueError(f"{text}: outside 2:00-30:00 per km")
    return per_km_s


def pace_text(per_km_s: float) -> str:
    minutes, seconds = divmod(round(per_km_s), 60)
    return f"{minutes}:{seconds:02d}/km"


class _Reader:
    """One ZWO file's blocks into steps (see the module docstring)."""

    def __init__(self, source: str, threshold_kmh: float | None, by_distance: bool) -> None:
        self.source = source
        self.threshold_kmh = threshold_kmh
        self.by_distance = by_distance
        self.lost: list[str] = []
        self.paces: set[str] = set()
        self.shown_only = False

    def speed(self, power: float | None, where: str, attr: str) -> float:
        if power is None or power <= 0:
            raise ImportRefused(f"{self.source}: {where}: {attr} is missing or not a positive number")
        if self.threshold_kmh is None:
            raise ImportRefused(f"{self.source}: {where}: its targets are fractions of a threshold pace: "
                                "give --threshold-pace MM:SS/km")
        return round_kmh(power * self.threshold_kmh)

    def seconds(self, element: ET.Element, attr: str, where: str, from_kmh: float, to_kmh: float) -> float:
        value = number(element.get(attr))
        if value is None or value <= 0:
            raise ImportRefused(f"{self.source}: {where}: {attr} is missing or not a positive number")
        if not self.by_distance:
            return float(value)
        mean_mps = (from_kmh + to_kmh) / 2 / KMH_PER_MPS  # a linear progression covers its mean speed
        return float(round(value / mean_mps))

    def events(self, element: ET.Element, where: str, kmh: float) -> list[tuple[float, str]]:
        found = []
        for child in element:
            tag = child.tag.lower()
            if tag not in TEXT_TAGS:
                self.lost.append(f"{where}: <{child.tag}> (not a text event)")
                continue
            attrs = {key.lower(): value for key, value in child.attrib.items()}
            self.shown_only |= bool(SHOWN_ONLY & attrs.keys())
            time_s = number(attrs.get("timeoffset"))
            if time_s is None and number(attrs.get("distoffset")) is not None:
                time_s = number(attrs["distoffset"]) / (kmh / KMH_PER_MPS)
            if time_s is None or "message" not in attrs:
                self.lost.append(f"{where}: a text event without a time offset or message")
                continue
            found.append((time_s, attrs["message"]))
        return found

    def unused(self, element: ET.Element, kind: str, where: str) -> None:
        if element.get("pace") is not None:
            self.paces.add(element.get("pace"))
        extra = sorted(set(element.attrib) - USED[kind])
        if extra:
            listed = ", ".join(f"{key}={element.get(key)}" for key in extra)
            self.lost.append(f"{where}: {listed}")

    def block(self, element: ET.Element, index: int) -> list[Step | Block]:
        tag = element.tag.lower()
        where = f"workout[{index}] {element.tag}"
        if tag in RAMPS:
            return self.ramp(element, where, RAMPS[tag])
        if tag == "steadystate":
            return self.steady(element, where)
        if tag == "intervalst":
            return [self.intervals(element, where)]
        duration = element.get("Duration", "?")
        self.lost.append(f"{where}, {duration} s: {NO_TARGET.get(tag, 'not a block retrotread knows')}; left out")
        return []

    def ramp(self, element: ET.Element, where: str, name: str) -> list[Step]:
        self.unused(element, "ramp", where)
        from_kmh = self.speed(number(element.get("PowerLow")), where, "PowerLow")
        to_kmh = self.speed(number(element.get("PowerHigh")), where, "PowerHigh")
        step = Step(name=name, duration_s=self.seconds(element, "Duration", where, from_kmh, to_kmh),
                    speed_kmh=from_kmh, to_speed_kmh=to_kmh, origin=where)
        return with_text_events(step, self.events(element, where, from_kmh), where, self.lost)

    def steady(self, element: ET.Element, where: str) -> list[Step]:
        self.unused(element, "steadystate", where)
        power = number(element.get("Power"))
        if power is None and element.get("PowerLow") is not None:  # a range: its middle
            low, high = number(element.get("PowerLow")), number(element.get("PowerHigh"))
            power = (low + high) / 2 if low is not None and high is not None else None
            self.lost.append(f"{where}: a target range {element.get('PowerLow')}-{element.get('PowerHigh')} "
                             "runs at its middle")
        kmh = self.speed(power, where, "Power")
        step = Step(name="Steady", duration_s=self.seconds(element, "Duration", where, kmh, kmh), speed_kmh=kmh,
                    origin=where)
        return with_text_events(step, self.events(element, where, kmh), where, self.lost)

    def intervals(self, element: ET.Element, where: str) -> Block:
        self.unused(element, "intervalst", where)
        repeat = number(element.get("Repeat", "1"))
        if repeat is None or repeat < 1 or not repeat.is_integer():
            raise ImportRefused(f"{self.source}: {where}: Repeat={element.get('Repeat')!r} is not a whole number >= 1")
        on_kmh = self.speed(number(element.get("OnPower")), where, "OnPower")
        off_kmh = self.speed(number(element.get("OffPower")), where, "OffPower")
        on = Step("On", self.seconds(element, "OnDuration", where, on_kmh, on_kmh), speed_kmh=on_kmh, origin=where)
        off = Step("Off", self.seconds(element, "OffDuration", where, off_kmh, off_kmh), speed_kmh=off_kmh,
                   origin=where)
        events = self.events(element, where, on_kmh)
        round_s = on.duration_s + off.duration_s
        if any(time_s >= round_s for time_s, _ in events):  # texts in later rounds: one step per round
            return Block("Intervals", 1, self.unrolled(on, off, int(repeat), events, where), origin=where)
        on_events = [(t, text) for t, text in events if t < on.duration_s]
        off_events = [(t - on.duration_s, text) for t, text in events if t >= on.duration_s]
        steps = with_text_events(on, on_events, where, self.lost) + with_text_events(off, off_events, where, self.lost)
        return Block("Intervals", int(repeat), steps, origin=where)

    def unrolled(self, on: Step, off: Step, repeat: int, events, where: str) -> list[Step]:
        steps: list[Step] = []
        round_s = on.duration_s + off.duration_s
        for n in range(repeat):
            for part, start_s in ((on, n * round_s), (off, n * round_s + on.duration_s)):
                mine = [(t - start_s, text) for t, text in events if start_s <= t < start_s + part.duration_s]
                named = replace(part, name=f"{part.name} {n + 1}/{repeat}")
                steps += with_text_events(named, mine, where, self.lost)
        late = [(t, text) for t, text in events if t >= repeat * round_s]
        for time_s, text in late:
            self.lost.append(f"{where}: text event at {time_s:g} s is after the block's end: {text[:60]!r}")
        return steps


def read(source: str, data: bytes, threshold_s_per_km: float | None) -> Imported:
    """A ZWO file's bytes as an Imported workout; ImportRefused naming the file if it cannot be."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportRefused(f"{source}: not a readable ZWO file (XML: {exc})") from None
    if root.tag != "workout_file":
        raise ImportRefused(f"{source}: not a ZWO file: its root element is <{root.tag}>, not <workout_file>")
    sport = (root.findtext("sportType") or "").strip().lower()
    if "run" not in sport:
        raise ImportRefused(f"{source}: sportType {sport or '(none: Zwift reads it as bike)'!r}: only run workouts "
                            "import (a bike workout's targets are watts, not speeds)")
    by_distance = "distance" in (root.findtext("durationType") or "").lower()
    file_threshold = number(root.findtext("thresholdSecPerKm"))
    threshold_s = threshold_s_per_km or (file_threshold if file_threshold and file_threshold > 0 else None)
    reader = _Reader(source, 3600.0 / threshold_s if threshold_s else None, by_distance)
    workout = root.find("workout")
    if workout is None or len(workout) == 0:
        raise ImportRefused(f"{source}: the file has no <workout> blocks")
    steps: list[Step | Block] = []
    for index, element in enumerate(workout):
        steps += reader.block(element, index)
    return Imported(source=source, fmt=FORMAT, name=_name(root, source), steps=steps,
                    description=_description(root), notes=_notes(reader, threshold_s, threshold_s_per_km, by_distance),
                    lost=reader.lost + _summaries(reader))


def _name(root: ET.Element, source: str) -> str:
    name = " ".join((root.findtext("name") or "").split())
    return name or source.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "Imported workout"


def _description(root: ET.Element) -> str | None:
    parts = [(root.findtext("description") or "").strip()]
    author = " ".join((root.findtext("author") or "").split())
    if author:
        parts.append(f"Author: {author}")
    text = "\n".join(part for part in parts if part)
    return text or None


def _notes(reader: _Reader, threshold_s: float | None, flag_s: float | None, by_distance: bool) -> list[str]:
    notes = []
    if threshold_s:
        whose = "given with --threshold-pace" if flag_s else "the file's thresholdSecPerKm"
        notes.append(f"Speeds: a target of 1.0 is the threshold pace {pace_text(threshold_s)} ({whose}) = "
                     f"{3600.0 / threshold_s:.1f} km/h; speeds rounded to 0.1 km/h.")
    if by_distance:
        notes.append("Durations: the file's distances (m) are converted to times at each block's target speed.")
    return notes


def _summaries(reader: _Reader) -> list[str]:
    lost = []
    if reader.paces:
        lost.append(f"pace={','.join(sorted(reader.paces))} (which of Zwift's reference paces, 1 mile to "
                    "marathon, a block uses): every target here uses the one threshold pace")
    if reader.shown_only:
        lost.append("text events' display time and place (duration, y, textscale): a cue shows until the next one")
    return lost


__all__ = ["FORMAT", "pace_text", "parse_pace", "read"]
