"""The broker side of telemetry: one MQTT connection per treadmill, never on the tick's path.

The control thread only puts small tuples into this connection's bounded queue (`submit`,
which never blocks; a full queue drops and counts). Everything else happens on the network
thread (hub.py, shared by all the connections of a process): JSON, paho-mqtt, the socket,
connecting, and reconnecting with backoff (1 s doubling to 30 s). Each (re)connection
publishes `online`, the Home Assistant configs and the latest state again, all retained: a
broker restarted without persistence has them back at once. Events (QoS 1) wait while there
is no connection (here before the first, in paho's queue during an outage; both bounded) and
go out, in order, once the broker has accepted the connection. The outage is reported
once when it begins and once when it ends; a refused login once, and then telemetry is off
for the session. The connection subscribes to nothing: nothing read from the network can
reach the controller.
"""

from __future__ import annotations

import queue
import secrets
import ssl
import threading
import time
from collections import deque
from typing import Callable

from ui.session.telemetry.discovery import discovery_configs
from ui.session.telemetry.hub import Hub
from ui.session.telemetry.payloads import (OFFLINE, ONLINE, event_payload, session_payload, state_payload,
                                           topic)
from ui.session.telemetry.settings import TelemetrySettings

QUEUE_ITEMS = 2048  # 200 s of state at 10 Hz: a stall this long drops, never blocks a tick
PER_ROUND = 256  # items published per round of the network thread, per connection
PAHO_QUEUED = 1000  # QoS 1 messages paho keeps while the broker is away (events, at ~1/s)
#: State messages (QoS 0, ~600 bytes) handed to paho but not yet written to the socket: beyond
#: this the broker is not reading (stalled), and only the newest state is kept, to go out later.
STATE_BACKLOG = 1000
KEEPALIVE_S = 10  # a broker that hears nothing for 1.5x this publishes the last will
RECONNECT_MIN_S, RECONNECT_MAX_S = 1.0, 30.0
CONNECT_TIMEOUT_S = 5.0
CLOSE_WAIT_S = 3.0  # at the end, how long `offline` may take to be acknowledged
LOGIN_REFUSED = (134, 135, 4, 5)  # MQTT 5 / 3.1.1 reason codes: bad user name or password, not authorized

STATE, EVENT, SESSION = "state", "event", "session"


