"""A session's trace on disk: JSON Lines in one gzip stream, flushed to the file each second.

Each `flush()` ends with a zlib sync flush, so whatever was flushed can be decompressed even
when the process is killed before the stream's end (a SIGKILL loses at most the last second).
One stream rather than one gzip member per second keeps the compression dictionary across
seconds: a trace compresses about three times better. `read_trace` reads a whole stream,
a cut-off one (an interrupted session: it stops at the last complete line) and several
concatenated members (any gzip file) alike.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Iterator

from ui.session.records.folder import FILE_MODE, StoreError

GZIP_WBITS = 31  # zlib's gzip container
READ_CHUNK = 1 << 16
LEVEL = 6


class TraceWriter:
    """Collects trace text (`write`, as a TraceSink's stream) and compresses it on `flush()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        self._file = os.fdopen(fd, "wb", buffering=0)
        self._zip = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP_WBITS)
        self._parts: list[str] = []
        self.write = self._parts.append  # the TraceSink calls this on every line
        self.raw_bytes = 0
        self.closed = False

    def flush(self) -> None:
        """Everything written so far, compressed and handed to the OS (readable after a kill)."""
        if self.closed:
            return
        text = "".join(self._parts)
        self._parts.clear()
        data = text.encode("utf-8")
        self.raw_bytes += len(data)
        self._file.write(self._zip.compress(data) + self._zip.flush(zlib.Z_SYNC_FLUSH))

    def close(self) -> None:
        """Flush, end the gzip stream, fsync (the session is whole on disk), close."""
        if self.closed:
            return
        self.flush()
        self.closed = True
        try:
            self._file.write(self._zip.flush(zlib.Z_FINISH))
            os.fsync(self._file.fileno())
        finally:
            self._file.close()


def read_trace_text(path: Path) -> Iterator[str]:
    """The trace's lines, decompressed; a cut-off stream ends at its last complete line."""
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the trace: {exc.strerror}") from None
    with stream:
        unzip = zlib.decompressobj(GZIP_WBITS)
        pending = b""
        while True:
            chunk = stream.read(READ_CHUNK)
            if not chunk:
                break
            while chunk:
                try:
                    data = unzip.decompress(chunk)
                except zlib.error as exc:
                    raise StoreError(f"{path}: the trace is damaged ({exc})") from None
                pending += data
                chunk = b""
                if unzip.eof:  # a member ended: another may follow
                    chunk = unzip.unused_data
                    unzip = zlib.decompressobj(GZIP_WBITS)
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.decode("utf-8")
    # `pending` is a line cut off by the end of the file (an interrupted session): not kept


def read_trace(path: Path) -> Iterator[dict]:
    """The trace's records (ticks and events), parsed."""
    for number, line in enumerate(read_trace_text(path), 1):
        if not line:
            continue
        try:
            yield json.loads(line)
        except ValueError:
            raise StoreError(f"{path}: line {number} is not JSON") from None


class TraceRecords:
    """A stored trace: an iterator of its records, parsed as they are read; `lines()` gives its
    text lines instead (an export that copies the trace need not parse 180,000 lines an hour)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._records: Iterator[dict] | None = None

    def __iter__(self) -> TraceRecords:
        return self

    def __next__(self) -> dict:
        if self._records is None:
            self._records = read_trace(self.path)
        return next(self._records)

    def lines(self) -> Iterator[str]:
        return (line for line in read_trace_text(self.path) if line)
