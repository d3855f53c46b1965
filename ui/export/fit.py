"""FIT activity export (DESIGN.md, "Session records"), encoded with fit-tool (BSD-3-Clause).

Layout: file_id (activity); developer_data_id and two field_descriptions (`direction`,
`step_name`); a workout with one workout_step per executed step (named with the direction, so
that apps which show workout-step names on laps show it); a timer start event; one record per
second; a timer stop event; one lap per executed step; the session; the activity. Summary
messages come after the records, as the FIT activity file format allows.
"""

from __future__ import annotations

import math
import struct
import uuid
from datetime import datetime
from typing import Any, Iterable

from drivers.units import KMH_PER_MPS
from ui.export.files import replacing
from ui.export.seconds import Lap, Second, TraceSeconds, mean_moving_kmh

# Walk-to-run transition speeds, per belt direction: forward about 2.0 m/s (Hreljac 1993,
# Med Sci Sports Exerc 25(10)); backward about 1.63 m/s (REFERENCE.md). A session is `running`
# when the mean moving speed in its main direction (the one with more moving time) reaches it.
RUN_FROM_KMH = {"forward": 7.2, "reverse": 5.9}

APPLICATION_ID = uuid.uuid5(uuid.NAMESPACE_URL, "retrotread/fit-export").bytes
DIRECTION_FIELD, STEP_NAME_FIELD = 0, 1
_MIN_STRING_BYTES = 8  # "forward", "reverse", "none" and the NUL share one record definition
FIT_EPOCH_UNIX_S = 631065600
_EPS_S = 1e-6  # trace times have 3 decimals  # FIT times count from 1989-12-31 00:00 UTC
# one local message type per message kind (records with and without a heart rate apart), so
# that no definition has to be repeated between messages of one kind
_LOCAL = dict(file_id=0, developer=1, field=2, workout=3, workout_step=4, event=5,
              record_hr=6, record=7, lap=8, session=9, activity=10)


def write_fit(summary: dict[str, Any], trace: Iterable[dict[str, Any]], path) -> None:
    """Write the session as a FIT activity file; OSError if `path` cannot be written."""
    seconds = TraceSeconds(trace)
    rows = list(seconds)
    start = _start(summary)
    encoder = _Encoder()
    for message in _messages(summary, seconds, rows, start, sport_for(seconds)):
        encoder.add(message)
    data = encoder.to_bytes()
    with replacing(path, "wb") as out:
        out.write(data)


class _Encoder:
    """fit-tool's messages to FIT bytes, a definition written only when a local type changes.

    fit-tool's FitFileBuilder keeps every message object (each ~90 field objects) and derives a
    definition per message: 2.5 s and tens of MB for an hour of records. Here each message is
    encoded as it comes, and the records reuse one message object per local type."""

    def __init__(self) -> None:
        from fit_tool.definition_message import DefinitionMessage
        from fit_tool.record import Record

        self._definition_from, self._record_from = DefinitionMessage.from_data_message, Record.from_message
        self._defined: dict[int, Any] = {}  # local type -> the definition last written for it
        self._chunks: list[bytes] = []

    def add(self, message) -> None:
        definition = self._definition_from(message, min_string_size=_MIN_STRING_BYTES)
        current = self._defined.get(message.local_id)
        if current is None or (current is not definition and not current.supports(definition)):
            self._chunks.append(self._record_from(definition).to_bytes())
            self._defined[message.local_id] = current = definition
        message.set_definition_message(current)
        self._chunks.append(self._record_from(message).to_bytes())

    def to_bytes(self) -> bytes:
        from fit_tool.fit_file_header import FitFileHeader
        from fit_tool.utils.crc import crc16

        body = b"".join(self._chunks)
        header = FitFileHeader(records_size=len(body), gen_crc=True).to_bytes()
        return header + body + struct.pack("<H", crc16(body, crc=crc16(header)))


def sport_for(seconds: TraceSeconds) -> str:
    """`running` or `walking`: the rule of RUN_FROM_KMH."""
    moving = seconds.totals.moving_s
    main = "reverse" if moving["reverse"] > moving["forward"] else "forward"
    return "running" if mean_moving_kmh(seconds.totals, main) >= RUN_FROM_KMH[main] else "walking"


