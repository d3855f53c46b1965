"""`retrotread hr-scan [--seconds N]`: list the heart-rate straps in range.

    retrotread hr-scan --seconds 5
    C0:4F:2A:11:90:3B  HRM-Dual:123  -61 dBm

One strap a line (address, name, RSSI), strongest first; the address goes into
`--hr ble://ADDRESS`. None found, or no Bluetooth adapter: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys

EXIT_REFUSED = 2
DEFAULT_SECONDS = 5.0
MAX_SECONDS = 120.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:  # NaN fails too
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_SECONDS:g}")
    return value


def configure(subparsers) -> None:
    """Add the `hr-scan` subcommand."""
    parser = subparsers.add_parser("hr-scan", help="list Bluetooth heart-rate straps in range (service 0x180D)")
    parser.add_argument("--seconds", type=_seconds, default=DEFAULT_SECONDS, metavar="N",
                        help=f"how long to listen (default {DEFAULT_SECONDS:g})")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    import asyncio

    return asyncio.run(run_scan(args.seconds))


# no `typing` import: this module is loaded for every command's --help (ui/cli.py EXTENSIONS)
async def run_scan(seconds: float, *, backend=None, out=None, err=None) -> int:
    """Scan and print to `out` (stdout); 0 with one line a strap, else 2 with one line on `err`
    (stderr). `backend`: bleak backend classes (drivers.heart_rate.BleakBackend), None in use."""
    from drivers.heart_rate.bt_errors import describe
    from drivers.heart_rate.scan import scan_straps

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        straps = await scan_straps(seconds, backend=backend)
    except Exception as exc:  # the Bluetooth stack's failures become one line
        print(f"retrotread: hr-scan: {describe(exc)}", file=err)
        return EXIT_REFUSED
    if not straps:
        print(f"retrotread: hr-scan: no heart-rate strap (service 0x180D) found within {seconds:g} s "
              "(wear it: most straps advertise only with skin contact)", file=err)
        return EXIT_REFUSED
    for strap in straps:
        print(f"{strap.address}  {strap.name or '(no name)'}  {strap.rssi_dbm} dBm", file=out)
    return 0
