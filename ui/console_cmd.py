"""`retrotread console` and `retrotread set-pin`. Light at import: Textual loads in the handler.

Everything the operator gave is checked before the drive is opened (S12): the site config,
the program against the profile, the profile itself, the driver URL. A refusal is one line on
stderr and exit code 2, with nothing started.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2


def configure(sub) -> None:
    from ui.cli import _seed  # ui.cli is what calls configure(), so it is loaded already

    console = sub.add_parser("console", help="the operator console (Textual); simulator by default")
    console.add_argument("--driver", default="sim://", metavar="URL",
                         help="sim:// (default), modbus-tcp://host:port?profile=NAME, modbus-rtu:///dev/tty..., serial://...")
    console.add_argument("--program", metavar="FILE", help="program to load at start (TOML)")
    console.add_argument("--profile", help="speed profile: rehab, fitness, athlete (athlete needs the operator PIN)")
    console.add_argument("--programs", metavar="DIR", action="append", default=[],
                         help="a directory of programs for the picker, besides the shipped ones (repeatable)")
    console.add_argument("--data-dir", metavar="DIR", help="the records' folder (default: $RETROTREAD_DATA, else "
                         "~/.local/share/retrotread)")
    console.add_argument("--record", action=argparse.BooleanOptionalAction, default=True,
                         help="record each session in the data folder (default: yes)")
    console.add_argument("--person", metavar="CODE", help="the person's pseudonymous code for the first session")
    console.add_argument("--sessions", metavar="DIR", help="record into an old-style sessions folder instead "
                         "(one trace and one summary per session; `retrotread sessions import DIR` reads them)")
    console.add_argument("--config", metavar="FILE", help="site configuration (TOML) over config/default.toml")
    console.add_argument("--mqtt", metavar="URL", help="publish telemetry to this broker (docs/telemetry.md; "
                         "else the site's [telemetry]); a broker that is down never stops a belt")
    console.add_argument("--treadmill-id", metavar="ID", help="this treadmill's id in the topics (default: the host name)")
    console.add_argument("--pin-file", metavar="FILE", help="operator PIN file (default ~/.config/retrotread/pin.json)")
    console.add_argument("--seed", type=_seed, default=0, help="simulator random seed (default 0)")
    console.set_defaults(handler=cmd_console)

    set_pin = sub.add_parser("set-pin", help="set the operator PIN (stored as a salted scrypt hash)",
                             description="Set the operator PIN. On a terminal it asks twice; otherwise it reads "
                                         "the new PIN from the first line of stdin (with a PIN already set: the "
                                         "current PIN on the first line, the new one on the second).")
    set_pin.add_argument("--pin-file", metavar="FILE", help="PIN file (default ~/.config/retrotread/pin.json)")
    set_pin.set_defaults(handler=cmd_set_pin)


# ---- retrotread set-pin -----------------------------------------------------------------
def cmd_set_pin(args, stdin=None, out=None, err=None) -> int:
    from ui.pin import PinError, PinStore, check_format

    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    store = PinStore(args.pin_file)
    interactive = stdin.isatty()
    lines = None if interactive else stdin.read().splitlines()

    def ask(prompt: str) -> str:
        if interactive:
            return getpass.getpass(prompt)
        return lines.pop(0).strip() if lines else ""

    try:
        if store.exists():
            verdict = store.verify(ask("Current PIN: "))
            if not verdict.ok:
                print(f"retrotread: {verdict.message} (forgotten? delete {store.path} and set a new one)", file=err)
                return EXIT_REFUSED
        pin = ask("New PIN (4-12 digits): ")
        if (reason := check_format(pin)) is not None:
            print(f"retrotread: set-pin: {reason}", file=err)
            return EXIT_REFUSED
        if interactive and getpass.getpass("The same PIN again: ") != pin:
            print("retrotread: set-pin: the two PINs differ; nothing changed", file=err)
            return EXIT_REFUSED
        store.set_pin(pin)
    except PinError as exc:
        print(f"retrotread: {exc}", file=err)
        return EXIT_REFUSED
    print(f"operator PIN set ({store.path}: salted scrypt hash, never the PIN)", file=out)
    return EXIT_OK


# ---- retrotread console -------------------------------------------------------------------
def plan(args):
    """Check everything; return (session plan, pins, program dirs). Raises Refused."""
    from ui.console.catalog import SHIPPED_DIR
    from ui.pin import PinError, PinStore
    from ui.session.plan import Refused, plan_session

    pins = PinStore(args.pin_file)

    def authorization(name: str) -> str | None:
        try:
            has_pin = pins.exists()
        except PinError as exc:
            return str(exc)
        return None if has_pin else f"profile {name!r} needs the operator PIN, and none is set: run `retrotread set-pin`"

    session = plan_session(config=args.config, program_path=args.program, profile_flag=args.profile,
                           authorization=authorization, driver_url=args.driver, seed=args.seed)
    try:
        pins.exists()
    except PinError as exc:
        raise Refused(str(exc)) from None
    from ui.console.sound import SoundError, sound_settings

    try:
        sound_settings(session.site.console, f"{session.site_file or 'config/default.toml'}: [console]")
    except SoundError as exc:
        raise Refused(str(exc)) from None
    from ui.session.telemetry import plan_telemetry

    session.extra["telemetry"] = plan_telemetry(mqtt=args.mqtt, treadmill_id=args.treadmill_id, plan=session)
    dirs = [SHIPPED_DIR]
    for text in args.programs:
        path = Path(text)
        if not path.is_dir():
            raise Refused(f"--programs {text}: no such directory")
        dirs.append(path)
    if not args.programs and Path("programs").is_dir():
        dirs.append(Path("programs"))
    return session, pins, dirs


def records_for(args):
    """(store or None, person, their mass): the data folder opened for recording, once every
    other check has passed. Raises Refused."""
    from ui.session.plan import Refused
    from ui.session.records import StoreError
    from ui.session.records.planning import open_records, person_figures

    try:
        mass_kg, _ = person_figures(args.data_dir, args.person, None, None)
        store = open_records(args.data_dir) if args.record and not args.sessions else None
    except StoreError as exc:
        raise Refused(str(exc)) from None
    return store, args.person, mass_kg


def cmd_console(args) -> int:
    from ui.session.plan import Refused

    try:
        session, pins, dirs = plan(args)
        store, person, mass_kg = records_for(args)
    except Refused as exc:
        for line in str(exc).splitlines():  # a program's errors: every one, one line each
            print(f"retrotread: {line}", file=sys.stderr)
        return EXIT_REFUSED

    from drivers import DriveError
    from ui.engine import Engine

    try:
        legacy = Path(args.sessions) if args.sessions and args.record else None
        engine = Engine(session.site, session.profile, session.program, driver_url=session.driver_url,
                        seed=session.seed, ui_heartbeat_timeout_s=1.0, sessions_dir=legacy,
                        site_file=session.site_file, records=store, telemetry=session.extra.get("telemetry"))
        engine.set_person(person, mass_kg)
        engine.start()
    except DriveError as exc:
        print(f"retrotread: {exc} (nothing moved)", file=sys.stderr)
        return EXIT_REFUSED
    from ui.console.app import ConsoleApp
    from ui.console.records_flow import PLANS_DIR
    from ui.console.settings import default_path

    try:
        plan_dirs = [PLANS_DIR] + ([Path("plans")] if Path("plans").is_dir() else [])  # shipped, then the user's
        ConsoleApp(engine, pins=pins, program_dirs=dirs, sessions_dir=store.folder if store else legacy,
                   start_locked=True, plan_dirs=plan_dirs, settings_path=default_path()).run()
    finally:
        if not engine.stop(timeout_s=120.0):
            print("retrotread: the control loop did not stop within 120 s; the drive's own watchdog "
                  "stops the belt", file=sys.stderr)
    if engine.loop_error:
        print(f"retrotread: {engine.loop_error}", file=sys.stderr)
        return 3
    return EXIT_OK
