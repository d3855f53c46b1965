"""A linked pair of pseudo-terminals from socat: the stand-in for a serial cable.

Used to serve the simulator over RTU or a serial line on this machine (tests, benches).
Pseudo-terminals here reject parity settings, so use 8N1 over them.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Iterator

START_TIMEOUT_S = 5.0


@contextlib.contextmanager
def pty_pair(directory: Path, prefix: str = "tty") -> Iterator[tuple[str, str]]:
    """Two linked raw, no-echo ptys `directory/<prefix>0` <-> `<prefix>1`; socat ends on exit."""
    a, b = Path(directory) / f"{prefix}0", Path(directory) / f"{prefix}1"
    proc = subprocess.Popen(["socat", "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (a.exists() and b.exists()):
            if proc.poll() is not None:
                raise RuntimeError(f"socat exited: {proc.stderr.read().decode(errors='replace').strip()}")
            if time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pty pair in time")
            time.sleep(0.01)
        yield str(a), str(b)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
