"""The command line for program authors (issue 12, points 1 and 6): `check` reports every error and
blames an unknown --profile on the flag; `run --help` lists every injection; an injection after
the program's end is a warning before the run; a real-time run stopped with Ctrl-C ends with the
summary a --fast run prints; `set-pin` with empty input says no PIN was given."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from sim.faults import EVENT_NAMES
from ui.cli import main
from ui.console_cmd import cmd_set_pin
from ui.pin import PinStore

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "programs"
BEGINNER = REPO / "config" / "programs" / "beginner-retro-walk.toml"
SHORT = """\
name = "Short walk"
[[steps]]
direction = "forward"
speed_kmh = 2.0
duration_s = {seconds}
"""


@pytest.fixture
def short(tmp_path):
    def make(seconds: float = 4) -> Path:
        path = tmp_path / f"short-{seconds:g}.toml"
        path.write_text(SHORT.format(seconds=seconds), encoding="utf-8")
        return path
    return make


# ---- check ------------------------------------------------------------------------------------

def test_check_prints_every_error_of_a_file_one_line_each(capsys):
    path = FIXTURES / "several-errors.toml"
    assert main(["check", str(BEGINNER), str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 6 and all(line.startswith(f"{path}: steps[") for line in lines), captured.err
    assert lines[0] == f'{path}: steps[1].direction: "backwards" is not forward or reverse'
    assert any("steps[2].speed_kmh: 9.0 km/h is over" in line for line in lines)
    assert any("steps[3].duraton_s: unknown key (did you mean duration_s?)" in line for line in lines)
    assert captured.out.startswith(f"ok: {BEGINNER}: ")  # the good file is still checked


def test_check_gives_the_true_length(capsys):
    assert main(["check", str(BEGINNER)]) == 0
    out = capsys.readouterr().out
    assert "12 steps, 14:51 (steps 13:45 + ramps, dwells and countdowns 01:06), profile fitness" in out


def test_an_unknown_profile_flag_blames_the_flag_once(capsys):
    assert main(["check", "--profile", "gym", str(BEGINNER), str(FIXTURES / "several-errors.toml")]) == 2
    captured = capsys.readouterr()
    assert captured.err == "retrotread: --profile: unknown profile 'gym' (known: rehab, fitness, athlete)\n"
    assert captured.out == ""


def test_an_unknown_profile_in_the_file_blames_the_file_with_its_other_errors(tmp_path, capsys):
    path = tmp_path / "turbo.toml"
    path.write_text('name = "t"\nprofile = "turbo"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 3.0\n'
                    'duraton_s = 60\n', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: profile: unknown profile 'turbo' (known: rehab, fitness, athlete)",
        f"{path}: steps[0].duraton_s: unknown key (did you mean duration_s?)"]


def test_run_refuses_with_every_error_one_line_each(capsys):
    path = FIXTURES / "over-cap-every-step.toml"
    assert main(["run", str(path), "--fast", "--allow-reverse"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"retrotread: {path}: steps[0].speed_kmh: 6.0 km/h is over the fitness profile's reverse "
                     "cap of 5.5 km/h",
                     f"retrotread: {path}: steps[2].to_speed_kmh: 7.0 km/h is over the fitness profile's "
                     "reverse cap of 5.5 km/h"]


# ---- run --help and injections -------------------------------------------------------------------

def test_run_help_lists_every_injection(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps lines (and may break at a hyphen)
    for name in EVENT_NAMES:
        assert name in text, name
    assert "hr-loss" in EVENT_NAMES and "hr:BPM" in EVENT_NAMES and len(EVENT_NAMES) >= 19


def test_an_injection_after_the_end_is_a_warning_before_the_run(short, capsys):
    path = short(4)
    assert main(["run", str(path), "--fast", "--inject", "fall@99999", "--inject", "key-out@5000"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert warnings == [
        "retrotread: warning: --inject key-out@5000: after the program's end (about 00:08 with ramps, dwells "
        "and countdowns): it will not fire",
        "retrotread: warning: --inject fall@99999: after the program's end (about 00:08 with ramps, dwells "
        "and countdowns): it will not fire"]
    assert "time 0:08" in captured.out and "program complete" in captured.out


def test_a_late_injection_may_fire_when_an_earlier_one_holds_the_run_up(short, tmp_path, capsys):
    """A pause before the end keeps the run going: the late event then fires, as the warning says."""
    path, trace = short(4), tmp_path / "trace.jsonl"
    code = main(["run", str(path), "--fast", "--inject", "pause@5", "--inject", "op-stop@30", "--trace", str(trace)])
    assert code == 3
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == ["retrotread: warning: --inject op-stop@30: after the program's end (about 00:08 with "
                        "ramps, dwells and countdowns): it fires only if an earlier event holds the run up until then"]
    events = [json.loads(line) for line in trace.read_text().splitlines() if '"event"' in line]
    assert any(e["event"] == "state" and e["to"] == "paused" for e in events)


def test_no_warning_for_injections_within_the_program(short, capsys):
    assert main(["run", str(short(4)), "--fast", "--inject", "pause@5", "--inject", "resume@6"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_real_time_run_stopped_with_ctrl_c_ends_with_the_summary(short, tmp_path):
    """Ctrl-C is an operator stop; the run then prints what `--fast` prints (time, distances, the stop)."""
    path = short(60)
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "run", str(path), "--no-record"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        seen = []
        for line in proc.stdout:  # wait for the belt to run: an event, not a timer
            seen.append(line)
            if "countdown → running" in line:
                break
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    out = "".join(seen) + rest
    assert proc.returncode == 3, (out, err)
    summary = out[out.index("\ntime "):].splitlines()[1:]
    assert summary[0].startswith("time 0:0")
    assert summary[1].startswith("forward ") and summary[2].startswith("backward ")
    assert any(line.startswith("stop: ") and "operator stop (ctrl-c)" in line for line in summary)
    assert "operator stop (ctrl-c)" in err


# ---- set-pin ----------------------------------------------------------------------------------------

def test_set_pin_with_empty_input_says_no_pin_was_given(tmp_path):
    pin_file = tmp_path / "pin.json"
    err = io.StringIO()
    assert cmd_set_pin(Namespace(pin_file=str(pin_file)), stdin=io.StringIO(""), out=io.StringIO(), err=err) == 2
    assert err.getvalue() == "retrotread: set-pin: no PIN was given\n"
    assert not pin_file.exists()
    err = io.StringIO()
    assert cmd_set_pin(Namespace(pin_file=str(pin_file)), stdin=io.StringIO("\n"), out=io.StringIO(), err=err) == 2
    assert "no PIN was given" in err.getvalue()


def test_an_empty_current_pin_says_so_and_costs_no_try(tmp_path):
    pin_file = tmp_path / "pin.json"
    store = PinStore(pin_file, scrypt_n=2**4)
    store.set_pin("2468")
    err = io.StringIO()
    assert cmd_set_pin(Namespace(pin_file=str(pin_file)), stdin=io.StringIO(""), out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith("retrotread: no PIN was given")
    for _ in range(5):  # an empty entry is not a wrong guess: no wait builds up
        assert store.verify("").message == "no PIN was given"
    assert store.wait_left_s() == 0.0
    assert store.verify("2468").ok
