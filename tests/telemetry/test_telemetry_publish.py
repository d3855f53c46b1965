"""The published contract (DESIGN.md, "Telemetry and the fleet view"), heard through a real
Mosquitto: `status` retained with `offline` at the end, `state` retained at 10 Hz while the
belt moves, 1 Hz at rest and on every state change, each trace event on `event` at QoS 1,
the session summary without the person code, Home Assistant discovery retained, and no
subscription at all from the controller's side. Sessions run on a SimClock (time is stepped)."""

from __future__ import annotations

import json
import re

import pytest

from controller.interlocks import TRACE_KEYS
from mosquitto import Subscriber
from telemetry_support import WALL0_S
from ui.session.rest import MOVING_STATES
from ui.session.summary import SummarySink
from ui.session.telemetry.discovery import discovery_configs
from ui.session.telemetry.payloads import STATE_FIELDS

TID = "tm-1"
STATUS, STATE, EVENT, SESSION = (f"retrotread/{TID}/{leaf}" for leaf in ("status", "state", "event", "session"))
EXTENSIONS = {"upcoming_direction", "belt_direction"}  # docs/telemetry.md
DESIGN_FIELDS = {"ts", "state", "direction", "belt_kmh", "target_kmh", "incline_pct", "heart_rate_bpm", "program",
                 "step", "step_name", "elapsed_s", "remaining_s", "distance_forward_m", "distance_backward_m",
                 "interlocks", "stop_reason"}


