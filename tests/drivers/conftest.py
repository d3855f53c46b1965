"""Fixtures for the driver tests: `backend` runs a test once per registered drive backend.

Backends live in drive_backends.py and in any `backends_*.py` module here (imported below),
so a new transport joins the contract suite by adding a file.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import drive_backends  # noqa: E402

for _module in sorted(HERE.glob("backends_*.py")):
    importlib.import_module(_module.stem)


@pytest.fixture(params=list(drive_backends.BACKENDS))
async def backend(request, tmp_path):
    """An opened drive of each registered backend, with `inject` into the world behind it."""
    async with drive_backends.BACKENDS[request.param](tmp_path) as opened_backend:
        yield opened_backend
