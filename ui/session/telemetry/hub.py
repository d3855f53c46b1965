"""One network thread for any number of broker connections (one per treadmill).

`retrotread run` and the console have one connection; the fleet simulator has up to 256 in
one process. Each connection (publisher.py) keeps its own bounded queue and its paho client;
this thread does all their work, so the control thread never touches a socket, and a fleet
costs one thread rather than two per treadmill. Each round it lets every connection service
itself (connect or reconnect when due, publish what its queue holds, take the steps of its
close), then waits up to POLL_S on all their sockets at once and lets paho read and write
what is ready; twice a second it runs paho's housekeeping (keep-alive pings, QoS 1 retries).
A connect to a broker that does not answer blocks this thread up to the connect timeout;
the connections of one process share the broker, so they would all be waiting anyway.
"""

from __future__ import annotations

import select
import threading
import time

POLL_S = 0.02  # the longest a queued message waits for this thread (it is also the idle wake-up)
MISC_S = 0.5
_READ = select.POLLIN | select.POLLERR | select.POLLHUP


class Hub:
    """The thread (see the module docstring). `add` starts it; it ends when every connection
    it serves has finished closing."""

    def __init__(self, name: str = "retrotread-telemetry") -> None:
        self._connections: list = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def add(self, connection) -> None:
        with self._lock:
            self._connections.append(connection)
            if self._thread.ident is None:
                self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        next_misc_s = 0.0
        while True:
            with self._lock:
                self._connections = [c for c in self._connections if not c.finished]
                connections = list(self._connections)
                if not connections:
                    return
            for c in connections:
                _guarded(c, c.service)
            self._wait_and_transfer(connections)
            now_s = time.monotonic()
            if now_s >= next_misc_s:
                next_misc_s = now_s + MISC_S
                for c in connections:
                    _guarded(c, c.client.loop_misc)

    @staticmethod
    def _wait_and_transfer(connections) -> None:
        poller, by_fd = select.poll(), {}
        for c in connections:
            sock = c.client.socket()
            if sock is None:
                continue
            by_fd[sock.fileno()] = c
            poller.register(sock, _READ | (select.POLLOUT if c.client.want_write() else 0))
        if not by_fd:
            time.sleep(POLL_S)
            return
        for fd, ready in poller.poll(POLL_S * 1000):
            _guarded(by_fd[fd], lambda: _transfer(by_fd[fd].client, ready))


def _transfer(client, ready: int) -> None:
    if ready & _READ:
        client.loop_read()
        sock = client.socket()
        while sock is not None and getattr(sock, "pending", lambda: 0)():  # TLS: decrypted, not yet read
            client.loop_read()
            sock = client.socket()
    if ready & select.POLLOUT and client.socket() is not None:
        client.loop_write()


def _guarded(connection, work) -> None:
    """A bug in one connection ends that connection (it says so once), never the thread."""
    try:
        work()
    except Exception as exc:  # noqa: BLE001 - telemetry must not take the others down with it
        connection.fail(exc)
