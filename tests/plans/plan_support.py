"""Constants for the plan tests: the repository and a short session program."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

#: a short session: forward, backward, forward (about a minute of steps)
SHORT = """name = "Short"
profile = "fitness"
max_reverse_kmh = 2.5

[[steps]]
name = "In"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
cue = "Forward"

[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 1.0
duration_s = 20
cue = "Backward: short steps"

[[steps]]
name = "Out"
direction = "forward"
speed_kmh = 3.0
duration_s = 20
cue = "Forward again"
"""
