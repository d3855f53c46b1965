"""Telemetry against brokers as a site runs them, and as they fail: user and password, TLS
with a CA made here, a wrong password, a wrong CA, a broker that is not there at the start,
one stopped and restarted mid-run, one that accepts and never answers. In every case the
session runs to its end, the outage is one line, and no password appears anywhere."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from mosquitto import Broker, Subscriber, free_port, make_ca, wait_until
from ui.session.telemetry import publisher

TID = "tm-1"
STATUS, STATE, EVENT = (f"retrotread/{TID}/{leaf}" for leaf in ("status", "state", "event"))
PASSWORD = "pw-of-tm-1"


@pytest.fixture
def secured(tmp_path):
    b = Broker(tmp_path / "secured", users={TID: PASSWORD, "viewer": "pw-of-viewer"}).start()
    yield b
    b.stop()


async def test_user_and_password(session, secured):
    viewer = Subscriber(secured, user="viewer", password="pw-of-viewer")
    try:
        s = await session(secured.url_with(TID, PASSWORD))
        assert s.publisher.connected.wait(5)
        await s.run_to_end()
        await s.close()
        viewer.wait_for(viewer.heard(STATUS, b"offline"))
        assert viewer.json_on(STATE)[-1]["state"] == "idle" and s.reports == []
        assert s.host.controller.program_complete
    finally:
        viewer.close()


async def test_a_wrong_password_is_one_line_and_the_session_goes_on(session, secured):
    viewer = Subscriber(secured, user="viewer", password="pw-of-viewer")
    try:
        s = await session(secured.url_with(TID, "not-the-password"))
        wait_until(lambda: s.publisher.refused is not None, what="the broker's refusal")
        await s.run_to_end()
        await s.close()
        assert s.host.controller.program_complete
        [line] = s.reports
        assert "refused the login" in line and "not authorised" in line.replace("authorized", "authorised")
        assert "not-the-password" not in line and f"{TID}:***@127.0.0.1" in line
        assert not [m for m in viewer.messages if m.topic.startswith("retrotread/")]
    finally:
        viewer.close()


async def test_tls_with_a_ca_made_here_and_an_independent_mosquitto_sub(session, tmp_path):
    tls = make_ca(tmp_path / "ca")
    broker = Broker(tmp_path / "tls", tls=tls).start()
    try:
        s = await session(broker.url)
        assert s.publisher.connected.wait(5) and broker.url.startswith("mqtts://")
        await s.run_to_end()
        await s.close()
        # mosquitto_sub, not our code, reads back the retained messages over TLS
        out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "--cafile", str(tls.ca),
                              "-t", STATUS, "-t", STATE, "-v", "-C", "2", "-W", "10"],
                             capture_output=True, text=True, timeout=20)
        lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
        assert lines[STATUS] == "offline" and json.loads(lines[STATE])["state"] == "idle", out
        assert s.reports == []
    finally:
        broker.stop()


async def test_a_broker_whose_certificate_does_not_verify_is_one_line(session, tmp_path):
    broker = Broker(tmp_path / "tls", tls=make_ca(tmp_path / "ca")).start()
    try:
        other = make_ca(tmp_path / "other-ca")
        s = await session(f"mqtts://127.0.0.1:{broker.port}?ca={other.ca}")
        wait_until(lambda: s.reports, what="the outage line")
        await s.run_to_end()
        await s.close()
        assert s.host.controller.program_complete
        [line] = s.reports
        assert "cannot reach the broker" in line and "certificate verify failed" in line
    finally:
        broker.stop()


async def test_no_broker_at_the_start_then_one_appears(session, tmp_path):
    port = free_port()
    s = await session(f"mqtt://127.0.0.1:{port}")
    wait_until(lambda: s.reports, what="the warning")
    assert "cannot reach the broker at mqtt://127.0.0.1" in s.reports[0] and "goes on" in s.reports[0]
    await s.run_for(3.0)  # the session goes on without it
    broker = Broker(tmp_path / "late", port=port).start()
    try:
        sub = Subscriber(broker)
        wait_until(s.publisher.connected.is_set, what="the reconnection (backoff from 1 s)")
        sub.wait_for(sub.heard(STATE))  # the retained state, republished on connection
        await s.run_to_end()
        await s.close()
        sub.wait_for(sub.heard(STATUS, b"offline"))
        assert s.host.controller.program_complete
        assert len(s.reports) == 2 and "reached the broker" in s.reports[1] and "republished" in s.reports[1]
        sub.close()
    finally:
        broker.stop()


async def test_the_broker_stopped_and_restarted_mid_run(session, broker, subscriber):
    s = await session(broker.url)
    assert s.publisher.connected.wait(5)
    await s.run_for(3.0)
    assert s.host.view.state == "running"
    subscriber.close()
    broker.stop()  # no persistence: every retained message is gone with it
    wait_until(lambda: s.reports, what="the outage line")
    await s.run_for(4.0)  # a step change and a direction change while the broker is away
    time.sleep(3.5)  # several reconnection attempts fail meanwhile (1 s, then 2 s)
    assert s.host.view.state in ("reversing", "running")
    broker.start()
    late = Subscriber(broker, topics=("retrotread/#", "homeassistant/#"))
    try:
        wait_until(s.publisher.connected.is_set, timeout_s=20, what="the reconnection")
        late.wait_for(late.heard(STATE))
        late.wait_for(late.heard(STATUS, b"online"))
        late.wait_for(lambda ms: any(m.topic.startswith("homeassistant/") for m in ms))
        await s.run_to_end()
        await s.close()
        late.wait_for(late.heard(STATUS, b"offline"))
        assert s.host.controller.program_complete
        assert len(s.reports) == 2, s.reports  # the outage once, however many retries, and its end
        assert "lost the broker" in s.reports[0] and "connected again" in s.reports[1]
        # the events of the outage waited in paho's queue: every event was acknowledged by the broker
        p = s.publisher
        assert p.events_published == s.sink.events_submitted and p.events_acked == p.events_published
        assert p.events_unsent == 0
    finally:
        late.close()


async def test_a_broker_that_never_answers_costs_the_session_nothing(session, monkeypatch):
    """A listener whose accept queue is full: connecting hangs until the connect timeout, the
    publisher's thread with it; the tiny queue overflows and the loss is one line at the end."""
    monkeypatch.setattr(publisher, "CONNECT_TIMEOUT_S", 1.5)
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(0)
    filler = socket.create_connection(hole.getsockname(), timeout=1)
    try:
        s = await session(f"mqtt://127.0.0.1:{hole.getsockname()[1]}", items=8)
        await s.run_to_end()  # 20 s of session in a fraction of a second, while the publisher hangs
        assert s.host.controller.program_complete
        await s.close()
        assert s.sink.states_dropped > 0
        lost = [line for line in s.reports if "dropped" in line]
        assert len(lost) == 1 and "queue was full" in lost[0]
        assert any("cannot reach the broker" in line for line in s.reports)
    finally:
        filler.close()
        hole.close()


