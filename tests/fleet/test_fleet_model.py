"""The fleet view's model, fed through a real broker by the real feed: alarms first, offline
treadmills greyed with the time they went away, alarms that stay until seen; and, as pure
functions, what it ignores."""

from __future__ import annotations

import json

from fleet_support import T0, state
from ui.fleet.model import FleetModel


def test_the_fleet_in_alarm_first_order(fed):
    model, _ = fed
    order = [t.id for t in model.treadmills()]
    # unseen alarms (e-stop, offline while running, heart rate), moving belts, at rest, offline
    assert order == ["sim-04", "sim-07", "sim-08", "sim-01", "sim-02", "sim-03", "sim-05", "sim-06"]
    by_id = {t.id: t for t in model.treadmills()}
    assert [a.kind for a in by_id["sim-04"].unseen] == ["estop"]
    assert by_id["sim-04"].unseen[0].text == "safety key removed"
    assert [a.kind for a in by_id["sim-07"].unseen] == ["offline"]
    assert [(a.kind, a.text) for a in by_id["sim-08"].unseen] == [("hr_warning", "171 bpm, limit 180")]
    assert by_id["sim-06"].online is False and by_id["sim-06"].offline_since == T0 + 5  # its last state's time
    assert not by_id["sim-06"].alarms  # at rest when it went away: nothing to look at
    assert by_id["sim-01"].state["belt_kmh"] == 3.2 and by_id["sim-01"].online


def test_alarms_stay_until_seen_and_seeing_them_reorders(fed):
    model, _ = fed
    model.acknowledge("sim-04")
    order = [t.id for t in model.treadmills()]
    assert order[:2] == ["sim-07", "sim-08"] and order[2] == "sim-04"  # still a latched stop, then
    assert model.treadmill("sim-04").alarms[0].seen


def test_the_detail_copy_has_the_history_and_the_events(fed):
    model, _ = fed
    t = model.treadmill("sim-01")
    assert len(t.history) == 400 and t.history[-1][2] == 3.2 and t.history[0][2] == 2.0
    assert [e["event"] for e in model.treadmill("sim-04").events] == ["state", "estop"]
    assert model.events_by_id["sim-04"] == 2
    assert not model.treadmills()[0].history  # tiles get light copies


def test_a_state_change_s_latency_is_measured_from_its_ts():
    model = FleetModel()
    model.ingest("retrotread/a/state", json.dumps(state(100.0, "running")).encode(), received_s=100.5)
    model.ingest("retrotread/a/state", json.dumps(state(101.0, "running")).encode(), received_s=101.5)
    model.ingest("retrotread/a/state", json.dumps(state(102.0, "stopping")).encode(), received_s=102.25)
    assert list(model.latencies_s) == [0.25]  # only changes count


def test_what_is_not_ours_is_ignored():
    model = FleetModel()
    for topic, payload in [("homeassistant/sensor/x/config", b"{}"), ("retrotread/a", b"online"),
                           ("retrotread/a/state", b"not json"), ("retrotread/a/state", b'{"no": "state"}'),
                           ("retrotread/a/command", b'{"op": "start"}'), ("retrotread//state", b"{}"),
                           ("retrotread/a/status", b"maybe"), ("retrotread/a/event", b'{"event": 3}')]:
        assert not model.ingest(topic, payload), topic
    assert model.version == 0 and model.treadmills() == []
