"""A trace on disk (ui/session/records/tracefile.py): compressed, readable after a kill up to
its last flush, any gzip file readable, damage named."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from ui.session.records.folder import StoreError
from ui.session.records.tracefile import TraceWriter, read_trace


def lines(first: int, count: int) -> list[dict]:
    return [{"t": round(n * 0.02, 3), "state": "running", "belt_kmh": 1.5} for n in range(first, first + count)]


def write(writer: TraceWriter, records: list[dict]) -> None:
    for record in records:
        writer.write(json.dumps(record) + "\n")


def test_a_closed_trace_is_a_gzip_file_of_json_lines_and_is_private(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    writer = TraceWriter(path)
    write(writer, lines(0, 100))
    writer.flush()
    write(writer, lines(100, 100))
    writer.close()
    assert list(read_trace(path)) == lines(0, 200)
    assert gzip.decompress(path.read_bytes()).decode().splitlines()[0] == json.dumps(lines(0, 1)[0])
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.path.getsize(path) < writer.raw_bytes / 5  # compressed


def test_what_was_flushed_survives_a_process_that_never_closed_the_file(tmp_path):
    path = tmp_path / "killed.jsonl.gz"
    writer = TraceWriter(path)
    write(writer, lines(0, 50))
    writer.flush()
    write(writer, lines(50, 50))
    writer.flush()
    write(writer, lines(100, 10))  # never flushed: a kill loses it
    # no close(): what a SIGKILL leaves is the file as the OS has it
    assert list(read_trace(path)) == lines(0, 100)


def test_a_line_cut_off_by_the_end_of_the_file_is_dropped(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    writer = TraceWriter(path)
    write(writer, lines(0, 20))
    writer.flush()
    writer.write('{"t": 0.4, "sta')  # half a line: its end never came
    writer.flush()
    assert list(read_trace(path)) == lines(0, 20)


def test_several_gzip_members_read_as_one_trace(tmp_path):
    path = tmp_path / "members.jsonl.gz"
    path.write_bytes(b"".join(gzip.compress("".join(json.dumps(r) + "\n" for r in lines(first, 10)).encode())
                              for first in (0, 10, 20)))
    assert list(read_trace(path)) == lines(0, 30)


def test_a_damaged_trace_is_named(tmp_path):
    path = tmp_path / "damaged.jsonl.gz"
    good = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in lines(0, 500)))
    path.write_bytes(good[:40] + bytes(200) + good[240:])
    with pytest.raises(StoreError, match="damaged.jsonl.gz"):
        list(read_trace(path))
    with pytest.raises(StoreError, match="missing.jsonl.gz: cannot read"):
        list(read_trace(tmp_path / "missing.jsonl.gz"))