class Recorder:
    """What the host hands its sinks, kept (the trace's view of the same session)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def on_event(self, event) -> None:
        self.events.append(event)

    def on_tick(self, view) -> None:
        pass

    def close(self) -> None:
        pass


async def _walk(session, broker, subscriber):
    recorder, summary = Recorder(), SummarySink(0.0)
    s = await session(broker.url, sinks=[recorder, summary])
    assert s.publisher.connected.wait(5)
    await s.run_to_end()
    await s.close()
    subscriber.wait_for(subscriber.heard(STATUS, b"offline"))
    return s, recorder, summary


async def test_status_state_and_events_follow_the_contract(session, broker, subscriber):
    s, recorder, summary = await _walk(session, broker, subscriber)
    assert [m.payload for m in subscriber.on(STATUS)] == [b"online", b"offline"]
    states = subscriber.json_on(STATE)
    assert all(set(state) == DESIGN_FIELDS | EXTENSIONS for state in states)
    assert set(STATE_FIELDS) == DESIGN_FIELDS | EXTENSIONS

    # every trace event, in order, at QoS 1, with its Unix time
    events = subscriber.json_on(EVENT)
    assert [e["event"] for e in events] == [e["event"] for e in recorder.events]
    assert all(m.qos == 1 for m in subscriber.on(EVENT))
    for published, original in zip(events, recorder.events):
        assert published["t"] == pytest.approx(original["t"] - s.host.t0_s, abs=1e-4)
        assert published["ts"] == pytest.approx(WALL0_S + published["t"], abs=1e-3)

    # a state message at the moment of every state change, then 10 Hz while moving, 1 Hz at rest
    for change in (e for e in events if e["event"] == "state"):
        assert any(st["ts"] == change["ts"] and st["state"] == change["to"] for st in states), change
    gaps = [(b["ts"] - a["ts"], a["state"]) for a, b in zip(states, states[1:])]
    moving_gaps = [gap for gap, state in gaps if state in MOVING_STATES]
    assert len(moving_gaps) > 100 and max(moving_gaps) == pytest.approx(0.1, abs=1e-6)
    assert {round(gap, 3) for gap, state in gaps if state == "idle"} <= {1.0, 0.0, 0.02, 0.04, 0.06, 0.08}

    # what a dashboard reads: the program, the step, the time left, distances as the summary counts them
    first, last = states[0], states[-1]
    assert (first["program"], first["step"], first["step_name"]) == ("Short walk", 0, "Walk")
    # the program's time left as the console and run give it (controller/duration.py): 10 s of
    # steps, the countdown, the direction change, the stop at the end; it only counts down
    assert 10.0 + 3.0 < first["remaining_s"] < 25.0
    lefts = [st["remaining_s"] for st in states]
    assert all(b <= a + 0.2 for a, b in zip(lefts, lefts[1:])) and lefts[-1] == 0.0
    assert {st["direction"] for st in states} == {"none", "forward", "reverse"}
    assert any(st["upcoming_direction"] == "reverse" and st["state"] == "reversing" for st in states)
    assert (last["state"], last["step"], last["remaining_s"]) == ("idle", None, 0.0)
    assert last["distance_forward_m"] == pytest.approx(summary.distance_m["forward"], abs=0.01)
    assert last["distance_backward_m"] == pytest.approx(summary.distance_m["reverse"], abs=0.01)
    assert last["interlocks"] == dict.fromkeys(TRACE_KEYS, True)  # as in the trace: True = OK
    assert s.reports == []


async def test_at_rest_the_state_goes_out_once_a_second(session, broker, subscriber):
    s = await session(broker.url, start=False)
    assert s.publisher.connected.wait(5)
    await s.run_for(5.0, until_rest=False)
    await s.close()
    subscriber.wait_for(subscriber.heard(STATUS, b"offline"))
    states = subscriber.json_on(STATE)
    gaps = [round(b["ts"] - a["ts"], 6) for a, b in zip(states, states[1:])]
    assert gaps[:4] == [1.0] * 4 and all(st["state"] == "idle" for st in states)


async def test_a_late_subscriber_gets_the_retained_status_state_and_discovery(session, broker, subscriber):
    await _walk(session, broker, subscriber)
    late = Subscriber(broker, topics=("retrotread/#", "homeassistant/#"))
    try:
        configs = discovery_configs(TID)
        late.wait_for(lambda ms: len(ms) >= 2 + len(configs))
        by_topic = {m.topic: m for m in late.messages}
        assert by_topic[STATUS].payload == b"offline" and by_topic[STATUS].retain
        assert json.loads(by_topic[STATE].payload)["state"] == "idle" and by_topic[STATE].retain
        for topic, payload in configs:
            assert by_topic[topic].retain and json.loads(by_topic[topic].payload) == json.loads(payload)
        assert EVENT not in by_topic  # events are not retained
    finally:
        late.close()


async def test_the_session_summary_goes_out_without_the_person_code(session, broker, subscriber):
    s = await session(broker.url)
    assert s.publisher.connected.wait(5)
    await s.run_to_end()
    summary = {"id": 7, "person": "P-0042", "program": "Short walk", "status": "completed",
               "forward": {"time_s": 6.0, "distance_m": 3.3}, "heart_rate": None}
    s.host.note({"t": s.host.clock.now_s(), "event": "session_end", "summary": summary})
    await s.run_for(0.1)
    await s.close()
    subscriber.wait_for(subscriber.heard(STATUS, b"offline"))
    [message] = subscriber.on(SESSION)
    published = json.loads(message.payload)
    assert message.qos == 1 and not message.retain
    assert "person" not in published and b"P-0042" not in b"".join(m.payload for m in subscriber.messages)
    assert {k: published[k] for k in summary if k != "person"} == {k: v for k, v in summary.items() if k != "person"}
    [end] = [e for e in subscriber.json_on(EVENT) if e["event"] == "session_end"]
    assert "summary" not in end


async def test_the_controller_side_subscribes_to_nothing(session, broker, subscriber):
    await _walk(session, broker, subscriber)
    # Mosquitto's `log_type subscribe` lines read "<time>: <client id> <qos> <topic filter>"
    subscriptions = re.findall(r"^\d+: (\S+) [012] (\S+)$", broker.log.read_text(), re.MULTILINE)
    assert [client for client, _ in subscriptions if client.startswith("test-sub-")]  # they are logged...
    connected = re.findall(r"connected from .* as (retrotread-\S+) ", broker.log.read_text())
    assert connected and not [client for client, _ in subscriptions if client.startswith("retrotread-")]
