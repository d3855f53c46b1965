"""Shared test settings: hypothesis profiles (`--hypothesis-profile=long` for long runs), the
simulator's scheme, and a data folder of the tests' own for the session records."""

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

# Real-time runs and console sessions record by default into the data folder ($RETROTREAD_DATA,
# else the user's): the tests' records go into a folder of their own, never the user's.
import atexit  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

if "RETROTREAD_DATA" not in os.environ:
    _data = tempfile.mkdtemp(prefix="retrotread-test-data-")
    os.environ["RETROTREAD_DATA"] = _data
    atexit.register(shutil.rmtree, _data, ignore_errors=True)
