"""`retrotread fleet-sim`: N simulated treadmills publishing telemetry, in real time, in one process.

    retrotread fleet-sim --count 16 --mqtt mqtt://127.0.0.1 [--program FILE] [--seed N]
                         [--chaos SEED] [--duration SECONDS] [--config FILE] [--stats FILE]

Each treadmill (ids sim-01, sim-02, ...) is a real controller and simulator run by its own
session host, exactly as `retrotread run` runs one, with the telemetry sink and a scripted
operator (ui/fleet/crew.py) that starts the program again and again, resets after a safety
stop and, with --chaos, injects faults now and then. All of them run on one event loop and
one real-time clock (ui/fleet/clock.py), their ticks spread evenly over the control period.
Ctrl-C (or --duration) stops every belt, waits for them to stand still, and publishes
`offline`. Light at import: the heavy parts load in the handler.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2
MAX_COUNT = 256
DEFAULT_PROGRAM = Path(__file__).resolve().parent.parent / "config" / "programs" / "beginner-retro-walk.toml"


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-{MAX_COUNT}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1e7:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def configure(sub) -> None:
    from ui.cli import _seed  # ui.cli is what calls configure(), so it is loaded already

    p = sub.add_parser("fleet-sim", help="N simulated treadmills publishing telemetry (MQTT), in real time",
                       description="Run N simulated treadmills (a real controller and simulator each, ids "
                                   "sim-01...) in one process, publishing to an MQTT broker, for demos of "
                                   "the fleet view and for measuring scale.")
    p.add_argument("--count", type=_count, required=True, metavar="N", help=f"how many (1-{MAX_COUNT})")
    p.add_argument("--mqtt", required=True, metavar="URL", help="the broker: mqtt://[user[:password]@]host[:port]"
                                                                " or mqtts://...")
    p.add_argument("--program", metavar="FILE", help="the program each runs (default: the beginner retro walk)")
    p.add_argument("--seed", type=_seed, default=0, help="simulator seed; treadmill i uses SEED+i (default 0)")
    p.add_argument("--chaos", type=_seed, metavar="SEED", help="inject random faults, drawn from SEED")
    p.add_argument("--duration", type=_seconds, metavar="SECONDS", help="stop after this long (default: Ctrl-C)")
    p.add_argument("--config", metavar="FILE", help="site configuration (TOML) over config/default.toml")
    p.add_argument("--stats", metavar="FILE", help="write what was measured as JSON at the end (bench/fleet.py)")
    p.set_defaults(handler=cmd_fleet_sim)


def plan_fleet(args):
    """(session plan, telemetry settings), checked before anything starts; raises Refused."""
    from ui.session.plan import Refused, plan_session
    from ui.session.telemetry import plan_telemetry

    def authorization(name: str) -> str | None:
        return f"profile {name!r} needs an operator's authorisation (S15), which a simulated fleet has not"

    plan = plan_session(config=args.config, program_path=args.program or str(DEFAULT_PROGRAM), profile_flag=None,
                        authorization=authorization, allow_reverse=True, seed=args.seed)
    settings = plan_telemetry(mqtt=args.mqtt, treadmill_id=None, plan=plan)
    if args.stats:
        folder = Path(args.stats).resolve().parent
        if not folder.is_dir():
            raise Refused(f"--stats {args.stats}: no such folder {folder}")
    return plan, settings


def cmd_fleet_sim(args) -> int:
    from ui.session.plan import Refused

    try:
        plan, settings = plan_fleet(args)
    except Refused as exc:
        print(f"retrotread: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    import asyncio

    from ui.fleet.run import Fleet

    fleet = Fleet(plan, settings, args.count, seed=args.seed, chaos=args.chaos, measure=bool(args.stats))
    stats = asyncio.run(fleet.run(args.duration))
    print(fleet.summary(stats))
    if args.stats:
        import json

        Path(args.stats).write_text(json.dumps(stats, indent=1), encoding="utf-8")
    return EXIT_OK
