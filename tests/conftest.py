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


# ---- `cli`: the retrotread command line in this process, for the import and plan tests --------
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402


@dataclass
class Ran:
    """What one `retrotread` command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def cli(capsys):
    """cli(*args) -> Ran: `retrotread ARGS` in this process (argparse's exits count as codes)."""
    from ui.cli import main

    def run(*args) -> Ran:
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run
