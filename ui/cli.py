"""The `retrotread` command line. Refused input: one line on stderr, exit 2, nothing moved."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# pydantic looks for plugins by scanning every installed distribution's entry points, which
# costs ~0.15 s of every command's start-up; retrotread uses none. An explicit setting wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


EXIT_REFUSED = 2

#: Subcommands that live in their own module: command -> module with a light top level that
#: defines configure(subparsers) (adds the subparser and sets `handler=` via set_defaults) and
#: keeps heavy imports (textual, pymodbus) inside its handler.
EXTENSIONS: dict[str, str] = {
    "sim-server": "ui.sim_server",
    "console": "ui.console_cmd",
    "hr-scan": "ui.hr_scan",
    "sessions": "ui.sessions_cmd",
    "report": "ui.report_cmd",
    "fleet": "ui.fleet_cmd",
    "fleet-sim": "ui.fleet_sim",
    "plan": "ui.plan_cmd",
    "programs": "ui.programs_cmd",
    "import": "ui.import_cmd",
}


class _Version(argparse.Action):
    """`--version`: the version (ui/version.py, which pyproject.toml reads too)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from ui.version import __version__

        print(f"retrotread {__version__}")
        parser.exit(0)


class _InjectAction(argparse._AppendAction):
    """`--inject`: its help lists the injection vocabulary (sim/faults.py), looked up only when
    help is shown, so that start-up imports none of it."""

    @property
    def help(self) -> str:
        from sim.faults import EVENT_NAMES

        return "inject an event (sim only): " + ", ".join(EVENT_NAMES) + "; e.g. fall@30, hr:150@60"

    @help.setter
    def help(self, _text) -> None:
        pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and still exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_REFUSED, f"{self.prog}: {message} (see --help)\n")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _bounded(name: str, low: float, high: float, unit: str):
    """An argparse type: a number within [low, high], else one line naming the range."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{text} is outside {low:g}-{high:g} {unit}")
        return value

    parse.__name__ = name  # argparse names the type in its message
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retrotread", description="Open treadmill controller for backward walking.")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run an interval program headless (simulator by default)")
    run.add_argument("program", nargs="?", help="interval program (TOML); or --plan PLAN --person CODE")
    run.add_argument("--plan", metavar="PLAN", help="run the next session of this plan for --person, from their "
                     "recorded sessions (docs/plans.md)")
    run.add_argument("--driver", default="sim://", metavar="URL",
                     help="sim:// (default), modbus-tcp://host:port?profile=NAME, modbus-rtu:///dev/tty..., serial://...")
    run.add_argument("--profile", help="speed profile: rehab, fitness, athlete (default: the program's, else the site's)")
    run.add_argument("--allow-reverse", action="store_true",
                     help="arm reverse for this session (the operator has checked the harness)")
    run.add_argument("--authorize-athlete", action="store_true",
                     help="operator authorisation for the athlete profile")
    run.add_argument("--fast", action="store_true", help="simulated time, as fast as the machine allows (sim only)")
    run.add_argument("--inject", action=_InjectAction, metavar="EVENT@SECONDS", default=[])
    run.add_argument("--sim-control", metavar="HOST:PORT",
                     help="the control unit of a served simulator (retrotread sim-server): lets --inject "
                          "drive it when --driver points at it")
    run.add_argument("--trace", metavar="FILE", help="write a JSON Lines trace")
    run.add_argument("--config", metavar="FILE", help="site configuration (TOML) over config/default.toml")
    run.add_argument("--seed", type=_seed, default=0, help="simulator random seed (default 0)")
    run.add_argument("--hr", metavar="URL", help="heart-rate source: sim (the simulated person; the default "
                     "on sim://), ble://AA:BB:CC:DD:EE:FF (a Bluetooth strap; see hr-scan), or none")
    run.add_argument("--max-hr", type=_bounded("heart rate", 60, 230, "bpm"), metavar="BPM",
                     help="heart-rate limit for this session (60-230; only tightens the profile's and program's)")
    run.add_argument("--mass-kg", type=_bounded("mass", 20, 300, "kg"), metavar="KG",
                     help="the walker's mass for the energy estimate (20-300; default 70 kg, shown as an estimate)")
    run.add_argument("--person", metavar="CODE", help="the person's pseudonymous code (letters, digits, _ or -, up "
                     "to 32): the session is recorded under it")
    run.add_argument("--record", action=argparse.BooleanOptionalAction, default=None,
                     help="record the session in the data folder (default: real-time runs are recorded, --fast not)")
    run.add_argument("--data-dir", metavar="DIR", help="the records' folder (default: $RETROTREAD_DATA, else "
                     "~/.local/share/retrotread)")
    run.add_argument("--mqtt", metavar="URL", help="publish telemetry to this broker: mqtt://[user[:password]@]host"
                     "[:port] or mqtts://... (docs/telemetry.md); a broker that is down never stops the run")
    run.add_argument("--treadmill-id", metavar="ID", help="this treadmill's id in the topics ([a-z0-9_-], up to 32; "
                     "default: the host name)")

    check = sub.add_parser("check", help="validate interval programs")
    check.add_argument("programs", nargs="+", metavar="PROGRAM")
    check.add_argument("--profile", help="check against this profile instead of the program's")
    check.add_argument("--config", metavar="FILE", help="site configuration (TOML)")

    diagram = sub.add_parser("diagram", help="the state machine as Mermaid (or SVG with graphviz)")
    diagram.add_argument("--format", choices=["mermaid", "svg"], default="mermaid")
    diagram.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    for module_name in EXTENSIONS.values():
        importlib.import_module(module_name).configure(sub)
    return parser


def cmd_run(args) -> int:
    import asyncio

    from ui.run import Refused, execute, plan_run

    try:
        plan = plan_run(args)
    except Refused as exc:
        for line in str(exc).splitlines():  # a program's errors: every one, one line each
            print(f"retrotread: {line}", file=sys.stderr)
        return EXIT_REFUSED
    return asyncio.run(execute(plan))


def cmd_check(args) -> int:
    """Every error of every file, one line each (`FILE: FIELD: REASON`); an ok line per good file
    with its true length (ramps, dwells and countdowns included). An unknown --profile is the
    flag's error, said once."""
    from controller.duration import timeline
    from controller.program import in_file_order, limit_errors, read_program_file
    from drivers.input_errors import InputError
    from ui.session.plan import Refused, load_site, profile_name_for
    from ui.session.words import mmss

    try:
        site = load_site(args.config)
        if args.profile:
            profile_name_for(site, None, args.profile)
    except Refused as exc:
        print(f"retrotread: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    failed = False
    for path in args.programs:
        try:
            program, errors = read_program_file(path)
        except InputError as exc:  # unreadable, or not TOML: nothing more to say about it
            print(exc, file=sys.stderr)
            failed = True
            continue
        lines = [error.line for error in errors]
        try:
            name = profile_name_for(site, program, args.profile, where=f"{path}: profile")
        except Refused as exc:
            lines.insert(0, str(exc))
        else:
            lines = [error.line for error in in_file_order(errors + limit_errors(program, site.profiles[name]))]
        if lines:
            print("\n".join(lines), file=sys.stderr)
            failed = True
            continue
        length = timeline(program, site.profiles[name])
        reverse = ", reverse: needs --allow-reverse" if program.has_reverse else ""
        print(f"ok: {path}: {program.name!r}, {len(program.steps)} steps, {mmss(length.total_s)} "
              f"(steps {mmss(sum(length.steps_s))} + ramps, dwells and countdowns {mmss(length.extra_s)}), "
              f"profile {name}{reverse}")
    return EXIT_REFUSED if failed else 0


def cmd_diagram(args) -> int:
    from ui.diagram import render

    try:
        text = render(args.format)
    except RuntimeError as exc:
        print(f"retrotread: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            print(f"retrotread: --output {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
            return EXIT_REFUSED
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {"run": cmd_run, "check": cmd_check, "diagram": cmd_diagram}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = COMMANDS.get(args.command) or args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("retrotread: interrupted", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())


def run_main() -> None:
    """Console-script entry point."""
    sys.exit(main())
