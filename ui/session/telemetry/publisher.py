"""The broker side of telemetry: one MQTT connection per treadmill, never on the tick's path.

The control thread only puts small tuples into a bounded queue (`submit`, never blocks; a
full queue drops and counts). This module's own thread turns them into JSON and hands them
to paho-mqtt, whose network thread does every socket operation, connects, and reconnects
with backoff (1 s doubling to 30 s). Each (re)connection publishes `online`, the Home
Assistant configs and the latest state again, all retained: a broker restarted without
persistence has them back at once. Events (QoS 1) published during an outage wait in paho's
bounded queue and go out on reconnection. The outage is reported once, when it begins, and
once when it ends; a refused login once, and then telemetry is off for the session. The
connection subscribes to nothing: nothing read from the network can reach the controller.
"""

from __future__ import annotations

import queue
import secrets
import ssl
import threading
import time
from typing import Callable

from ui.session.telemetry.discovery import discovery_configs
from ui.session.telemetry.payloads import (OFFLINE, ONLINE, event_payload, session_payload, state_payload,
                                           topic)
from ui.session.telemetry.settings import TelemetrySettings

QUEUE_ITEMS = 2048  # 200 s of state at 10 Hz: a stall this long drops, never blocks a tick
PAHO_QUEUED = 1000  # QoS 1 messages paho keeps while the broker is away (events, at ~1/s)
#: State messages (QoS 0, ~600 bytes) handed to paho but not yet written to the socket: beyond
#: this the broker is not reading (stalled), and only the newest state is kept, to go out later.
STATE_BACKLOG = 1000
KEEPALIVE_S = 10  # a broker that hears nothing for 1.5x this publishes the last will
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 30
CONNECT_TIMEOUT_S = 5.0
CLOSE_WAIT_S = 3.0  # close() waits this long for the final state and `offline` to be acknowledged
LOGIN_REFUSED = (134, 135, 4, 5)  # MQTT 5 / 3.1.1 reason codes: bad user name or password, not authorized

STATE, EVENT, SESSION = "state", "event", "session"


