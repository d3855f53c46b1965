"""Write an export whole or not at all: a failed export never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def replacing(path, mode: str = "w", **open_args) -> Iterator[IO]:
    """A new file beside `path` that replaces it only once written whole; OSError when it cannot be.

    The file is readable by its owner only (0600), as the records are: it holds health data."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_args) as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
