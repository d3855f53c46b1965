"""The injection vocabulary: parsing `EVENT@SECONDS`, the schedule, and world injection."""

from __future__ import annotations

import math

import pytest

from controller.commands import INJECTED_OPS
from sim.faults import (EVENT_NAMES, OPERATOR_EVENTS, WORLD_EVENTS, Injection, InjectionSchedule,
                        parse_injection)
from sim.world import SimWorld


@pytest.mark.parametrize("text, expected", [
    ("fall@30", Injection(30.0, "fall")),
    ("key-out@0", Injection(0.0, "key-out")),
    ("comms-loss@12.5", Injection(12.5, "comms-loss")),
    ("hr:150@12.5", Injection(12.5, "hr", 150.0)),
    ("hr:20@1", Injection(1.0, "hr", 20.0)),
    ("hr:250@1", Injection(1.0, "hr", 250.0)),
    ("hr:72.5@1e2", Injection(100.0, "hr", 72.5)),
    ("  op-estop@90 ", Injection(90.0, "op-estop")),
    ("start@0.0", Injection(0.0, "start")),
])
def test_parse_injection_accepts(text, expected):
    assert parse_injection(text) == expected


@pytest.mark.parametrize("text, says", [
    ("fall", "expected EVENT@SECONDS"),
    ("", "expected EVENT@SECONDS"),
    ("jump@3", "unknown event 'jump'"),
    ("@3", "unknown event ''"),
    ("Fall@3", "unknown event 'Fall'"),
    ("fall@", "is not a number"),
    ("fall@soon", "is not a number"),
    ("fall@30s", "is not a number"),
    ("fall@-1", "finite number of seconds >= 0"),
    ("fall@nan", "finite number of seconds >= 0"),
    ("fall@inf", "finite number of seconds >= 0"),
    ("hr@10", "needs a value"),
    ("hr:@10", "is not a number"),
    ("hr:fast@10", "is not a number"),
    ("hr:19@10", "outside 20-250 BPM"),
    ("hr:251@10", "outside 20-250 BPM"),
    ("hr:nan@10", "outside 20-250 BPM"),
])
def test_parse_injection_refuses_with_one_line(text, says):
    with pytest.raises(ValueError) as info:
        parse_injection(text)
    message = str(info.value)
    assert says in message
    assert repr(text) in message  # names what was given
    assert "\n" not in message


def test_every_event_parses_and_knows_whether_it_is_the_operators():
    for event in WORLD_EVENTS:
        assert not parse_injection(f"{event}@1").is_operator
    for event in OPERATOR_EVENTS:
        assert parse_injection(f"{event}@1").is_operator
    assert not parse_injection("hr:80@1").is_operator


def test_the_vocabulary_is_written_once():
    # operator events are the controller's list; the whole vocabulary names each event once
    assert OPERATOR_EVENTS == tuple(INJECTED_OPS)
    assert len(set(EVENT_NAMES)) == len(EVENT_NAMES) == len(WORLD_EVENTS) + len(OPERATOR_EVENTS) + 1
    assert "hr:BPM" in EVENT_NAMES


def test_injection_prints_back_as_it_is_written():
    assert str(parse_injection("hr:150@12.5")) == "hr:150@12.5"
    assert str(parse_injection("fall@30")) == "fall@30"


def test_schedule_hands_out_in_time_order_stable_for_equal_times():
    schedule = InjectionSchedule.parse(["key-in@5", "fall@2", "key-out@5", "reset@5", "hr:90@0"])
    assert schedule.remaining == 5
    assert schedule.next_time_s == 0.0
    assert schedule.due(-1.0) == []
    assert [i.event for i in schedule.due(0.0)] == ["hr"]
    assert schedule.due(1.99) == []
    assert [i.event for i in schedule.due(4.999)] == ["fall"]
    assert schedule.remaining == 3
    assert [i.event for i in schedule.due(100.0)] == ["key-in", "key-out", "reset"]
    assert schedule.remaining == 0 and schedule.next_time_s is None
    assert schedule.due(1e9) == []


def test_schedule_parse_refuses_the_first_bad_text():
    with pytest.raises(ValueError, match="'jump@3'"):
        InjectionSchedule.parse(["fall@1", "jump@3"])


def test_world_events_act_on_the_world():
    world = SimWorld()
    world.inject("key-out")
    assert not world.status().safety_key
    world.inject("key-in")
    assert world.status().safety_key
    world.inject("harness-off")
    assert world.status().fall_stop is False
    world.inject("harness-on")
    assert world.status().fall_stop is True
    world.inject("comms-loss")
    assert not world.comms_ok
    world.inject("comms-restore")
    assert world.comms_ok
    world.inject("hr-loss")
    assert world.status().heart_rate_bpm is None
    world.inject("hr-restore")
    assert world.status().heart_rate_bpm == 68.0  # the heart at rest (average fitness)
    world.inject("hr", 142.0)
    assert world.status().heart_rate_bpm == 142.0
    world.inject("hr:95")
    assert world.status().heart_rate_bpm == 95.0


@pytest.mark.parametrize("event, value, says", [
    ("jump", None, "unknown world event 'jump'"),
    ("op-stop", None, "operator event"),
    ("hr", None, "needs a heart rate"),
    ("hr", 300.0, "outside 20-250"),
    ("hr", math.nan, "outside 20-250"),
])
def test_world_refuses_what_it_does_not_know(event, value, says):
    with pytest.raises(ValueError, match=says):
        SimWorld().inject(event, value)
