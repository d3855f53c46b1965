"""A real Mosquitto broker for tests, and a real subscriber (paho) that records what it hears.

    broker = Broker(tmp_path).start()                    # anonymous, on a free 127.0.0.1 port
    broker = Broker(tmp_path, users={"tm": "s3cret"}).start()
    broker = Broker(tmp_path, tls=make_ca(tmp_path)).start()   # mqtts://, a CA made here
    broker = Broker(tmp_path, users={...}, acl=TEXT).start()  # an acl_file
    broker.stop(); broker.start()                        # the same port again (no persistence)

Each broker has its own config file and is stopped by its pid. Used by tests/telemetry and
tests/fleet (whose conftest puts this folder on sys.path).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

START_WAIT_S = 10.0


def wait_until(predicate, timeout_s: float = 10.0, what: str = "") -> None:
    """Poll `predicate` until it is true; AssertionError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Tls:
    ca: Path
    cert: Path
    key: Path


def make_ca(folder: Path) -> Tls:
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost (openssl CLI)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, csr = folder / "server.pem", folder / "server.key", folder / "server.csr"
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=retrotread test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return Tls(ca, cert, key)


class Broker:
    """One Mosquitto process with its own config file, on a free loopback port."""

    def __init__(self, folder: Path, *, users: dict[str, str] | None = None, tls: Tls | None = None,
                 port: int | None = None, acl: str | None = None) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.users = users
        self.acl = acl
        self.tls = tls
        self.port = port or free_port()
        self.pid: int | None = None
        self._process: subprocess.Popen | None = None
        self.config = self.folder / f"mosquitto-{self.port}.conf"
        self.log = self.folder / f"mosquitto-{self.port}.log"

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}" + (f"?ca={self.tls.ca}" if self.tls else "")

    def url_with(self, user: str, password: str | None = None) -> str:
        auth = user + (f":{password}" if password is not None else "")
        return self.url.replace("://", f"://{auth}@", 1)

    def _write_config(self) -> None:
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", f"log_dest file {self.log}",
                 "log_type error", "log_type warning", "log_type notice", "log_type information", "log_type subscribe"]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to `mosquitto`, who cannot read tmp_path
        if self.users:
            passwords = self.folder / "passwords"
            passwords.unlink(missing_ok=True)
            for user, password in self.users.items():
                subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if not passwords.exists() else []),
                                str(passwords), user, password], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if self.acl is not None:
            acl_file = self.folder / "acl"
            acl_file.write_text(self.acl)
            lines.append(f"acl_file {acl_file}")
        if self.tls:
            lines += [f"cafile {self.tls.ca}", f"certfile {self.tls.cert}", f"keyfile {self.tls.key}"]
        self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> "Broker":
        self._write_config()
        self._process = subprocess.Popen(["mosquitto", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        self.pid = self._process.pid
        deadline = time.monotonic() + START_WAIT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self._process.stderr.read().decode()} "
                                   f"{self.log.read_text() if self.log.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {START_WAIT_S} s")

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self._process.wait(5)
        self._process.stderr.close()
        self._process = None


class Message(NamedTuple):
    topic: str
    payload: bytes
    retain: bool
    qos: int


class Subscriber:
    """A paho client subscribed to `topics` (at QoS 1), recording every Message in order."""

    def __init__(self, broker: Broker, topics=("retrotread/#",), *, user: str | None = None,
                 password: str | None = None) -> None:
        import paho.mqtt.client as mqtt

        self.messages: list[Message] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-sub-{free_port()}")
        if user:
            self.client.username_pw_set(user, password)
        if broker.tls:
            self.client.tls_set(ca_certs=str(broker.tls.ca))
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.reconnect_delay_set(1, 1)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        if not self._subscribed.wait(5):
            raise RuntimeError("the test subscriber could not subscribe")

    def _on_message(self, _client, _userdata, message) -> None:
        with self._cond:
            self.messages.append(Message(message.topic, message.payload, bool(message.retain), message.qos))
            self._cond.notify_all()

    def wait_for(self, predicate, timeout_s: float = 10.0):
        """Wait until predicate(messages) is truthy; return its value (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not (result := predicate(self.messages)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not heard within {timeout_s} s; heard {len(self.messages)}: "
                                         f"{[m[0] for m in self.messages[-10:]]}")
                self._cond.wait(left)
            return result

    def on(self, topic: str) -> list[Message]:
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def json_on(self, topic: str) -> list[dict]:
        return [json.loads(m.payload) for m in self.on(topic)]

    def heard(self, topic: str, payload: bytes | None = None):
        """A predicate for wait_for: a message on `topic` (with `payload`, if given)."""
        return lambda messages: any(m.topic == topic and (payload is None or m.payload == payload)
                                    for m in messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