class Publisher:
    """One treadmill's connection: `submit` from the control thread, `close` once at the end."""

    def __init__(self, settings: TelemetrySettings, *, t0_s: float, wall0_s: float,
                 report: Callable[[str], None] | None = None, items: int = QUEUE_ITEMS,
                 version: str = "") -> None:
        self.settings = settings
        self.t0_s = t0_s
        self.wall0_s = wall0_s
        self.items = items
        self._report_fn = report
        self._version = version
        self._queue: queue.Queue = queue.Queue(items)
        tid = settings.treadmill_id
        self._topics = {leaf: topic(tid, leaf) for leaf in ("status", STATE, EVENT, SESSION)}
        self._last_state: bytes | None = None
        self._lock = threading.Lock()  # the outage flags below (paho's thread and ours)
        self._down_since: float | None = None
        self._ever_connected = False
        self._closing = False
        self.refused: str | None = None  # why the broker refused the login; telemetry is off
        self.connected = threading.Event()
        self.events_published = 0
        self.events_acked = 0
        self.events_unsent = 0  # events paho would not take (its queue full, or telemetry off)
        self.states_skipped = 0  # state messages not sent because the broker was not taking them
        self._event_mids: set[int] = set()
        self._state_mids: set[int] = set()  # sent to paho, not yet written to the socket
        self._stop_asked = threading.Event()
        self._state_owed = False  # the newest state was held back (a stalled broker)
        self._client = self._make_client()
        self._thread = threading.Thread(target=self._run, name=f"retrotread-telemetry-{tid}", daemon=True)

    def start(self) -> "Publisher":
        self._thread.start()
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
        """Publish what is queued, then `offline` (retained), and disconnect; waits at most `wait_s`
        (then paho is stopped from here: a thread stuck connecting is left to its timeout)."""
        self.close_begin()
        self.close_end(wait_s)

    def close_begin(self) -> None:
        """The first half of close, which never waits: for closing many publishers at once."""
        self._stop_asked.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # the thread sees _stop_asked once it has emptied the queue

    def close_end(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """The second half: wait for the thread (it sends `offline`), else stop paho from here."""
        if self._thread.ident is not None:
            self._thread.join(wait_s)
        if self._thread.is_alive() or self._thread.ident is None:  # stuck (a connect), or never started
            self._stop_client()

    # ---- this module's thread ---------------------------------------------------------------
    def _run(self) -> None:
        self._connect_first()
        get, stop_asked = self._queue.get, self._stop_asked
        while True:
            try:
                item = get(timeout=0.25)
            except queue.Empty:
                if stop_asked.is_set():
                    break
                if self._state_owed:
                    self._publish_state()
                continue
            if item is None:
                break
            if self._state_owed:
                self._publish_state()
            try:
                self._publish_item(item)
            except (ValueError, TypeError) as exc:  # an unencodable value: say so, go on
                self._report(f"telemetry: cannot publish a {item[0]} message: {exc}")
        self._finish()

    def _publish_item(self, item: tuple) -> None:
        kind = item[0]
        if kind == STATE:
            self._last_state = state_payload(item[1])
            self._publish_state()
            return
        if kind == EVENT:
            payload = event_payload(item[1], self.t0_s, self.wall0_s)
        else:
            payload = session_payload(item[1], item[2])
        if self.refused is not None:
            self.events_unsent += 1
            return
        info = self._client.publish(self._topics[kind], payload, qos=1)
        if info.rc not in (0, 4):  # 4: MQTT_ERR_NO_CONN, kept by paho for the reconnection
            self.events_unsent += 1
        else:
            with self._lock:
                self.events_published += 1
                self._event_mids.add(info.mid)

    def _publish_state(self) -> None:
        """The newest state, unless the broker is not taking them (then it is owed, for later)."""
        with self._lock:
            backlog = len(self._state_mids)
        if self.refused is not None:
            return
        if backlog >= STATE_BACKLOG:
            self._state_owed = True
            self.states_skipped += 1
            return
        self._state_owed = False
        info = self._client.publish(self._topics[STATE], self._last_state, qos=0, retain=True)
        if info.rc == 0:
            with self._lock:
                self._state_mids.add(info.mid)

    def _connect_first(self) -> None:
        s = self.settings.broker
        try:
            self._client.connect(s.host, s.port, keepalive=KEEPALIVE_S)
        except (OSError, ssl.SSLError, ValueError) as exc:
            self._note_down(_why(exc))
        self._client.loop_start()  # paho's network thread: retries with backoff from here on

    def _finish(self) -> None:
        client = self._client
        with self._lock:
            self._closing = True
        if self.refused is None and self.connected.is_set():
            if self._state_owed:
                self._publish_state()
            last = client.publish(self._topics["status"], OFFLINE, qos=1, retain=True)
            deadline = time.monotonic() + CLOSE_WAIT_S
            while not last.is_published() and self.connected.is_set() and time.monotonic() < deadline:
                time.sleep(0.01)
        self._stop_client()

    def _stop_client(self) -> None:
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()

    # ---- paho's thread ------------------------------------------------------------------------
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
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.max_queued_messages_set(PAHO_QUEUED)
        client.connect_timeout = CONNECT_TIMEOUT_S
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
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
        with self._lock:
            down_since, self._down_since = self._down_since, None
            was_connected, self._ever_connected = self._ever_connected, True
        self.connected.set()
        if down_since is not None:
            verb = "reached" if not was_connected else "connected again to"
            self._report(f"telemetry: {verb} the broker at {self.settings.broker.display} after "
                         f"{time.monotonic() - down_since:.0f} s; state republished")

    def _on_connect_fail(self, _client, _userdata) -> None:
        self._note_down("cannot connect")

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connected.clear()
        with self._lock:
            self._state_mids.clear()  # paho drops unsent QoS 0 packets with the connection
        if not self._closing and self.refused is None:
            self._note_down(f"connection lost: {str(reason_code).lower()}")

    def _on_publish(self, _client, _userdata, mid, _reason_code, _properties) -> None:
        with self._lock:
            if mid in self._event_mids:
                self._event_mids.discard(mid)
                self.events_acked += 1
            else:
                self._state_mids.discard(mid)

    def _note_down(self, why: str) -> None:
        """The outage's one line, when it begins (every retry after that is quiet)."""
        with self._lock:
            if self._down_since is not None or self._closing:
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

