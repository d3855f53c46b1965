"""`retrotread report --person CODE -o FILE.html [--data-dir DIR]` over a real store: sessions
recorded by `retrotread run --fast --record --person`, a note added with `sessions note`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from export_support import BACKWARD_RUN, REPO_ROOT, SHORT_WALK
from ui.cli import main

RECORDED = [("p017", SHORT_WALK, ["--inject", "fall@70"]), ("p017", SHORT_WALK, []),
            ("p018", BACKWARD_RUN, ["--authorize-athlete"])]


def retrotread(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("records")
    store = folder / "data"
    for number, (person, program, extra) in enumerate(RECORDED):
        path = folder / f"program-{number}.toml"
        path.write_text(program, encoding="utf-8")
        done = retrotread("run", str(path), "--allow-reverse", "--fast", "--record", "--person", person,
                          "--data-dir", str(store), *extra)
        assert done.returncode in (0, 3), done.stderr
    done = retrotread("sessions", "note", "last", "--rpe", "6", "--pain", "1", "--text", "backward run went well",
                      "--data-dir", str(store))
    assert done.returncode == 0, done.stderr
    return store


def test_the_report_holds_the_persons_sessions_only(data_dir, tmp_path):
    out = tmp_path / "p017.html"
    done = retrotread("report", "--person", "p017", "-o", str(out), "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout and "2 sessions" in done.stdout
    html = out.read_text(encoding="utf-8")
    assert html.count('<div class="session">') == 2
    assert "Test: walk, back, walk" in html and "fall-stop" in html  # the first session's e-stop
    assert "Test: backward running" not in html and "p018" not in html and "backward run went well" not in html


def refused(capsys, *args: str) -> str:
    """Run `retrotread report ...` in this process; it must refuse with one line and exit 2."""
    code = main(["report", *args])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retrotread: "), captured.err
    return lines[0]


def test_bad_input_is_one_line_and_exit_2_with_nothing_written(data_dir, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert "nobody" in refused(capsys, "--person", "nobody", "-o", str(out), "--data-dir", str(data_dir))
    assert "person code" in refused(capsys, "--person", "not a code!", "-o", str(out), "--data-dir", str(data_dir))
    assert "no sessions" in refused(capsys, "--person", "p017", "-o", str(out), "--data-dir", str(tmp_path / "empty"))
    missing = tmp_path / "no-such-folder" / "report.html"
    assert str(missing) in refused(capsys, "--person", "p017", "-o", str(missing), "--data-dir", str(data_dir))
    assert "folder" in refused(capsys, "--person", "p017", "-o", str(tmp_path), "--data-dir", str(data_dir))
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_person_without_sessions_is_refused(data_dir, tmp_path, capsys):
    from ui.session.records import Store

    with Store.open(data_dir) as store:
        store.set_person("p099")
    assert "no sessions" in refused(capsys, "--person", "p099", "-o", str(tmp_path / "r.html"),
                                    "--data-dir", str(data_dir))


def test_a_database_not_ours_is_named_and_left_alone(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    foreign = folder / "sessions.db"
    foreign.write_bytes(b"not a database, some other program's file\n" * 50)
    before = foreign.read_bytes()
    assert "sessions.db" in refused(capsys, "--person", "p017", "-o", str(tmp_path / "r.html"),
                                    "--data-dir", str(folder))
    assert foreign.read_bytes() == before and not (tmp_path / "r.html").exists()
