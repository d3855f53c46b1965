"""The data folder: where the records live, and files in it that only their owner can read.

`--data-dir DIR`, else `$RETROTREAD_DATA`, else the platform's user data folder
(`~/.local/share/retrotread` on Linux). Person codes are pseudonyms, but a record is still
health data: the folder is created 0700 and every file in it 0600 (DESIGN.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "RETROTREAD_DATA"
DB_NAME = "sessions.db"
TRACES_DIR = "traces"
TRACE_SUFFIX = ".jsonl.gz"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
PERSON_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")


class StoreError(Exception):
    """The store refused: one line naming the file (or the flag) and why. Nothing was changed."""


def data_dir(flag: str | os.PathLike | None = None) -> Path:
    """The data folder: the flag's, else $RETROTREAD_DATA's, else the platform's."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs  # only when neither was given

    return Path(platformdirs.user_data_dir("retrotread", appauthor=False))


def make_private_dir(path: Path, *, parents: bool = True) -> None:
    """Create the folder `path` 0700 (its parents as the umask says); an existing one keeps its mode."""
    try:
        path.mkdir(mode=FOLDER_MODE, parents=parents)
    except FileExistsError:
        if not path.is_dir():
            raise StoreError(f"{path}: exists and is not a folder") from None
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the data folder: {exc.strerror}") from None
    os.chmod(path, FOLDER_MODE)  # mkdir's mode is masked by the umask; this one is not


def create_private_file(path: Path) -> bool:
    """Create an empty file 0600 unless it exists; True when this call created it."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StoreError(f"{path}: cannot create: {exc.strerror}") from None
    os.close(fd)
    return True


def check_person(code: str, where: str = "--person") -> str:
    """A person code is a pseudonym of 1-32 letters, digits, '_' or '-'; StoreError if not."""
    if not PERSON_RE.fullmatch(code or ""):
        raise StoreError(f"{where} {code!r}: a person code is 1-32 letters, digits, '_' or '-' "
                         "(a pseudonym, never a name)")
    return code
