"""Pseudo-terminal pairs (socat) and a served simulated Biodex, for every serial test.

Other test modules import `socat_pty_pair`, `served_biodex` and `biodex_url` from here (the
tests directory is on sys.path under pytest). Ptys here reject parity: 8N1 only.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from sim.server_serial import BiodexDevice, SerialSimServer
from sim.world import SimWorld
from sim import ptys


requires_socat = pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat")


def socat_pty_pair(directory: Path):
    """Two linked ptys, `directory/ttyV0` <-> `directory/ttyV1`; socat is killed at the end."""
    return ptys.pty_pair(directory, "ttyV")


def biodex_url(host: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"protocol": "biodex", **params}.items())
    return f"serial://{host}?{query}"


@contextlib.contextmanager
def served_biodex(directory: Path, world: SimWorld | None = None,
                  device: BiodexDevice | None = None) -> Iterator[tuple[str, SerialSimServer]]:
    """A SimWorld served as a Biodex on one end of a pty pair; yields (host pty, server)."""
    world = world if world is not None else SimWorld()
    with socat_pty_pair(directory) as (host, device_path):
        server = SerialSimServer(world, device_path)
        if device is not None:
            server.biodex = device
        with server:
            assert server.ready.wait(5.0), "the served device did not open"
            yield host, server


@requires_socat
def test_a_pty_pair_carries_bytes_both_ways_8n1(tmp_path):
    with socat_pty_pair(tmp_path) as (a, b):
        with serial.Serial(a, 9600, timeout=1) as left, serial.Serial(b, 9600, timeout=1) as right:
            left.write(b"\x82123")
            assert right.read(4) == b"\x82123"
            right.write(b"\x82")
            assert left.read(1) == b"\x82"


@requires_socat
def test_the_served_device_answers_who_are_you(tmp_path):
    with served_biodex(tmp_path) as (host, _server):
        with serial.Serial(host, 9600, timeout=1) as port:
            port.write(b"\x9f")
            assert port.read(2) == b"\x964"
