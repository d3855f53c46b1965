"""`retrotread set-pin` and the checks `retrotread console` makes before anything starts."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from ui import cli
from ui.console_cmd import cmd_set_pin
from ui.pin import PinStore


class Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


def set_pin(path, text: str):
    out, err = io.StringIO(), io.StringIO()
    code = cmd_set_pin(SimpleNamespace(pin_file=str(path)), Stdin(text), out, err)
    return code, out.getvalue(), err.getvalue()


def test_set_pin_reads_stdin_when_not_a_terminal(tmp_path):
    path = tmp_path / "pin.json"
    code, out, _ = set_pin(path, "2468\n")
    assert code == 0 and "salted scrypt hash" in out
    assert PinStore(path).verify("2468").ok
    assert "2468" not in path.read_text()


def test_changing_the_pin_needs_the_current_one(tmp_path):
    path = tmp_path / "pin.json"
    set_pin(path, "2468\n")
    code, _, err = set_pin(path, "1111\n9999\n")
    assert code == 2 and "wrong PIN" in err and str(path) in err
    assert PinStore(path).verify("2468").ok
    code, _, _ = set_pin(path, "2468\n9999\n")
    assert code == 0 and PinStore(path).verify("9999").ok


@pytest.mark.parametrize("text", ["12\n", "abcd\n", "\n", ""])
def test_set_pin_refuses_a_bad_pin(tmp_path, text):
    code, _, err = set_pin(tmp_path / "pin.json", text)
    assert code == 2 and err.startswith("retrotread: set-pin:")
    assert not (tmp_path / "pin.json").exists()


@pytest.mark.parametrize("args, words", [
    (["--program", "nope.toml"], "nope.toml: no such file"),
    (["--profile", "marathon"], "--profile: unknown profile 'marathon'"),
    (["--profile", "athlete"], "needs the operator PIN, and none is set"),
    (["--program", "config/programs/athlete-backward-running.toml", "--profile", "fitness"], "would loosen"),
    (["--driver", "ftp://x"], "unknown driver scheme"),
    (["--programs", "no/such/dir"], "--programs no/such/dir: no such directory"),
    (["--seed", "-1"], "must be 0 or more"),
])
def test_console_refuses_bad_input_before_anything_starts(tmp_path, capsys, args, words):
    with pytest.raises(SystemExit) if "--seed" in args else _nothing():
        code = cli.main(["console", "--pin-file", str(tmp_path / "pin.json"), "--sessions", str(tmp_path / "s"),
                         *args])
        assert code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    lines = err.strip().splitlines()
    # a program's errors: every one on its own line (the athlete program under fitness: 4 steps over its caps)
    assert len(lines) == (4 if words == "would loosen" else 1)
    assert "--seed" in args or all(line.startswith("retrotread: ") for line in lines)  # --seed: argparse's own
    assert not (tmp_path / "s").exists()


def test_console_refuses_a_bad_person_or_data_folder_before_anything_starts(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    for args, words in ((["--person", "Jane Doe"], "Jane Doe"), (["--data-dir", str(tmp_path / "file")], "file")):
        code = cli.main(["console", "--pin-file", str(tmp_path / "pin.json"), *args])
        err = capsys.readouterr().err
        assert code == 2 and words in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and err.startswith("retrotread: ")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_console_and_set_pin_are_registered():
    parser = cli.build_parser()
    assert parser.parse_args(["console"]).handler.__name__ == "cmd_console"
    assert parser.parse_args(["set-pin"]).handler.__name__ == "cmd_set_pin"
    args = parser.parse_args(["console"])
    assert args.driver == "sim://" and args.sessions is None and args.record  # into the data folder's store
    assert not parser.parse_args(["console", "--no-record"]).record
