"""The operator PIN: a salted scrypt hash in a small file, and rate-limited checks.

The PIN itself is never stored. The file holds the scrypt parameters, a random salt and the
hash, so a stolen file costs an attacker a slow scrypt per guess (PINs are short: this only
buys time). The console's guess budget is enforced here: after `FREE_TRIES` wrong PINs in a
row each further wrong PIN imposes a wait that doubles (30 s, 60 s, 120 s, ... one hour at
most). The count and the wait are kept in a state file beside the PIN file, so restarting
the console does not reset them. A right PIN clears them.

Why a PIN at all: the Peloton Tread+ recall (2021) ended with an automatic lock after every
session that only a PIN opens, so that a child cannot start the belt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PIN_MIN_DIGITS, PIN_MAX_DIGITS = 4, 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # about 50 ms and 16 MiB per check
FREE_TRIES = 3
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 3600.0


class PinError(Exception):
    """A PIN that cannot be stored or a PIN file that cannot be used; one-line message."""


def default_pin_file() -> Path:
    """~/.config/retrotread/pin.json (or under $XDG_CONFIG_HOME)."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "retrotread" / "pin.json"


NO_PIN = "no PIN was given"


def check_format(pin: str) -> str | None:
    """Why `pin` is not an acceptable PIN, or None."""
    if not pin.strip():
        return NO_PIN  # an empty line (or end of input): say so, not "digits only"
    if not pin.isdigit() or not pin.isascii():
        return "a PIN is digits only"
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        return f"a PIN has {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits"
    return None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to one PIN entry."""

    ok: bool
    message: str
    wait_s: float = 0.0  # > 0: entries are refused for this long


class PinStore:
    """The PIN file and its attempt counter. `now` is wall time (injectable for tests)."""

    def __init__(self, path: str | Path | None = None, *, now: Callable[[], float] = time.time,
                 scrypt_n: int = SCRYPT_N) -> None:
        self.path = Path(path) if path is not None else default_pin_file()
        self.state_path = self.path.with_name(self.path.stem + ".attempts.json")
        self.now = now
        self.scrypt_n = scrypt_n  # only for new PINs; a stored PIN keeps its own parameters

    # ---- the PIN ------------------------------------------------------------------------
    def exists(self) -> bool:
        return self._record() is not None

    def set_pin(self, pin: str) -> None:
        """Store a new PIN (salted scrypt hash, file mode 0600); PinError if refused."""
        if (reason := check_format(pin)) is not None:
            raise PinError(reason)
        salt = secrets.token_bytes(16)
        record = {"version": 1, "kdf": "scrypt", "n": self.scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P,
                  "salt": salt.hex(), "hash": _scrypt(pin, salt, self.scrypt_n, SCRYPT_R, SCRYPT_P).hex()}
        self._write(self.path, record)
        self._write_state(0, 0.0)

    def verify(self, pin: str) -> Verdict:
        """Check an entry against the stored PIN, within the rate limit."""
        record = self._record()
        if record is None:
            return Verdict(False, "no operator PIN is set: run `retrotread set-pin`")
        failures, until_s = self._read_state()
        wait_s = until_s - self.now()
        if wait_s > 0:
            return Verdict(False, f"too many wrong PINs: try again in {_seconds(wait_s)}", wait_s)
        if not pin.strip():
            return Verdict(False, NO_PIN)  # an Enter pressed by mistake is not a wrong guess
        salt = bytes.fromhex(record["salt"])
        digest = _scrypt(pin, salt, record["n"], record["r"], record["p"])
        if hmac.compare_digest(digest, bytes.fromhex(record["hash"])):
            if failures:
                self._write_state(0, 0.0)
            return Verdict(True, "PIN accepted")
        failures += 1
        if failures < FREE_TRIES:
            left = FREE_TRIES - failures
            self._write_state(failures, 0.0)
            return Verdict(False, f"wrong PIN ({left} more {'try' if left == 1 else 'tries'} before a wait)")
        wait_s = min(FIRST_WAIT_S * 2 ** (failures - FREE_TRIES), MAX_WAIT_S)
        self._write_state(failures, self.now() + wait_s)
        return Verdict(False, f"wrong PIN: try again in {_seconds(wait_s)}", wait_s)

    def wait_left_s(self) -> float:
        """Seconds until another entry is accepted (0 when it is)."""
        return max(0.0, self._read_state()[1] - self.now())

    # ---- files --------------------------------------------------------------------------
    def _record(self) -> dict | None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise PinError(f"{self.path}: cannot read the PIN file ({exc}); delete it and run "
                           "`retrotread set-pin`") from None
        if not isinstance(record, dict) or record.get("kdf") != "scrypt" or not {"salt", "hash", "n", "r", "p"} <= record.keys():
            raise PinError(f"{self.path}: not a retrotread PIN file; delete it and run `retrotread set-pin`")
        return record

    def _read_state(self) -> tuple[int, float]:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            return int(state["failures"]), float(state["until"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0.0

    def _write_state(self, failures: int, until_s: float) -> None:
        self._write(self.state_path, {"failures": failures, "until": until_s})

    @staticmethod
    def _write(path: Path, data: dict) -> None:
        """Write atomically with mode 0600 (a half-written PIN file would lock everyone out)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(tmp, path)
        except OSError as exc:
            raise PinError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, maxmem=128 * 2**20, dklen=32)


def _seconds(seconds: float) -> str:
    seconds = int(seconds + 0.999)
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60:02d} s"
