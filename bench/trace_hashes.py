"""The traces of the five sample programs, with and without a set of injections, as SHA-256
digests: a refactoring that claims "no behaviour change" must leave every one byte-identical.

    uv run python bench/trace_hashes.py                       # print the digests
    uv run python bench/trace_hashes.py --write tests/fixtures/trace_hashes.json
    uv run python bench/trace_hashes.py --check tests/fixtures/trace_hashes.json

Each run is `retrotread run PROGRAM --fast --seed 3 --allow-reverse --authorize-athlete
--trace FILE` in its own process, so start-up, the CLI, the controller, the simulator and the
trace writer are all in the figure. The injections walk through most of what can happen:
heart rate, the key out and back, a lost bus, a pause, a runaway belt, a drive fault and
last (it disarms reverse) a fall into the harness, each followed by reset and start. tests/scenarios/
test_trace_identity.py runs --check; regenerate the file (--write) only with a change that is
meant to change behaviour, and say so in its commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "config" / "programs").glob("*.toml"))
INJECTIONS = ("hr:120@20", "key-out@100", "key-in@105", "reset@108", "start@110", "comms-loss@250",
              "comms-restore@251", "reset@255", "start@257", "pause@330", "resume@340", "overspeed@420",
              "reset@440", "start@442", "drive-fault@560", "reset@580", "start@582", "fall@700",
              "harness-on@705", "reset@715", "start@717", "op-stop@800", "start@810")


def digests() -> dict[str, str]:
    """{"PROGRAM" or "PROGRAM+inject": sha256 of its trace}."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for program in PROGRAMS:
            for injected in (False, True):
                name = program.stem + ("+inject" if injected else "")
                trace = Path(tmp) / f"{name}.jsonl"
                args = [sys.executable, "-m", "ui.cli", "run", str(program), "--fast", "--seed", "3",
                        "--allow-reverse", "--authorize-athlete", "--trace", str(trace)]
                if injected:
                    args += [arg for text in INJECTIONS for arg in ("--inject", text)]
                done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
                if done.returncode not in (0, 3):
                    raise SystemExit(f"{name}: exit {done.returncode}: {done.stderr.strip()}")
                out[name] = hashlib.sha256(trace.read_bytes()).hexdigest()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="FILE", help="save the digests as JSON")
    group.add_argument("--check", metavar="FILE", help="compare with saved digests; exit 1 on any difference")
    args = parser.parse_args()
    now = digests()
    if args.write:
        Path(args.write).write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    if args.check:
        saved = json.loads(Path(args.check).read_text())
        differ = sorted(name for name in saved.keys() | now.keys() if saved.get(name) != now.get(name))
        for name in differ:
            print(f"differs: {name}")
        print(f"{len(now) - len(differ)} of {len(now)} traces byte-identical")
        return 1 if differ else 0
    for name, digest in now.items():
        print(f"{digest}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
