"""The driver factory: schemes registered from outside drivers/, and what a simulated drive
offers beyond the contract declared as protocols (checked with isinstance, not getattr)."""

from __future__ import annotations

import pytest

import drivers
import sim
from controller.clock import MonotonicClock, SimClock, SteppedClock
from drivers import DriveUrlError, open_drive, register_scheme
from drivers.base import Drive, ImmediateDrive, Injectable
from sim.drive import SimDrive


def test_drivers_names_only_its_own_backends():
    assert {target.partition(":")[0] for target in drivers.SCHEMES.values()} >= {"drivers.modbus",
                                                                                  "drivers.serial_line"}
    assert sim.SCHEME in drivers.SCHEMES  # registered by the composition root (tests/conftest.py)


def test_registering_again_is_harmless_and_a_rival_target_is_refused(monkeypatch):
    monkeypatch.setattr(drivers, "SCHEMES", dict(drivers.SCHEMES))
    sim.register()
    sim.register()
    assert drivers.SCHEMES["sim"] == "sim.drive:from_url"
    with pytest.raises(ValueError, match="already registered"):
        register_scheme("sim", "elsewhere:from_url")
    with pytest.raises(ValueError, match="module:factory"):
        register_scheme("toy", "no_factory")


def test_an_unregistered_scheme_is_refused_naming_the_known_ones(monkeypatch):
    monkeypatch.setattr(drivers, "SCHEMES", {k: v for k, v in drivers.SCHEMES.items() if k != "sim"})
    with pytest.raises(DriveUrlError, match=r"unknown driver scheme 'sim' \(known: modbus-tcp://"):
        open_drive("sim://")


def test_a_registered_scheme_builds_lazily(monkeypatch):
    monkeypatch.setattr(drivers, "SCHEMES", dict(drivers.SCHEMES))
    register_scheme("toy", "sim.drive:from_url")
    with pytest.raises(DriveUrlError):  # sim.drive's own URL check: proof that it was called
        open_drive("toy://")


def test_the_simulator_declares_what_it_offers_beyond_the_contract():
    drive = open_drive("sim://", clock=SimClock())
    assert isinstance(drive, SimDrive) and isinstance(drive, Drive)
    assert isinstance(drive, ImmediateDrive) and isinstance(drive, Injectable)


def test_a_real_drive_offers_nothing_beyond_the_contract():
    for url in ("modbus-tcp://127.0.0.1:5020?profile=delta-ms300", "serial:///dev/ttyS0?protocol=biodex"):
        drive = open_drive(url)
        assert isinstance(drive, Drive)
        assert not isinstance(drive, ImmediateDrive) and not isinstance(drive, Injectable), url


def test_only_simulated_time_is_stepped():
    assert isinstance(SimClock(), SteppedClock)
    assert not isinstance(MonotonicClock(), SteppedClock)
