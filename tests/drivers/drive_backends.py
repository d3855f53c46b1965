"""The registry of driver backends that the contract suite (test_contract.py) runs against.

A backend factory is an async context manager `factory(tmp_path)` that yields a `Backend`:
an opened Drive plus `inject(event, value=None)`, which changes the simulated world behind
the drive (fall, key-out, harness-off, drive-fault, comms-loss, ...). Register one with

    @register_backend("serial-biodex")
    @contextlib.asynccontextmanager
    async def serial_biodex(tmp_path): ... yield Backend(...)

in a module named `backends_<something>.py` in this directory: conftest.py imports every such
module, so a new transport adds a file and the whole suite runs against it. A protocol that
cannot do something (no fault code, no fall-stop input) says so in `Backend.lacks`, and the
tests that need it are skipped for that backend.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from controller.clock import MonotonicClock
from drivers.base import Drive
from drivers.site import DriveSite
from sim.drive import SimDrive
from sim.world import SimWorld

BACKENDS: dict[str, Callable] = {}

#: Features a test may need; a backend lists the ones its protocol lacks.
FEATURES = ("reverse", "fault_code", "fall_stop", "fault_reset", "comms_loss", "drive_watchdog")


@dataclass
class Backend:
    """An opened drive with the world behind it."""

    name: str
    drive: Drive
    inject_fn: Callable[[str, float | None], object]
    lacks: frozenset[str] = field(default_factory=frozenset)
    world: SimWorld | None = None  # when the world lives in this process
    observe: Callable[[], object] | None = None  # the world's status now, without the drive

    async def inject(self, event: str, value: float | None = None) -> None:
        result = self.inject_fn(event, value)
        if inspect.isawaitable(result):
            await result


def register_backend(name: str):
    """Decorator: add a backend factory under `name` (the pytest parameter id)."""
    def decorate(factory):
        if name in BACKENDS:
            raise ValueError(f"backend {name!r} registered twice")
        BACKENDS[name] = factory
        return factory
    return decorate


async def _closing(drive: Drive):
    try:
        await drive.close()
    except Exception:  # a contract test may leave the drive in any state
        pass


@register_backend("sim")
@contextlib.asynccontextmanager
async def sim_backend(tmp_path):
    world = SimWorld(comm_loss_timeout_s=0.5)
    drive = SimDrive(world, MonotonicClock())
    await drive.open()
    try:
        clock = drive.clock

        def observe():
            world.advance_to(clock.now_s())
            return world.status()

        yield Backend("sim", drive, world.inject, world=world, observe=observe)
    finally:
        await _closing(drive)


@register_backend("modbus-tcp")
@contextlib.asynccontextmanager
async def modbus_tcp_backend(tmp_path):
    from modbus_support import opened, served_tcp, tcp_url
    from sim.control import ControlClient

    async with served_tcp("delta-ms300") as server:
        drive = await opened(tcp_url(server, timeout_ms=250))
        control = ControlClient(*server.address)
        await control.connect()
        try:
            yield Backend("modbus-tcp", drive, control.inject, world=server.world, observe=server.world.status)
        finally:
            control.close()
            await _closing(drive)


@register_backend("modbus-rtu")
@contextlib.asynccontextmanager
async def modbus_rtu_backend(tmp_path):
    import shutil

    import pytest
    from modbus_support import opened, rtu_url, served_rtu

    if shutil.which("socat") is None:
        pytest.skip("needs socat for a pty pair")
    async with served_rtu(tmp_path, "delta-ms300", DriveSite()) as (server, device):
        drive = await opened(rtu_url(device, timeout_ms=250))
        try:
            yield Backend("modbus-rtu", drive, server.drive.inject, world=server.world,
                          observe=server.world.status)
        finally:
            await _closing(drive)