def _start(summary: dict[str, Any]) -> tuple[int, int]:
    """The session's start in whole seconds (FIT's resolution) as fit-tool's milliseconds, and
    its offset from UTC in seconds (for the activity's local time)."""
    started = datetime.fromisoformat(str(summary["started"]))
    if started.tzinfo is None:  # a naive time is the machine's local time
        started = started.astimezone()
    return int(started.timestamp()) * 1000, int(started.utcoffset().total_seconds())


def _messages(summary, seconds: TraceSeconds, rows: list[Second], start: tuple[int, int], sport: str):
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.profile_type import Activity, Event, EventType

    start_ms, utc_offset_s = start
    yield _file_id(start_ms)
    yield from _developer_fields()
    yield from _workout(summary, seconds.laps, sport)
    yield _timer_event(start_ms, EventType.START)
    yield from _records(rows, start_ms)
    end_ms = start_ms + rows[-1].elapsed_s * 1000
    yield _timer_event(end_ms, EventType.STOP_ALL)
    for number, lap in enumerate(seconds.laps):
        yield _lap(number, lap, start_ms, sport)
    yield _session(summary, seconds, rows, start_ms, end_ms, sport)
    activity = ActivityMessage(local_id=_LOCAL["activity"])
    activity.timestamp = end_ms
    activity.total_timer_time = seconds.end_s
    activity.num_sessions = 1
    activity.type = Activity.MANUAL
    activity.event = Event.ACTIVITY
    activity.event_type = EventType.STOP
    activity.local_timestamp = end_ms // 1000 + utc_offset_s - FIT_EPOCH_UNIX_S
    yield activity


def _file_id(start_ms: int):
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer

    message = FileIdMessage(local_id=_LOCAL["file_id"])
    message.type = FileType.ACTIVITY
    message.manufacturer = Manufacturer.DEVELOPMENT.value
    message.product = 0
    message.serial_number = 1
    message.time_created = start_ms
    return message


def _developer_fields():
    """developer_data_id and the descriptions of `direction` and `step_name` (both strings)."""
    from fit_tool.base_type import BaseType
    from fit_tool.profile.messages.developer_data_id_message import DeveloperDataIdMessage
    from fit_tool.profile.messages.field_description_message import FieldDescriptionMessage

    developer = DeveloperDataIdMessage(local_id=_LOCAL["developer"])
    developer.application_id = APPLICATION_ID
    developer.developer_data_index = 0
    developer.application_version = 1
    yield developer
    for number, name in ((DIRECTION_FIELD, "direction"), (STEP_NAME_FIELD, "step_name")):
        description = FieldDescriptionMessage(local_id=_LOCAL["field"])
        description.developer_data_index = 0
        description.field_definition_number = number
        description.fit_base_type_id = BaseType.STRING
        description.field_name = name
        yield description


def _developer_string(field_id: int, text: str):
    from fit_tool.base_type import BaseType
    from fit_tool.developer_field import DeveloperField

    name = "direction" if field_id == DIRECTION_FIELD else "step_name"
    dev = DeveloperField(developer_data_index=0, field_id=field_id, base_type=BaseType.STRING,
                         name=name, growable=True)
    dev.set_value(0, text)
    return dev


def _workout(summary, laps: list[Lap], sport: str):
    """The executed steps as a workout: apps show a lap's workout-step name beside the lap."""
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import Sport, SubSport, WorkoutStepDuration, WorkoutStepTarget

    workout = WorkoutMessage(local_id=_LOCAL["workout"])
    workout.workout_name = str(summary.get("program") or "retrotread session")
    workout.sport = Sport[sport.upper()]
    workout.sub_sport = SubSport.TREADMILL
    workout.num_valid_steps = len(laps)
    yield workout
    for number, lap in enumerate(laps):
        step = WorkoutStepMessage(local_id=_LOCAL["workout_step"])
        step.message_index = number
        step.workout_step_name = lap.label
        step.duration_type = WorkoutStepDuration.TIME
        step.duration_time = lap.planned_s if lap.planned_s is not None else lap.elapsed_s
        step.target_type = WorkoutStepTarget.OPEN
        yield step


