"""Constants shared by the telemetry tests and their conftest (one module name in the suite)."""

WALK = """\
name = "Short walk"
profile = "fitness"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 2.0
duration_s = 6
[[steps]]
name = "Back"
direction = "reverse"
speed_kmh = 1.5
duration_s = 4
"""
WALL0_S = 1_800_000_000.0  # the sessions' Unix time at t0 (fixed: payloads are reproducible)
