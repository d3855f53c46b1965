"""The fleet view's MQTT subscriber: every treadmill's status, state, events and sessions into
the model, on paho's network thread. Read-only: it publishes nothing and has no last will.
It reconnects with backoff (1 s doubling to 30 s) and subscribes again each time; what the
broker says about the connection goes to the model's header line."""

from __future__ import annotations

import secrets
import ssl
import time

from ui.fleet.model import FleetModel
from ui.session.telemetry.url import BrokerUrl

TOPICS = [(f"retrotread/+/{leaf}", 1) for leaf in ("status", "state", "event", "session")]
KEEPALIVE_S = 10


class MqttFeed:
    """Subscribes for `model` (see the module docstring); `start()`, then `stop()` at the end."""

    def __init__(self, broker: BrokerUrl, model: FleetModel) -> None:
        import paho.mqtt.client as mqtt

        self.broker = broker
        self.model = model
        self.subscribed = False
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"retrotread-fleet-{secrets.token_hex(3)}",
                             protocol=mqtt.MQTTv311, clean_session=True)
        if broker.username is not None:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set(ca_certs=broker.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_connect_fail = lambda *_: self._down("cannot connect")
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client
        self._stopping = False

    def start(self) -> "MqttFeed":
        self.model.set_broker(f"connecting to {self.broker.display}")
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self.model.set_broker(f"{self.broker.display} refused the connection: {str(reason_code).lower()}")
            if reason_code.value in (4, 5, 134, 135):
                client.disconnect()  # the same credentials will be refused again
            return
        client.subscribe(TOPICS)

    def _on_subscribe(self, *_args) -> None:
        self.subscribed = True
        self.model.set_broker(f"connected to {self.broker.display}")

    def _on_disconnect(self, *_args) -> None:
        self.subscribed = False
        if not self._stopping:
            self._down("connection lost")

    def _down(self, why: str) -> None:
        if self._stopping or self.model.broker.startswith("no broker") or "refused" in self.model.broker:
            return  # one line per outage, with the time it began
        since = time.strftime("%H:%M:%S", time.localtime(self.model.clock()))
        self.model.set_broker(f"no broker at {self.broker.display} ({why}) since {since}; retrying")

    def _on_message(self, _client, _userdata, message) -> None:
        self.model.ingest(message.topic, message.payload, time.time())
