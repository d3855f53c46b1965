"""`retrotread import`'s refusals that are not about one format: the file, the flags, the output.
Each is one line naming the file or flag, exit 2, and nothing written (or replaced)."""

from __future__ import annotations

import pytest

from import_support import program_of

QZ = '<rows><row duration="00:01:00" speed="6" forcespeed="1"/></rows>'


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "walk.xml"
    path.write_text(QZ, encoding="utf-8")
    return path


def one_line_refusal(ran, *words: str) -> None:
    assert ran.code == 2, (ran.out, ran.err)
    assert len(ran.err_lines) == 1, ran.err
    for word in words:
        assert word in ran.err, (word, ran.err)


def test_an_existing_output_is_kept_unless_force_is_given(tmp_path, cli, source):
    out = tmp_path / "walk.toml"
    out.write_text("mine\n", encoding="utf-8")
    one_line_refusal(cli("import", source, "-o", out), "-o", "exists", "--force")
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert cli("import", source, "-o", out, "--force").code == 0
    assert program_of(out)["steps"][0]["speed_kmh"] == 6.0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_an_output_that_cannot_be_written_is_refused(tmp_path, cli, source):
    one_line_refusal(cli("import", source, "-o", tmp_path / "no" / "such" / "walk.toml"), "-o", "no folder")
    one_line_refusal(cli("import", source, "-o", tmp_path), "-o", "is a folder")
    one_line_refusal(cli("import", source, "-o", source, "--force"), "-o", "being imported")
    assert source.read_text(encoding="utf-8") == QZ


def test_a_folder_that_takes_no_files_is_refused(cli, source):
    # /proc takes no new files, even from root (a read-only folder would not stop root)
    one_line_refusal(cli("import", source, "-o", "/proc/walk.toml"), "-o /proc/walk.toml", "cannot write")


def test_unknown_unreadable_and_missing_inputs(tmp_path, cli, source):
    text = tmp_path / "notes.txt"
    text.write_text("walk backward for ten minutes\n", encoding="utf-8")
    one_line_refusal(cli("import", text, "-o", tmp_path / "a.toml"), "notes.txt", "--format")
    one_line_refusal(cli("import", tmp_path / "missing.zwo", "-o", tmp_path / "a.toml"), "missing.zwo", "no such file")
    one_line_refusal(cli("import", source, "-o", tmp_path / "a.toml", "--format", "zwo"), "walk.xml", "<rows>")
    one_line_refusal(cli("import", source, "-o", tmp_path / "a.toml", "--format", "fit"), "walk.xml",
                     "not a readable FIT file")
    assert not (tmp_path / "a.toml").exists()


def test_flags_that_do_not_fit_are_refused(tmp_path, cli, source):
    out = tmp_path / "a.toml"
    one_line_refusal(cli("import", source, "-o", out, "--threshold-pace", "5:00/km"), "--threshold-pace", "ZWO")
    one_line_refusal(cli("import", source, "-o", out, "--threshold-pace", "fast"), "--threshold-pace", "MM:SS")
    one_line_refusal(cli("import", source, "-o", out, "--threshold-pace", "45:00"), "--threshold-pace", "2:00-30:00")
    one_line_refusal(cli("import", source, "-o", out, "--profile", "gym"), "--profile", "gym")
    one_line_refusal(cli("import", source, "-o", out, "--format", "tcx"), "--format")
    one_line_refusal(cli("import", source), "-o")
    assert not out.exists()
