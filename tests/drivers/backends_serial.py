"""The contract suite's `serial-biodex` backend: serial://...?protocol=biodex over a socat pty
pair (8N1), against the simulator served as a Biodex RTM 400 (sim/server_serial.py).

The driver reads the simulator's fall-stop extension (`fall_stop=ext`); a real RTM 400
reports no fall-stop (docs/drives.md). Faults reset on the unit's stop command, which the
driver sends on every stopped write; the unit brings its own 0.5 s watchdog.
"""

from __future__ import annotations

import contextlib
import shutil

import pytest

from drive_backends import Backend, register_backend
from drivers import open_drive
from sim.world import SimWorld


@register_backend("serial-biodex")
@contextlib.asynccontextmanager
async def serial_biodex_backend(tmp_path):
    if shutil.which("socat") is None:
        pytest.skip("needs socat for a pty pair")
    from test_serial_pty import biodex_url, served_biodex

    world = SimWorld(comm_loss_timeout_s=0.5)
    with served_biodex(tmp_path, world) as (host, server):
        drive = open_drive(biodex_url(host, fall_stop="ext"))
        await drive.open()

        def observe():
            with server.lock:
                world.advance_to(server.now_s())
                return world.status()

        try:
            yield Backend("serial-biodex", drive, server.inject, world=world, observe=observe)
        finally:
            await drive.close()  # never raises