def _documented_acl() -> str:
    text = (Path(__file__).resolve().parents[2] / "docs" / "telemetry.md").read_text()
    block = text.split("<!-- acl")[1].split("<!-- /acl -->")[0]
    return block.split("```")[1].lstrip("\n")


async def test_the_documented_acl_lets_a_treadmill_write_only_its_own_topics(session, tmp_path):
    """docs/telemetry.md's ACL on a real broker: everything a treadmill publishes passes, what it
    might publish for another treadmill does not, and the readers cannot write."""
    import paho.mqtt.client as mqtt

    users = {"tm-1": "pw-1", "fleet": "pw-f", "homeassistant": "pw-h"}
    broker = Broker(tmp_path / "acl", users=users, acl=_documented_acl()).start()
    reader = Subscriber(broker, topics=("retrotread/#", "homeassistant/#"), user="homeassistant", password="pw-h")
    try:
        s = await session(broker.url_with("tm-1", "pw-1"))
        assert s.publisher.connected.wait(5)
        await s.run_to_end()
        await s.close()
        reader.wait_for(reader.heard(STATUS, b"offline"))
        heard = {m.topic.split("/")[0] + "/" + m.topic.split("/")[-1] for m in reader.messages}
        assert {"retrotread/status", "retrotread/state", "retrotread/event", "homeassistant/config"} <= heard

        def publish_as(user: str, topic_name: str, payload: bytes) -> None:
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"acl-{user}")
            client.username_pw_set(user, users[user])
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
            client.publish(topic_name, payload, qos=1, retain=True).wait_for_publish(5)  # the broker's PUBACK
            client.disconnect()
            client.loop_stop()

        publish_as("tm-1", "retrotread/tm-2/status", b"online")  # not its own
        publish_as("fleet", STATUS, b"online")  # a reader
        late = Subscriber(broker, topics=("retrotread/tm-2/status", STATUS), user="fleet", password="pw-f")
        try:  # retained messages come in the order of the filters: tm-2's (if any) before tm-1's
            late.wait_for(late.heard(STATUS))
            assert [(m.topic, m.payload) for m in late.messages] == [(STATUS, b"offline")]
        finally:
            late.close()
    finally:
        reader.close()
        broker.stop()


async def test_a_message_that_breaks_the_publisher_ends_telemetry_not_the_session(session, broker, subscriber):
    """Something unforeseen (here an event value whose text cannot be made) ends that
    connection with one line and `offline`; the session runs to its end."""

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    s = await session(broker.url)
    assert s.publisher.connected.wait(5)
    s.host.note({"t": s.host.clock.now_s(), "event": "odd", "value": Unprintable()})
    await s.run_to_end()
    await s.close()
    assert s.host.controller.program_complete
    [line] = s.reports
    assert "telemetry: stopped after an unexpected error (RuntimeError: no text)" in line
    subscriber.wait_for(subscriber.heard(STATUS, b"offline"))
