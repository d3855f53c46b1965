"""`retrotread run --mqtt` end to end, as a subprocess in real time against a real Mosquitto:
the last will after SIGKILL, the password kept out of the process title and the output, a
wrong password or a missing broker as one line while the run completes, bad input as one
line and exit 2 with nothing started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mosquitto import Broker, Subscriber, free_port

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Kx81-secret"
SHORT = """\
name = "One second"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 1.0
duration_s = 1
"""
LONG = SHORT.replace("duration_s = 1", "duration_s = 60").replace("One second", "One minute")
SITE = "[profiles.fitness]\ncountdown_s = 2.0\n"  # the shortest countdown a site may set


def _files(tmp_path, program: str) -> tuple[Path, Path]:
    (tmp_path / "p.toml").write_text(program)
    (tmp_path / "site.toml").write_text(SITE)
    return tmp_path / "p.toml", tmp_path / "site.toml"


def _start(tmp_path, program: str, *args: str) -> subprocess.Popen:
    path, site = _files(tmp_path, program)
    env = {**os.environ, "RETROTREAD_DATA": str(tmp_path / "data")}
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "run", str(path), "--config", str(site), "--no-record",
                             *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def secured(tmp_path):
    b = Broker(tmp_path / "secured", users={"tm-k": PASSWORD, "viewer": "pw-viewer"}).start()
    yield b
    b.stop()


def test_sigkill_leaves_the_last_will_and_the_password_never_shows(tmp_path, secured):
    viewer = Subscriber(secured, user="viewer", password="pw-viewer")
    run = _start(tmp_path, LONG, "--mqtt", secured.url_with("tm-k", PASSWORD), "--treadmill-id", "tm-k")
    try:
        viewer.wait_for(lambda ms: any(m.topic == "retrotread/tm-k/state" and json.loads(m.payload)["state"]
                                       == "running" for m in ms), timeout_s=30)
        title = Path(f"/proc/{run.pid}/cmdline").read_bytes().decode()
        assert PASSWORD not in title and "tm-k:" in title  # blanked, not removed
        os.kill(run.pid, signal.SIGKILL)  # no clean close: only the broker can say it went away
        run.wait(10)
        viewer.wait_for(viewer.heard("retrotread/tm-k/status", b"offline"))
        statuses = [m.payload for m in viewer.on("retrotread/tm-k/status")]
        assert statuses == [b"online", b"offline"]
        assert PASSWORD not in run.stdout.read() + run.stderr.read()
    finally:
        if run.poll() is None:
            run.kill()
        viewer.close()


def test_a_wrong_password_or_no_broker_is_one_line_and_the_run_completes(tmp_path, secured):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # both at once: real time is the cost of these two runs
    wrong = _start(tmp_path / "a", SHORT, "--mqtt", secured.url_with("tm-k", "not-" + PASSWORD))
    absent = _start(tmp_path / "b", SHORT, "--mqtt", f"mqtt://127.0.0.1:{free_port()}")
    out_wrong, err_wrong = wrong.communicate(timeout=60)
    out_absent, err_absent = absent.communicate(timeout=60)
    assert wrong.returncode == 0 and absent.returncode == 0, (err_wrong, err_absent)
    [line] = [line for line in err_wrong.splitlines() if "telemetry" in line]
    assert "refused the login" in line and "tm-k:***@127.0.0.1" in line
    assert PASSWORD not in out_wrong + err_wrong
    [line] = [line for line in err_absent.splitlines() if "telemetry" in line]
    assert line.startswith("retrotread: telemetry: cannot reach the broker at mqtt://127.0.0.1:")
    assert "program complete" in out_wrong and "program complete" in out_absent


@pytest.mark.parametrize("args, words", [
    (["--mqtt", "http://broker"], "--mqtt http://broker: expected mqtt://"),
    (["--mqtt", f"mqtt://tm:{PASSWORD}@broker:70000"], "--mqtt mqtt://tm:***@broker:70000: "),
    (["--mqtt", "mqtt://broker", "--treadmill-id", "Treadmill 1"], "--treadmill-id 'Treadmill 1': use 1-32"),
    (["--treadmill-id", "tm-1"], "--treadmill-id: needs --mqtt"),
    (["--mqtt", "mqtt://broker", "--fast"], "--mqtt: telemetry is for real-time runs"),
])
def test_bad_telemetry_input_is_one_line_and_exit_2(tmp_path, args, words):
    path, site = _files(tmp_path, SHORT)
    result = subprocess.run([sys.executable, "-m", "ui.cli", "run", str(path), "--no-record", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr and PASSWORD not in result.stderr
