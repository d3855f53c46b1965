"""Topics and payloads (DESIGN.md, "Telemetry and the fleet view"): pure functions, no I/O.

    retrotread/<id>/status    online | offline (retained; the last will is offline)
    retrotread/<id>/state     JSON, retained: STATE_FIELDS
    retrotread/<id>/event     JSON, QoS 1: a trace event plus `ts`
    retrotread/<id>/session   JSON, QoS 1: the session summary, without the person code

Extensions (docs/telemetry.md): `state` also carries `upcoming_direction`, the way the belt
will run after a countdown or a direction change, and `belt_direction`, the way the belt is
measured to run (`none` at standstill): during an e-stop the command reads `none` at once
while the belt runs down, and a fleet view says which way it still goes.
"""

from __future__ import annotations

import json
from typing import Any

from controller.interlocks import TRACE_KEYS

TOPIC_ROOT = "retrotread"
ONLINE, OFFLINE = b"online", b"offline"

#: The order of a state snapshot's values (the control thread builds the tuple, the publisher
#: thread the JSON).
STATE_FIELDS = ("ts", "state", "direction", "upcoming_direction", "belt_direction", "belt_kmh", "target_kmh",
                "incline_pct", "heart_rate_bpm", "program", "step", "step_name", "elapsed_s", "remaining_s",
                "distance_forward_m", "distance_backward_m", "interlocks", "stop_reason")
#: Fields rounded for the wire: 3 decimals of km/h is 1 mm/s, and nobody reads more.
_ROUND = {"belt_kmh": 3, "target_kmh": 3, "incline_pct": 2, "elapsed_s": 2, "remaining_s": 1,
          "distance_forward_m": 2, "distance_backward_m": 2, "ts": 3}
#: Personal data never leaves the machine (DESIGN.md): stripped from what is published.
PERSONAL_KEYS = ("person",)


def topic(treadmill_id: str, leaf: str) -> str:
    return f"{TOPIC_ROOT}/{treadmill_id}/{leaf}"


def _dumps(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), default=_jsonable).encode()


def _jsonable(value: Any) -> Any:
    inner = getattr(value, "value", None)  # enums -> their value
    if inner is not None:
        return inner
    return str(value)


def state_payload(values: tuple) -> bytes:
    """The `state` JSON from a snapshot tuple in STATE_FIELDS order."""
    record = dict(zip(STATE_FIELDS, values))
    for key, places in _ROUND.items():
        if record[key] is not None:
            record[key] = round(record[key], places)
    hr = record["heart_rate_bpm"]
    if hr is not None:
        record["heart_rate_bpm"] = round(hr)
    record["interlocks"] = dict(zip(TRACE_KEYS, record["interlocks"]))
    return _dumps(record)


def event_payload(event: dict[str, Any], t0_s: float, wall0_s: float) -> bytes:
    """A trace event (times relative to the session, as in the trace) plus `ts` (Unix seconds)."""
    record = {key: value for key, value in event.items() if key not in PERSONAL_KEYS}
    t_s = record.get("t", t0_s)
    record["t"] = round(t_s - t0_s, 4)
    record["ts"] = round(wall0_s + (t_s - t0_s), 3)
    if record.get("event") == "session_end":
        record.pop("summary", None)  # it goes to the session topic
    return _dumps(record)


def session_payload(summary: dict[str, Any], ts_s: float) -> bytes:
    """The session summary without personal data, plus `ts`."""
    record = {key: value for key, value in summary.items() if key not in PERSONAL_KEYS}
    record["ts"] = round(ts_s, 3)
    return _dumps(record)
