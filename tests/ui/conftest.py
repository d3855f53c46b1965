"""Fixtures for the console tests: a temp PIN file, a temp sessions folder, small programs."""

from __future__ import annotations

import pytest

from console_harness import FakeWallClock, make_pins

REVERSE_FIRST = """\
name = "Test: reverse first"
profile = "fitness"
[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 2.0
duration_s = 60
cue = "Backward: short steps"
[[steps]]
name = "Forward"
direction = "forward"
speed_kmh = 3.0
duration_s = 60
"""

SHORT = """\
name = "Test: short walk"
profile = "fitness"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 2.0
duration_s = 6
"""


@pytest.fixture
def wall() -> FakeWallClock:
    return FakeWallClock()


@pytest.fixture
def pins(tmp_path, wall):
    return make_pins(tmp_path / "pin.json", wall=wall)


@pytest.fixture
def sessions(tmp_path):
    return tmp_path / "sessions"


@pytest.fixture
def programs(tmp_path):
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "reverse-first.toml").write_text(REVERSE_FIRST)
    (folder / "short.toml").write_text(SHORT)
    return folder
