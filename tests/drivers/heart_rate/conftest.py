"""Fixtures for the heart-rate strap tests: a virtual BLE link (bumble) and straps on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bumble_backend import VirtualAir  # noqa: E402
from hr_strap import EmulatedStrap  # noqa: E402


@pytest.fixture
async def air() -> VirtualAir:
    """A fresh virtual radio space with the central's adapter on it."""
    return VirtualAir()


@pytest.fixture
async def strap(air) -> EmulatedStrap:
    """A heart-rate strap advertising on `air`."""
    return await EmulatedStrap.start(air)