def _timer_event(timestamp_ms: int, event_type):
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.profile_type import Event

    event = EventMessage(local_id=_LOCAL["event"])
    event.event = Event.TIMER
    event.event_type = event_type
    event.timestamp = timestamp_ms
    return event


def _records(rows: list[Second], start_ms: int):
    """One record per row; one message object per local type, its fields set again each time."""
    from fit_tool.profile.messages.record_message import RecordMessage

    messages = {}
    for row in rows:
        hr = row.heart_rate_bpm
        kind = "record" if hr is None else "record_hr"
        record = messages.get(kind)
        if record is None:
            record = messages[kind] = RecordMessage(
                developer_fields=[_developer_string(DIRECTION_FIELD, row.direction)], local_id=_LOCAL[kind])
        record.timestamp = start_ms + row.elapsed_s * 1000
        record.distance = row.distance_m
        record.speed = row.speed_kmh / KMH_PER_MPS
        record.grade = row.incline_pct
        record.developer_fields[0].set_value(0, row.direction)
        if hr is not None:
            record.heart_rate = hr
        yield record


def _lap(number: int, lap: Lap, start_ms: int, sport: str):
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.profile_type import Event, EventType, LapTrigger, Sport, SubSport

    message = LapMessage(developer_fields=[_developer_string(DIRECTION_FIELD, lap.direction or "none"),
                                           _developer_string(STEP_NAME_FIELD, lap.label)],
                         local_id=_LOCAL["lap"])
    message.message_index = number
    # FIT times are whole seconds; a record at second k holds the first tick at or after k, so
    # rounding a lap's ends up keeps each record inside the lap its tick belongs to
    message.timestamp = start_ms + math.ceil(lap.end_s - _EPS_S) * 1000
    message.start_time = start_ms + math.ceil(lap.start_s - _EPS_S) * 1000
    message.total_elapsed_time = lap.elapsed_s
    message.total_timer_time = lap.elapsed_s
    message.total_moving_time = lap.moving_s
    message.total_distance = lap.distance_m
    message.avg_speed = lap.distance_m / lap.elapsed_s if lap.elapsed_s > 0 else 0.0
    message.max_speed = lap.max_kmh / KMH_PER_MPS
    if lap.hr_count:
        message.avg_heart_rate = round(lap.hr_avg_bpm)
        message.max_heart_rate = lap.hr_max_bpm
    if lap.ticks:
        message.avg_grade = lap.incline_sum / lap.ticks
    message.event = Event.LAP
    message.event_type = EventType.STOP
    message.lap_trigger = LapTrigger.MANUAL
    message.sport = Sport[sport.upper()]
    message.sub_sport = SubSport.TREADMILL
    message.workout_step_index = number
    return message


def _session(summary, seconds: TraceSeconds, rows: list[Second], start_ms: int, end_ms: int, sport: str):
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import Event, EventType, SessionTrigger, Sport, SubSport

    laps, totals = seconds.laps, seconds.totals
    distance_m = totals.forward_m + totals.backward_m
    message = SessionMessage(local_id=_LOCAL["session"])
    message.message_index = 0
    message.timestamp = end_ms
    message.start_time = start_ms
    message.total_elapsed_time = seconds.end_s
    message.total_timer_time = seconds.end_s
    message.total_moving_time = sum(lap.moving_s for lap in laps)
    message.total_distance = distance_m
    message.avg_speed = distance_m / seconds.end_s if seconds.end_s > 0 else 0.0
    message.max_speed = max(lap.max_kmh for lap in laps) / KMH_PER_MPS
    hr_count = sum(lap.hr_count for lap in laps)
    if hr_count:
        message.avg_heart_rate = round(sum(lap.hr_sum for lap in laps) / hr_count)
        message.max_heart_rate = max(lap.hr_max_bpm for lap in laps if lap.hr_max_bpm is not None)
    kcal = (summary.get("energy") or {}).get("kcal")
    if kcal is not None:
        message.total_calories = round(kcal)
    message.first_lap_index = 0
    message.num_laps = len(laps)
    message.event = Event.SESSION
    message.event_type = EventType.STOP
    message.trigger = SessionTrigger.ACTIVITY_END
    message.sport = Sport[sport.upper()]
    message.sub_sport = SubSport.TREADMILL
    return message
