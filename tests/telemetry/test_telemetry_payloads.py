"""Payloads and Home Assistant discovery, as pure functions (REFERENCE.md, "MQTT")."""

from __future__ import annotations

import json
import re

from controller.interlocks import TRACE_KEYS
from ui.session.telemetry.discovery import discovery_configs
from ui.session.telemetry.payloads import STATE_FIELDS, event_payload, session_payload, state_payload

REQUIRED = {"name", "unique_id", "state_topic", "value_template", "availability_topic", "payload_available",
            "payload_not_available", "device"}


def _state(**changes) -> tuple:
    values = dict(ts=1_800_000_000.123456, state="running", direction="reverse", upcoming_direction="reverse",
                  belt_direction="reverse", belt_kmh=1.49999, target_kmh=1.5, incline_pct=0.0, heart_rate_bpm=101.6,
                  program="P", step=2, step_name="Back", elapsed_s=12.3456, remaining_s=30.04, distance_forward_m=5.555,
                  distance_backward_m=1.0, interlocks=tuple(True for _ in TRACE_KEYS), stop_reason=None)
    values.update(changes)
    return tuple(values[name] for name in STATE_FIELDS)


def test_a_state_payload_is_json_with_the_trace_s_interlocks_and_rounded_numbers():
    record = json.loads(state_payload(_state()))
    assert list(record) == list(STATE_FIELDS)
    assert record["interlocks"] == dict.fromkeys(TRACE_KEYS, True)
    assert (record["belt_kmh"], record["heart_rate_bpm"], record["elapsed_s"], record["ts"]) == \
        (1.5, 102, 12.35, 1_800_000_000.123)
    assert json.loads(state_payload(_state(heart_rate_bpm=None, step=None, remaining_s=None)))["heart_rate_bpm"] is None


def test_an_event_payload_is_the_trace_event_plus_ts_and_never_the_person():
    event = {"t": 105.25, "event": "estop", "reason": "safety key out", "person": "P-1"}
    record = json.loads(event_payload(event, t0_s=100.0, wall0_s=1_800_000_000.0))
    assert record == {"t": 5.25, "event": "estop", "reason": "safety key out", "ts": 1_800_000_005.25}
    end = json.loads(event_payload({"t": 100.0, "event": "session_end", "summary": {"person": "P-1"}}, 100.0, 0.0))
    assert "summary" not in end and end["event"] == "session_end"
    assert "person" not in json.loads(session_payload({"id": 1, "person": "P-1"}, 5.0))


def test_discovery_configs_for_home_assistant():
    configs = discovery_configs("sim-01", version="1.2.3")
    topics = [topic for topic, _ in configs]
    assert len(set(topics)) == len(topics)
    ids = set()
    for topic, payload in configs:
        assert re.fullmatch(r"homeassistant/(sensor|binary_sensor)/retrotread_sim-01/[a-z_]+/config", topic)
        config = json.loads(payload)
        assert REQUIRED <= set(config), topic
        assert config["state_topic"] == "retrotread/sim-01/state"
        assert config["availability_topic"] == "retrotread/sim-01/status"
        assert (config["payload_available"], config["payload_not_available"]) == ("online", "offline")
        assert {"identifiers", "name", "manufacturer", "model"} <= set(config["device"])
        assert config["device"]["sw_version"] == "1.2.3"
        for field in re.findall(r"value_json\.(\w+)", config["value_template"]):
            assert field in STATE_FIELDS, (topic, field)
        ids.add(config["unique_id"])
    assert len(ids) == len(configs)
    units = {json.loads(p)["unique_id"]: json.loads(p).get("unit_of_measurement") for _, p in configs}
    assert units["retrotread_sim-01_belt_speed"] == "km/h" and units["retrotread_sim-01_heart_rate"] == "bpm"
    assert discovery_configs("sim-01", prefix="ha")[0][0].startswith("ha/sensor/")
