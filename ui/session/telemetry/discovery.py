"""Home Assistant MQTT discovery: retained configs so a treadmill appears with no YAML.

One entity per reading, all reading the one retained `state` topic through a value template,
all unavailable when `status` says offline. Topic:
`<prefix>/<component>/retrotread_<id>/<object>/config` (REFERENCE.md, "MQTT").
"""

from __future__ import annotations

import json

from ui.session.telemetry.payloads import OFFLINE, ONLINE, topic

#: object id -> (component, name, state field or template, unit, device_class, extra)
SENSORS: tuple[tuple[str, str, str, str | None, str | None, dict], ...] = (
    ("state", "State", "state", None, None, {"icon": "mdi:treadmill"}),
    ("direction", "Direction", "direction", None, None, {"icon": "mdi:swap-vertical"}),
    ("belt_speed", "Belt speed", "belt_kmh", "km/h", "speed", {"state_class": "measurement"}),
    ("target_speed", "Target speed", "target_kmh", "km/h", "speed", {"state_class": "measurement"}),
    ("incline", "Incline", "incline_pct", "%", None, {"state_class": "measurement"}),
    ("heart_rate", "Heart rate", "heart_rate_bpm", "bpm", None,
     {"state_class": "measurement", "icon": "mdi:heart-pulse"}),
    ("step", "Step", "step_name", None, None, {}),
    ("remaining", "Time left", "remaining_s", "s", "duration", {}),
    ("distance_forward", "Distance forward", "distance_forward_m", "m", "distance",
     {"state_class": "total_increasing"}),
    ("distance_backward", "Distance backward", "distance_backward_m", "m", "distance",
     {"state_class": "total_increasing"}),
    ("stop_reason", "Stop reason", "stop_reason", None, None, {}),
)
ALARM_TEMPLATE = "{{ 'ON' if value_json.state in ['estop', 'fault'] else 'OFF' }}"


def node_id(treadmill_id: str) -> str:
    """Home Assistant allows [a-zA-Z0-9_-] here; the id is kept as it is, so that a broker ACL can
    name a treadmill's configs by its user name (docs/telemetry.md: `retrotread_%u`)."""
    return "retrotread_" + treadmill_id


def discovery_configs(treadmill_id: str, prefix: str = "homeassistant",
                      version: str = "") -> list[tuple[str, bytes]]:
    """(topic, retained JSON payload) for every entity of one treadmill."""
    node = node_id(treadmill_id)
    device = {"identifiers": [node], "name": f"Treadmill {treadmill_id}", "manufacturer": "retrotread",
              "model": "reverse treadmill controller"}
    if version:
        device["sw_version"] = version
    common = {"state_topic": topic(treadmill_id, "state"), "availability_topic": topic(treadmill_id, "status"),
              "payload_available": ONLINE.decode(), "payload_not_available": OFFLINE.decode(),
              "device": device}
    configs = []
    for object_id, name, field, unit, device_class, extra in SENSORS:
        config = {"name": name, "unique_id": f"{node}_{object_id}", "object_id": f"{node}_{object_id}",
                  "value_template": f"{{{{ value_json.{field} }}}}", **common, **extra}
        if unit is not None:
            config["unit_of_measurement"] = unit
        if device_class is not None:
            config["device_class"] = device_class
        configs.append((f"{prefix}/sensor/{node}/{object_id}/config", _dumps(config)))
    alarm = {"name": "Safety stop", "unique_id": f"{node}_alarm", "object_id": f"{node}_alarm",
             "value_template": ALARM_TEMPLATE, "device_class": "problem", **common}
    configs.append((f"{prefix}/binary_sensor/{node}/alarm/config", _dumps(alarm)))
    return configs


def _dumps(config: dict) -> bytes:
    return json.dumps(config, separators=(",", ":")).encode()
