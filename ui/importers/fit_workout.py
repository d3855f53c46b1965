"""FIT workout files (Garmin's FIT SDK, "Workout" file type 5): a `workout` message (name,
sport) and `workout_step` messages in `message_index` order, decoded with fit-tool (already
a runtime dependency, for the FIT export).

    duration_type time / distance        the step's length (a distance runs at its speed)
    target_type speed, custom low/high   the middle of the range (m/s -> km/h)
    target_type heart_rate, custom bpm   with a secondary speed range: an HR-guided step
    repeat_until_steps_cmplt             a block: steps duration_step..here, target repeat_steps times
    wkt_step_name, notes                 the step's name and cue

Open steps (ended with the lap button), speed zones (the watch's own table), power, cadence,
heart rate without a speed range, conditional repeats and the like are listed as not carried
over; a step without a speed is left out.
"""

from __future__ import annotations

from drivers.units import KMH_PER_MPS
from ui.importers.model import Block, Imported, ImportRefused, Step, clean_cue, round_kmh

FORMAT = "FIT workout (a Garmin FIT workout file)"
WORKOUT_FILE = 5  # file_id.type
INTENSITY_NAMES = {0: "Active", 1: "Rest", 2: "Warm-up", 3: "Cool-down", 4: "Recovery", 5: "Interval", 6: "Other"}
DURATION = {"time": 0, "distance": 1, "open": 5, "repeat_steps": 6}
DURATION_WORDS = {2: "until the heart rate falls below a value", 3: "until the heart rate rises above a value",
                  4: "until a number of calories", 5: "open (ended with the lap button)",
                  14: "until the power falls below a value", 15: "until the power rises above a value"}
REPEATS = {6: "a number of times", 7: "until a time", 8: "until a distance", 9: "until a number of calories",
           10: "until the heart rate falls below a value", 11: "until the heart rate rises above a value",
           12: "until the power falls below a value", 13: "until the power rises above a value",
           17: "until the last lap's power falls below a value",
           18: "until the last lap's maximum power falls below a value", 27: "until a TSS"}
TARGET = {"speed": 0, "heart_rate": 1, "open": 2}
TARGET_WORDS = {2: "no target (open)", 3: "a cadence target", 4: "a power target", 5: "a grade target",
                6: "a resistance target", 11: "a swim stroke"}
HR_OFFSET = 100  # custom heart-rate targets above 100 are bpm + 100; up to 100, % of the maximum
SPORTS_ON_FOOT = {0, 1, 11}  # generic, running, walking


def _decode(source: str, data: bytes):
    from fit_tool.fit_file import FitFile

    try:
        return FitFile.from_bytes(data)
    except Exception as exc:  # fit-tool raises several kinds on a garbled file: any is one line
        raise ImportRefused(f"{source}: not a readable FIT file ({exc})") from None


def _messages(source: str, data: bytes):
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage

    file_id = workout = None
    steps = []
    for record in _decode(source, data).records:
        message = record.message
        if isinstance(message, FileIdMessage):
            file_id = message
        elif isinstance(message, WorkoutMessage):
            workout = message
        elif isinstance(message, WorkoutStepMessage):
            steps.append(message)
    kind = None if file_id is None else _value(file_id.type)
    if kind != WORKOUT_FILE:
        raise ImportRefused(f"{source}: a FIT file of type {kind}, not a workout (type {WORKOUT_FILE})")
    if not steps:
        raise ImportRefused(f"{source}: a FIT workout without workout_step messages")
    return workout, sorted(steps, key=lambda m: m.message_index if m.message_index is not None else 0)


