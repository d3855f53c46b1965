"""Shared test settings: hypothesis profiles (`--hypothesis-profile=long` for long runs)."""

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=500, stateful_step_count=30, **_common)
settings.register_profile("long", max_examples=5000, stateful_step_count=60, **_common)
settings.register_profile("quick", max_examples=50, stateful_step_count=20, **_common)
settings.load_profile("ci")

# The composition root registers the simulator's drive scheme (drivers/ does not know sim/);
# tests that open "sim://" without going through it get it here.
import sim  # noqa: E402

sim.register()