class Publisher:
    """One treadmill's connection: `submit` from the control thread, `close` once at the end.
    `hub`: the network thread to share (the fleet simulator's); by default one of its own."""

    def __init__(self, settings: TelemetrySettings, *, t0_s: float, wall0_s: float,
                 report: Callable[[str], None] | None = None, items: int = QUEUE_ITEMS,
                 version: str = "", hub: Hub | None = None) -> None:
        self.settings = settings
        self.t0_s = t0_s
        self.wall0_s = wall0_s
        self.hub = hub or Hub(f"retrotread-telemetry-{settings.treadmill_id}")
        self._report_fn = report
        self._version = version
        self._queue: queue.Queue = queue.Queue(items)
        tid = settings.treadmill_id
        self._topics = {leaf: topic(tid, leaf) for leaf in ("status", STATE, EVENT, SESSION)}
        self._last_state: bytes | None = None
        self._state_owed = False  # the newest state was held back (a stalled broker)
        self._lock = threading.Lock()  # the counters below are read from other threads
        self._down_since: float | None = None
        self._ever_connected = False
        self._next_connect_s = 0.0
        self._retry_s = RECONNECT_MIN_S
        self._stop_asked = threading.Event()
        self._closing: str | None = None  # None, then "offline" (waiting for its ack), "disconnect"
        self._close_deadline_s = 0.0
        self._offline = None
        self.finished = False  # the hub drops a finished connection
        self._done = threading.Event()
        self.refused: str | None = None  # why the broker refused the login; telemetry is off
        self.connected = threading.Event()
        self.events_published = self.events_acked = 0
        self.events_unsent = 0  # events paho would not take (its queue full, or telemetry off)
        self.states_skipped = 0  # state messages not sent because the broker was not taking them
        self._event_mids: set[int] = set()
        self._state_mids: set[int] = set()  # sent to paho, not yet written to the socket
        self._held: deque[tuple[str, bytes]] = deque()  # events queued before a connection
        self.client = self._make_client()

    def start(self) -> "Publisher":
        self.hub.add(self)
        return self

    # ---- the control thread ---------------------------------------------------------------
    def submit(self, item: tuple) -> bool:
        """Queue (kind, ...) without blocking; False when the queue is full (the item is dropped)."""
        try:
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            return False

    def close(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Publish what is queued, then `offline` (retained), and disconnect; waits at most
        about `wait_s` plus a connect timeout, then leaves the connection to the process's end."""
        self.close_begin()
        self.close_end(wait_s)

    def close_begin(self) -> None:
        """The first half of close, which never waits: for closing many publishers at once."""
        self._stop_asked.set()

    def close_end(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """The second half: wait until the network thread has closed this connection."""
        if not self._done.wait(wait_s + CONNECT_TIMEOUT_S if self.hub.alive else 0.0):
            self.finished = True  # the hub is stuck (connecting) or gone: drop it as it is

    # ---- the network thread ---------------------------------------------------------------------
    def service(self) -> None:
        """One round: connect if due, publish what is queued, the steps of closing."""
        if self._closing is not None:
            self._step_close()
            return
        if self.client.socket() is None and self.refused is None and time.monotonic() >= self._next_connect_s:
            self._connect()
        get = self._queue.get_nowait
        try:
            for _ in range(PER_ROUND):
                self._publish_item(get())
        except queue.Empty:
            if self._stop_asked.is_set():
                self._begin_close()
        if self._state_owed:
            self._publish_state()

    def _connect(self) -> None:
        """A blocking connect (TCP, TLS, CONNECT); the broker's CONNACK comes in on_connect."""
        now_s = time.monotonic()
        self._next_connect_s = now_s + self._retry_s  # if CONNACK never comes, retry from then
        self._retry_s = min(self._retry_s * 2, RECONNECT_MAX_S)
        s = self.settings.broker
        try:
            if self._ever_connected or self._down_since is not None:
                self.client.reconnect()
            else:
                self.client.connect(s.host, s.port, keepalive=KEEPALIVE_S)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self._note_down(_why(exc))

    def _publish_item(self, item: tuple) -> None:
        kind = item[0]
        try:
            if kind == STATE:
                self._last_state = state_payload(item[1])
                self._publish_state()
                return
            payload = event_payload(item[1], self.t0_s, self.wall0_s) if kind == EVENT else \
                session_payload(item[1], item[2])
        except (ValueError, TypeError) as exc:  # an unencodable value: say so, go on
            self._report(f"telemetry: cannot publish a {kind} message: {exc}")
            return
        if self.refused is not None:
            self.events_unsent += 1
        elif not self.connected.is_set():  # nothing goes out before the broker's CONNACK
            if len(self._held) < PAHO_QUEUED:
                self._held.append((self._topics[kind], payload))
            else:
                self.events_unsent += 1
        else:
            self._publish_event(self._topics[kind], payload)

    def _publish_event(self, topic_name: str, payload: bytes) -> None:
        info = self.client.publish(topic_name, payload, qos=1)
        # 4 MQTT_ERR_NO_CONN and 7 MQTT_ERR_CONN_LOST (the write that found the broker gone): paho
        # has the QoS 1 message in its out-queue already and sends it again on reconnection
        if info.rc not in (0, 4, 7):
            self.events_unsent += 1
        else:
            with self._lock:
                self.events_published += 1
                self._event_mids.add(info.mid)

    def _publish_state(self) -> None:
        """The newest state, unless the broker is not taking them (then it is owed, for later)."""
        if self.refused is not None or not self.connected.is_set():
            return  # on_connect publishes the newest
        if len(self._state_mids) >= STATE_BACKLOG:
            self._state_owed = True
            self.states_skipped += 1
            return
        self._state_owed = False
        info = self.client.publish(self._topics[STATE], self._last_state, qos=0, retain=True)
        if info.rc == 0:
            self._state_mids.add(info.mid)

    def _begin_close(self) -> None:
        self._closing = "offline"
        self._close_deadline_s = time.monotonic() + CLOSE_WAIT_S
        if self.connected.is_set() and self.refused is None:
            if self._state_owed:
                self._publish_state()
            self._offline = self.client.publish(self._topics["status"], OFFLINE, qos=1, retain=True)

    def _step_close(self) -> None:
        """`offline` acknowledged (or the deadline passed, or no connection): disconnect; then done."""
        expired = time.monotonic() >= self._close_deadline_s
        if self._closing == "offline":
            if self._offline is None or self._offline.is_published() or expired or not self.connected.is_set():
                self._closing = "disconnect"
                self.client.disconnect()  # a clean goodbye: the broker does not publish the last will
        if self._closing == "disconnect" and (self.client.socket() is None or expired):
            self.finished = True
            self._done.set()

    def fail(self, exc: BaseException) -> None:
        """Something unforeseen broke this connection: say so once; the session goes on without it."""
        self._report(f"telemetry: stopped after an unexpected error ({type(exc).__name__}: {_why(exc)}); "
                     "the session goes on without it")
        self.refused = self.refused or "failed"
        self.finished = True
        self._done.set()
        try:  # not online any longer: say so, as a clean end would
            if self.connected.is_set():
                self.client.publish(self._topics["status"], OFFLINE, qos=1, retain=True)
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - already broken
            pass

    # ---- paho's callbacks, on the network thread ------------------------------------------------
    def _make_client(self):
        import paho.mqtt.client as mqtt

        s = self.settings
        broker = s.broker
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=f"retrotread-{s.treadmill_id}-{secrets.token_hex(3)}",
                             protocol=mqtt.MQTTv311, clean_session=True)
        client.will_set(self._topics["status"], OFFLINE, qos=1, retain=True)
        if broker.username is not None:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set(ca_certs=broker.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.max_queued_messages_set(PAHO_QUEUED)
        client.connect_timeout = CONNECT_TIMEOUT_S
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            if reason_code.value in LOGIN_REFUSED:
                self.refused = str(reason_code).lower()
                self._report(f"telemetry: the broker at {self.settings.broker.display} refused the login "
                             f"({self.refused}); no telemetry for this session, which goes on")
                client.disconnect()  # no retries: the same credentials will be refused again
            else:
                self._note_down(f"connection refused: {str(reason_code).lower()}")
            return
        client.publish(self._topics["status"], ONLINE, qos=1, retain=True)
        if self.settings.discovery:
            for config_topic, config in discovery_configs(self.settings.treadmill_id, self.settings.discovery_prefix,
                                                          self._version):
                client.publish(config_topic, config, qos=1, retain=True)
        if self._last_state is not None:
            client.publish(self._topics[STATE], self._last_state, qos=0, retain=True)
        self.connected.set()
        while self._held:  # the events of the time before this connection, in order
            self._publish_event(*self._held.popleft())
        self._retry_s = RECONNECT_MIN_S
        down_since, self._down_since = self._down_since, None
        was_connected, self._ever_connected = self._ever_connected, True
        if down_since is not None:
            verb = "reached" if not was_connected else "connected again to"
            self._report(f"telemetry: {verb} the broker at {self.settings.broker.display} after "
                         f"{time.monotonic() - down_since:.0f} s; state republished")

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connected.clear()
        self._state_mids.clear()  # paho drops unsent QoS 0 packets with the connection
        if self._closing is None and self.refused is None:
            self._note_down(f"connection lost: {str(reason_code).lower()}")

    def _on_publish(self, _client, _userdata, mid, _reason_code, _properties) -> None:
        if mid in self._event_mids:
            with self._lock:
                self._event_mids.discard(mid)
                self.events_acked += 1
        else:
            self._state_mids.discard(mid)

    def _note_down(self, why: str) -> None:
        """The outage's one line, when it begins (every retry after that is quiet)."""
        if self._down_since is not None or self._closing is not None:
            return
        self._down_since = time.monotonic()
        where = self.settings.broker.display
        if not self._ever_connected:
            self._report(f"telemetry: cannot reach the broker at {where} ({why}); the session goes on "
                         "without it, retrying in the background")
        else:
            self._report(f"telemetry: lost the broker at {where} ({why}); the session goes on, "
                         "retrying in the background")

    def _report(self, text: str) -> None:
        if self._report_fn is not None:
            self._report_fn(text)


def _why(exc: BaseException) -> str:
    """An exception as a few words, without anything of the URL (so never a password)."""
    text = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return str(text).lower()
