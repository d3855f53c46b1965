"""`retrotread sim-server`: serve the simulated treadmill as a real drive.

    retrotread sim-server --modbus-tcp 127.0.0.1:5020 --drive-profile delta-ms300
    retrotread sim-server --modbus-rtu /tmp/ttyV0 --baud 19200 --drive-profile yaskawa-v1000
    retrotread sim-server --serial /tmp/ttyV0 --protocol biodex

The same belt, drive, person and faults as sim://, behind a real protocol stack. Modbus TCP
binds 127.0.0.1 unless an address is given. Once listening it prints one line naming where
(tests and scripts wait for it); SIGINT/SIGTERM stop it. The control channel for
injections is described in docs/drives.md and sim/control.py.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_PROFILE = "delta-ms300"
EXIT_REFUSED = 2


def _tcp_address(text: str) -> tuple[str, int]:
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected [HOST:]PORT, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} must be within 0-65535 (0: any free port)")
    return host, port


def _unit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 247:
        raise argparse.ArgumentTypeError("a Modbus unit id is within 1-247")
    return value


def configure(subparsers) -> None:
    """Add the `sim-server` subcommand."""
    parser = subparsers.add_parser("sim-server", help="serve the simulated drive over Modbus TCP/RTU or serial")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--modbus-tcp", type=_tcp_address, metavar="[HOST:]PORT",
                       help="serve Modbus TCP (host defaults to 127.0.0.1; port 0 picks a free one)")
    where.add_argument("--modbus-rtu", metavar="DEVICE", help="serve Modbus RTU on a serial device or pty")
    where.add_argument("--serial", metavar="DEVICE", help="serve a treadmill serial protocol (see --protocol)")
    parser.add_argument("--protocol", help="serial protocol for --serial (e.g. biodex)")
    # --drive-profile: a register map (DriveProfile), not a speed profile as --profile means in
    # run and console; --profile stays as the old spelling.
    parser.add_argument("--drive-profile", "--profile", dest="drive_profile", default=DEFAULT_PROFILE,
                        metavar="NAME",
                        help=f"drive profile to emulate (config/drives/NAME.toml; default {DEFAULT_PROFILE}); "
                             "--profile is the older name of this option")
    parser.add_argument("--unit", type=_unit, default=1, help="the drive's Modbus unit id (default 1)")
    parser.add_argument("--control-unit", type=_unit, default=99, help="control channel unit id (default 99)")
    parser.add_argument("--baud", type=int, help="baud rate (default: 19200 for RTU, the protocol's own for --serial)")
    parser.add_argument("--parity", choices=["N", "E", "O"], default="N", help="RTU parity (default N)")
    parser.add_argument("--stopbits", type=int, choices=[1, 2], default=1, help="RTU stop bits (default 1)")
    parser.add_argument("--control-tcp", type=_tcp_address, metavar="[HOST:]PORT",
                        help="with --modbus-rtu: also serve Modbus TCP here (for the control unit)")
    parser.add_argument("--emulate-line-speed", action="store_true",
                        help="with --modbus-rtu: delay replies by the wire time at --baud (ptys are instant)")
    parser.add_argument("--config", metavar="FILE", help="site file: its [drive] table (scaling, inputs)")
    parser.add_argument("--seed", type=int, default=0, help="simulator random seed (default 0)")
    parser.add_argument("--fitness", choices=["low", "average", "high"], default="average",
                        help="the simulated person's fitness, for their heart rate (default average)")
    parser.set_defaults(handler=run)


def _load(args):
    """(SiteConfig, DriveSite, DriveProfile) or raise ValueError with a one-line message."""
    from controller.errors import InputError
    from controller.limits import load_site_config
    from drivers.base import DriveError
    from drivers.profiles import load_profile
    from drivers.site import load_drive_site

    try:
        try:
            site = load_site_config(args.config)
        except InputError as exc:
            if exc.field != "drive" or args.config is None:
                raise
            site = load_site_config(None)  # the limits do not know [drive] yet: use the defaults
        drive_site = load_drive_site(args.config)
        profile = load_profile(args.drive_profile) if args.modbus_tcp or args.modbus_rtu else None
    except (InputError, DriveError) as exc:
        raise ValueError(str(exc)) from None
    return site, drive_site, profile


def run(args) -> int:
    """The handler: serve until interrupted."""
    import asyncio
    import signal

    if args.serial and not args.protocol:
        print("retrotread: sim-server --serial needs --protocol (e.g. --protocol biodex)", file=sys.stderr)
        return EXIT_REFUSED
    if args.protocol and not args.serial:
        print("retrotread: sim-server --protocol goes with --serial DEVICE", file=sys.stderr)
        return EXIT_REFUSED
    if (args.control_tcp or args.emulate_line_speed) and not args.modbus_rtu:
        print("retrotread: sim-server --control-tcp and --emulate-line-speed go with --modbus-rtu",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        site, drive_site, profile = _load(args)
    except ValueError as exc:
        print(f"retrotread: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    from sim.server_modbus import make_world

    world = make_world(site, drive_site, seed=args.seed, fitness=args.fitness)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, task.cancel)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            await _serve(args, world, site, drive_site, profile)
        except asyncio.CancelledError:
            return 0
        return 0

    try:
        return asyncio.run(main())
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"retrotread: sim-server: {exc}", file=sys.stderr)
        return EXIT_REFUSED


async def _serve(args, world, site, drive_site, profile) -> None:
    if args.serial:
        await _serve_serial(args, world)
        return
    from sim.server_modbus import serve

    def ready(server) -> None:
        if server.device is None:
            host, port = server.address
            where = f"modbus-tcp://{host}:{port}"
        else:
            where = f"modbus-rtu://{server.device}?baud={args.baud or 19200}&parity={args.parity}"
        also = ""
        if server.device is not None and server.address is not None:
            also = f", also modbus-tcp://{server.address[0]}:{server.address[1]}"
        print(f"serving {profile.name} on {where} (drive unit {server.unit}, I/O unit "
              f"{server.site.io_unit}, control unit {server.control_unit}{also}); Ctrl-C stops", flush=True)

    if args.modbus_tcp:
        await serve(world, profile, drive_site, tcp=args.modbus_tcp, unit=args.unit,
                    control_unit=args.control_unit, ready=ready)
    else:
        await serve(world, profile, drive_site, rtu=(args.modbus_rtu, args.baud or 19200, args.parity, args.stopbits),
                    control_tcp=args.control_tcp, emulate_line_speed=args.emulate_line_speed,
                    unit=args.unit, control_unit=args.control_unit, ready=ready)


async def _serve_serial(args, world) -> None:
    """The serial line protocols live in sim/server_serial.py (a blocking serve in a thread)."""
    import asyncio
    import threading

    try:
        from sim.server_serial import serve as serve_serial
    except ImportError:
        raise ValueError(f"--protocol {args.protocol}: the serial simulator is not available") from None
    stop = threading.Event()
    options = {"stop": stop}
    if args.baud:
        options["baud"] = args.baud
    print(f"serving {args.protocol} on {args.serial}; Ctrl-C stops", flush=True)
    try:
        await asyncio.to_thread(serve_serial, world, args.serial, args.protocol, **options)
    finally:
        stop.set()
