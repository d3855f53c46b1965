"""Fixtures for the fleet tests: a real Mosquitto (tests/telemetry/mosquitto.py), a fleet
model fed by the real MQTT feed, the hand-written fleet of fleet_support.py, and UTC for the
times of day the view shows."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "telemetry"))

from fleet_support import encode, scenario  # noqa: E402
from mosquitto import Broker, wait_until  # noqa: E402


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


def publish(broker, messages) -> None:
    """Publish (topic, payload, retained) in order at QoS 1, through one connection."""
    import paho.mqtt.publish as mqtt_publish

    mqtt_publish.multiple([{"topic": t, "payload": encode(p), "qos": 1, "retain": r} for t, p, r in messages],
                          hostname="127.0.0.1", port=broker.port)


@pytest.fixture
def fed(broker, utc):
    """(model, feed): the feed subscribed to the broker, the hand-written fleet published and heard."""
    from ui.fleet.feed import MqttFeed
    from ui.fleet.model import FleetModel
    from ui.fleet_cmd import broker_for

    model = FleetModel(clock=lambda: 1_800_000_100.0)
    feed = MqttFeed(broker_for(f"mqtt://127.0.0.1:{broker.port}"), model).start()
    wait_until(lambda: feed.subscribed, what="the feed's subscription")
    messages = scenario()
    publish(broker, messages)
    wait_until(lambda: sum(model.counts.values()) == len(messages), what=f"{len(messages)} messages heard")
    yield model, feed
    feed.stop()