def _value(field) -> int | None:
    return None if field is None else int(getattr(field, "value", field))


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lost: list[str] = []
        self.ranges = False  # some speed range ran at its middle

    def step(self, message, where: str) -> Step | None:
        name = " ".join((message.workout_step_name or "").split()) or \
            INTENSITY_NAMES.get(_value(message.intensity), f"Step {message.message_index}")
        speed = self.target(message, where)
        if speed is None:
            return None
        step = Step(name, 0.0, origin=where, **speed)
        step.duration_s = self.length(message, where, step)
        if not step.duration_s:
            return None
        step.cue = clean_cue(message.notes or "", where, self.lost)
        return step

    def target(self, message, where: str) -> dict | None:
        kind = _value(message.target_type)
        if kind == TARGET["speed"]:
            return self.speed(message, where)
        if kind == TARGET["heart_rate"]:
            return self.heart_rate(message, where)
        self.lost.append(f"{where}: {TARGET_WORDS.get(kind, f'target type {kind}')}; left out (no speed)")
        return None

    def speed(self, message, where: str) -> dict | None:
        zone = message.target_value
        if zone:
            self.lost.append(f"{where}: speed zone {zone} (the watch's own zone table); left out (no speed)")
            return None
        low, high = message.custom_target_speed_low, message.custom_target_speed_high
        known = [mps for mps in (low, high) if mps]
        if not known:
            self.lost.append(f"{where}: a speed target without values; left out")
            return None
        self.ranges |= len(known) == 2 and low != high
        return {"speed_kmh": round_kmh(sum(known) / len(known) * KMH_PER_MPS)}

    def heart_rate(self, message, where: str) -> dict | None:
        low, high = message.custom_target_heart_rate_low, message.custom_target_heart_rate_high
        bpm = [value - HR_OFFSET for value in (low, high) if value and value > HR_OFFSET]
        second = _value(message.secondary_target_type)
        speeds = [mps for mps in (message.secondary_custom_target_speed_low,
                                  message.secondary_custom_target_speed_high) if mps] if second == TARGET["speed"] else []
        if message.target_value or len(bpm) != 2 or len(speeds) != 2:
            why = f"heart-rate zone {message.target_value}" if message.target_value else \
                "a heart-rate target as % of the maximum" if low and low <= HR_OFFSET else "a heart-rate target"
            self.lost.append(f"{where}: {why} without a speed range; left out (no speed)")
            return None
        return {"target_hr_bpm": round(sum(bpm) / 2), "min_speed_kmh": round_kmh(min(speeds) * KMH_PER_MPS),
                "max_speed_kmh": round_kmh(max(speeds) * KMH_PER_MPS)}

    def length(self, message, where: str, step: Step) -> float:
        kind = _value(message.duration_type)
        if kind == DURATION["time"] and message.duration_time:
            return float(round(message.duration_time))
        if kind == DURATION["distance"] and message.duration_distance:
            kmh = step.speed_kmh or step.min_speed_kmh
            self.lost.append(f"{where}: {message.duration_distance:g} m: run for the time it takes at {kmh:g} km/h")
            return float(round(message.duration_distance / (kmh / KMH_PER_MPS)))
        self.lost.append(f"{where}: {DURATION_WORDS.get(kind, f'duration type {kind}')}; left out (no fixed length)")
        return 0.0


def _repeat(reader: _Reader, message, where: str, done: list[tuple[int, Step | Block]]) -> None:
    """Wrap the steps from duration_step up to here into a block, in place."""
    first = message.duration_step
    kind = _value(message.duration_type)
    times = message.target_repeat_steps if kind == DURATION["repeat_steps"] else 1
    if kind != DURATION["repeat_steps"]:
        reader.lost.append(f"{where}: a repeat {REPEATS[kind]}; its steps run once")
    if first is None or times is None or times < 1:
        raise ImportRefused(f"{reader.source}: {where}: a repeat without a first step or a count")
    inner = [item for index, item in done if index >= first]
    if not inner:
        reader.lost.append(f"{where}: repeats steps of which none was carried over; left out")
        return
    kept = [(index, item) for index, item in done if index < first]
    done[:] = kept + [(first, Block(f"Repeat steps {first}-{message.message_index - 1}", int(times), inner, origin=where))]


def read(source: str, data: bytes) -> Imported:
    """A FIT workout's bytes as an Imported workout; ImportRefused naming the file if it cannot be."""
    workout, messages = _messages(source, data)
    reader = _Reader(source)
    done: list[tuple[int, Step | Block]] = []
    for message in messages:
        index = message.message_index if message.message_index is not None else len(done)
        where = f"workout_step {index}"
        if _value(message.duration_type) in REPEATS:
            _repeat(reader, message, where, done)
            continue
        step = reader.step(message, where)
        if step is not None:
            done.append((index, step))
    sport = _value(getattr(workout, "sport", None))
    if sport is not None and sport not in SPORTS_ON_FOOT:
        reader.lost.append(f"workout: sport {sport} (not running or walking)")
    notes = ["Speeds: the file's m/s in km/h, rounded to 0.1 km/h."]
    if reader.ranges:
        notes.append("A speed range runs at its middle.")
    name = " ".join(((workout.workout_name if workout is not None else None) or "").split())
    return Imported(source=source, fmt=FORMAT, name=name or source.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                    steps=[item for _, item in done], notes=notes, lost=reader.lost,
                    description=getattr(workout, "workout_description", None) if workout is not None else None)
