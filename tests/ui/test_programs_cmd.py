"""`retrotread programs` (issue 12, point 6): the shipped programs and the user's, each with its
profile, true length and direction; a file that does not check is listed with its first error."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.duration import program_duration_s
from controller.limits import CONFIG_DIR, load_site_config
from controller.program import load_program
from ui.cli import main
from ui.session.words import mmss

SHIPPED = sorted((CONFIG_DIR / "programs").glob("*.toml"))
SITE = load_site_config()
MINE = """\
name = "My slow walk"
profile = "rehab"
[[steps]]
direction = "forward"
speed_kmh = 2.0
duration_s = 120
"""
BROKEN = """\
name = "Broken"
[[steps]]
direction = "backwards"
speed_kmh = 1.5
duraton_s = 60
"""


def rows(out: str) -> dict[str, str]:
    """FILE -> its line (the header dropped)."""
    lines = out.splitlines()
    assert lines[0].split() == ["FOLDER", "FILE", "NAME", "PROFILE", "LENGTH", "REVERSE"]
    return {line.split()[1]: line for line in lines[1:]}


@pytest.fixture
def folder(tmp_path) -> Path:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "slow.toml").write_text(MINE, encoding="utf-8")
    (mine / "broken.toml").write_text(BROKEN, encoding="utf-8")
    return mine


def test_lists_the_shipped_programs_with_profile_true_length_and_direction(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./programs here
    assert main(["programs"]) == 0
    listed = rows(capsys.readouterr().out)
    assert set(listed) == {path.name for path in SHIPPED}
    for path in SHIPPED:
        program = load_program(path)
        cells = listed[path.name].split()
        assert cells[0] == "shipped"
        assert program.profile in cells
        assert mmss(program_duration_s(program, SITE.profile(program.profile))) in cells
        assert listed[path.name].rstrip().endswith("reverse" if program.has_reverse else "forward only")
    assert "14:51" in listed["beginner-retro-walk.toml"]  # not the steps' 13:45


def test_lists_the_users_folder_and_a_broken_file_with_its_first_error(capsys, folder):
    assert main(["programs", "--programs", str(folder)]) == 0
    listed = rows(capsys.readouterr().out)
    assert listed["slow.toml"].split()[:2] == ["mine", "slow.toml"]
    assert "My slow walk" in listed["slow.toml"] and " rehab " in listed["slow.toml"]
    assert "forward only" in listed["slow.toml"]
    broken = listed["broken.toml"]
    assert 'refused: steps[0].direction: "backwards" is not forward or reverse (+1 more)' in broken
    assert len(listed) == len(SHIPPED) + 2


def test_the_programs_folder_of_the_working_directory_is_the_default(capsys, folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    folder.rename(folder.parent / "programs")
    assert main(["programs"]) == 0
    listed = rows(capsys.readouterr().out)
    assert listed["slow.toml"].split()[0] == "programs"


def test_another_profile_for_every_program(capsys, folder):
    assert main(["programs", "--programs", str(folder), "--profile", "fitness"]) == 0
    listed = rows(capsys.readouterr().out)
    assert " fitness " in listed["slow.toml"]
    athlete = listed["athlete-backward-running.toml"]
    assert "refused: max_reverse_kmh: 15 would loosen the profile's 5.5 km/h reverse cap" in athlete
    assert " more)" in athlete  # and its steps over the cap, counted


@pytest.mark.parametrize(("args", "message"), [
    (["--profile", "gym"], "retrotread: --profile: unknown profile 'gym' (known: rehab, fitness, athlete)\n"),
    (["--programs", "/no/such/folder"], "retrotread: --programs /no/such/folder: no such folder\n"),
])
def test_bad_flags_are_one_line_and_exit_2(capsys, args, message):
    assert main(["programs", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == message and captured.out == ""
