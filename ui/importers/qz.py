"""QZ (qdomyos-zwift) training programs: XML, `<rows>` of `<row>`s and `<repeat times="N">`
groups (QZ's train-programs-examples/README.md and trainprogram.cpp, loadXML/saveXML).

    duration="HH:MM:SS" (or distance="KM")   the row's length
    speed="KM/H" forcespeed="1"              a steady step (without forcespeed QZ only suggests
                                              the speed: retrotread drives it, and says so)
    speedfrom="A" speedto="B"                a progression (QZ steps it by 0.1 km/h)
    inclination="%"                          incline_pct (QZ allows a decline; retrotread not)
    hrmin/hrmax + minspeed/maxspeed          an HR-guided step: the middle of the range, the speed
                                              range, looptimehr as hr_adjust_s
    zonehr="1-5"                             a zone of the person's maximum: not carried over; the
                                              row runs at its speed (or minspeed)
    <textevent timeoffset="S" message=".."/> cues (a child of the row)

Everything else a row can hold (power, resistance, cadence, fan speed, GPS points, ...) is
listed as not carried over; a row without any speed is left out, and listed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ui.importers.model import (Block, Imported, ImportRefused, Step, number, parse_clock, round_kmh,
                                with_text_events)

FORMAT = "QZ program (qdomyos-zwift XML)"
USED = {"duration", "distance", "speed", "speedfrom", "speedto", "inclination", "forcespeed", "minspeed",
        "maxspeed", "hrmin", "hrmax", "zonehr", "looptimehr"}
HR_ADJUST_S = (7.0, 60.0)  # controller/program.py's range for hr_adjust_s
MAX_DEPTH = 3  # the program format's block depth


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lost: list[str] = []
        self.suggested = False  # some row's speed was only a suggestion in QZ (forcespeed 0)

    def refuse(self, where: str, why: str) -> ImportRefused:
        return ImportRefused(f"{self.source}: {where}: {why}")

    def items(self, parent: ET.Element, path: str, depth: int) -> list[Step | Block]:
        found: list[Step | Block] = []
        counts: dict[str, int] = {}
        for child in parent:
            n = counts[child.tag] = counts.get(child.tag, 0) + 1
            where = f"{path}/{child.tag}[{n}]"
            if child.tag == "row":
                found += self.row(child, where, f"Row {n}")
            elif child.tag == "repeat":
                found += self.repeat(child, where, depth)
            else:
                self.lost.append(f"{where}: <{child.tag}> is neither a row nor a repeat")
        return found

    def repeat(self, element: ET.Element, where: str, depth: int) -> list[Block]:
        times = number(element.get("times"))
        if times is None or times < 1 or not times.is_integer():
            raise self.refuse(where, f"times={element.get('times')!r} is not a whole number >= 1")
        if depth >= MAX_DEPTH:
            raise self.refuse(where, f"repeats nest at most {MAX_DEPTH} deep")
        inner = self.items(element, where, depth + 1)
        if not inner:
            self.lost.append(f"{where}: nothing in it could be carried over; left out")
            return []
        return [Block(f"Repeat {where.rsplit('[', 1)[-1].rstrip(']')}", int(times), inner, origin=where)]

    def row(self, element: ET.Element, where: str, name: str) -> list[Step]:
        attrs = element.attrib
        extra = sorted(set(attrs) - USED)
        if extra:
            self.lost.append(f"{where}: " + ", ".join(f"{key}={attrs[key]}" for key in extra))
        step = self.target(attrs, where, name)
        if step is None:
            return []
        step.incline_pct = self.incline(attrs, where)
        step.duration_s = self.length(attrs, where, step)
        if step.duration_s <= 0:
            self.lost.append(f"{where}: no duration (00:00:00 and no distance); left out")
            return []
        return with_text_events(step, self.events(element, where), where, self.lost)

    def target(self, attrs: dict[str, str], where: str, name: str) -> Step | None:
        step = self.speeds(attrs, where, name)
        zone = number(attrs.get("zonehr"))
        if zone and step is not None:
            self.lost.append(f"{where}: zonehr={attrs['zonehr']} (a heart-rate zone of the person's maximum): "
                             "not carried over; the row runs at "
                             + (f"{step.speed_kmh:g} km/h" if step.to_speed_kmh is None and step.speed_kmh
                                else "its own targets"))
        elif step is None:
            self.lost.append(f"{where}: no speed (speed, speedfrom/speedto or an HR range with minspeed/maxspeed)"
                             + (f", only zonehr={attrs['zonehr']}" if zone else "") + "; left out")
        return step

    def speeds(self, attrs: dict[str, str], where: str, name: str) -> Step | None:
        """The row's speed target, or None; an HR range needs minspeed and maxspeed."""
        speed, low, high = (self.kmh(attrs, key, where) for key in ("speed", "minspeed", "maxspeed"))
        if "hrmin" in attrs or "hrmax" in attrs:
            hr_low, hr_high = number(attrs.get("hrmin")), number(attrs.get("hrmax"))
            if hr_low and hr_high and low and high:
                return Step(name, 0.0, target_hr_bpm=round((hr_low + hr_high) / 2), min_speed_kmh=low,
                            max_speed_kmh=high, hr_adjust_s=self.adjust(attrs, where), origin=where)
            self.lost.append(f"{where}: hrmin/hrmax without both bounds and minspeed/maxspeed: the heart-rate "
                             "target is not carried over")
        if "speedfrom" in attrs and "speedto" in attrs:
            first, last = self.kmh(attrs, "speedfrom", where), self.kmh(attrs, "speedto", where)
            if first and last:
                return Step(name, 0.0, speed_kmh=first, to_speed_kmh=last, origin=where)
        runs_at = speed or (low if number(attrs.get("zonehr")) else None)
        if runs_at:
            self.suggested |= attrs.get("forcespeed", "0").strip() != "1" and speed is not None
            return Step(name, 0.0, speed_kmh=runs_at, origin=where)
        return None

    def kmh(self, attrs: dict[str, str], key: str, where: str) -> float | None:
        if key not in attrs:
            return None
        value = number(attrs[key])
        if value is None or value < 0:
            raise self.refuse(f"{where}.{key}", f"{attrs[key]!r} is not a speed in km/h")
        return round_kmh(value) if value > 0 else None

    def adjust(self, attrs: dict[str, str], where: str) -> float | None:
        loop_s = number(attrs.get("looptimehr"))
        if loop_s is None:
            return None
        kept = min(max(loop_s, HR_ADJUST_S[0]), HR_ADJUST_S[1])
        if kept != loop_s:
            self.lost.append(f"{where}: looptimehr={attrs['looptimehr']} s: retrotread adjusts every "
                             f"{HR_ADJUST_S[0]:g}-{HR_ADJUST_S[1]:g} s; {kept:g} s kept")
        return kept

    def incline(self, attrs: dict[str, str], where: str) -> float:
        if "inclination" not in attrs:
            return 0.0
        grade = number(attrs["inclination"])
        if grade is None:
            raise self.refuse(f"{where}.inclination", f"{attrs['inclination']!r} is not a number")
        if grade < 0:
            self.lost.append(f"{where}: inclination={attrs['inclination']} (a decline): runs level")
            return 0.0
        return round(grade, 1)

    def length(self, attrs: dict[str, str], where: str, step: Step) -> float:
        text = attrs.get("duration")
        seconds = parse_clock(text) if text is not None else 0.0
        if seconds is None:
            raise self.refuse(f"{where}.duration", f"{text!r} is not HH:MM:SS")
        distance_km = number(attrs.get("distance"))
        if seconds == 0 and distance_km and distance_km > 0:
            kmh = step.speed_kmh if step.to_speed_kmh is None else (step.speed_kmh + step.to_speed_kmh) / 2
            kmh = kmh or step.min_speed_kmh
            self.lost.append(f"{where}: distance={attrs['distance']} km: run for the time it takes at {kmh:g} km/h")
            return float(round(distance_km / kmh * 3600))
        return seconds

    def events(self, element: ET.Element, where: str) -> list[tuple[float, str]]:
        found = []
        for child in element:
            offset_s, message = number(child.get("timeoffset")), child.get("message")
            if child.tag.lower() != "textevent" or offset_s is None or message is None:
                self.lost.append(f"{where}: <{child.tag}> (not a text event with timeoffset and message)")
                continue
            found.append((offset_s, message))
        return found


def read(source: str, data: bytes) -> Imported:
    """A QZ program's bytes as an Imported workout; ImportRefused naming the file if it cannot be."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImportRefused(f"{source}: not a readable QZ program (XML: {exc})") from None
    if root.tag != "rows":
        raise ImportRefused(f"{source}: not a QZ program: its root element is <{root.tag}>, not <rows>")
    reader = _Reader(source)
    device = root.get("device")
    if device is not None and device.lower() != "treadmill":
        reader.lost.append(f"rows: device={device}: written for another machine")
    steps = reader.items(root, "rows", 0)
    notes = ["Speeds in km/h as in the file, rounded to 0.1 km/h."]
    if reader.suggested:
        notes.append("Rows without forcespeed=\"1\" only suggested their speed in QZ; here the belt runs at it.")
    name = source.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "Imported QZ program"
    return Imported(source=source, fmt=FORMAT, name=name, steps=steps, notes=notes, lost=reader.lost)
