"""`retrotread programs`: the shipped programs and the user's, each with its profile, its true
length (ramps, dwells and countdowns included) and whether it runs in reverse.

The folders are the console's: the shipped ones (config/programs), then each `--programs DIR`,
or `./programs` when none is given and it exists. A file that does not check is listed too,
with its first error and how many there are (`retrotread check FILE` shows them all); the
listing itself still succeeds. Refused (one line, exit 2): an unknown --profile, a --programs
folder that does not exist, a bad --config.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2
USER_DIR = Path("programs")  # the console's default folder of the user's programs (ui/console_cmd.py)


def configure(sub) -> None:
    programs = sub.add_parser("programs", help="list the shipped programs and yours (profile, true length, reverse)",
                              description="List the shipped programs and yours: name, profile, length with the "
                                          "ramps, dwells and countdowns, and whether it runs in reverse.")
    programs.add_argument("--programs", metavar="DIR", action="append", default=[],
                          help="a folder of your programs (repeatable; default ./programs when it exists)")
    programs.add_argument("--profile", help="list every program under this profile instead of its own")
    programs.add_argument("--config", metavar="FILE", help="site configuration (TOML) over config/default.toml")
    programs.set_defaults(handler=cmd_programs)


@dataclass(frozen=True)
class Row:
    """One program file as listed."""

    origin: str  # "shipped" or the folder's name
    path: Path
    name: str
    profile: str
    length_s: float | None  # None: it does not check
    reverse: bool
    problem: str | None = None  # the first error and how many there are


def folders(program_dirs: list[str]) -> list[tuple[str, Path]]:
    """(origin, folder): the shipped programs, then the user's (as the console finds them)."""
    from controller.limits import CONFIG_DIR

    found = [("shipped", CONFIG_DIR / "programs")]
    if program_dirs:
        found += [(Path(text).name or text, Path(text)) for text in program_dirs]
    elif USER_DIR.is_dir():
        found.append((USER_DIR.name, USER_DIR))
    return found


def row_for(origin: str, path: Path, site, profile_flag: str | None) -> Row:
    """How one file lists: its length under its profile, or why it does not check."""
    from controller.duration import program_duration_s
    from controller.program import in_file_order, limit_errors, read_program_file
    from drivers.input_errors import InputError
    from ui.session.plan import Refused, profile_name_for

    try:
        program, errors = read_program_file(path)
    except InputError as exc:
        return Row(origin, path, path.stem, "-", None, False, exc.reason)
    try:
        name = profile_name_for(site, program, profile_flag, where="profile")
    except Refused as exc:
        return Row(origin, path, program.name, program.profile or "-", None, program.has_reverse,
                   _problem([str(exc)] + [error.line for error in errors], str(path)))
    errors = in_file_order(errors + limit_errors(program, site.profiles[name]))
    if errors:
        return Row(origin, path, program.name, name, None, program.has_reverse,
                   _problem([error.line for error in errors], str(path)))
    return Row(origin, path, program.name, name, program_duration_s(program, site.profiles[name]),
               program.has_reverse)


def _problem(lines: list[str], source: str) -> str:
    first = lines[0].removeprefix(f"{source}: ")
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return f"refused: {first}{more}"


def table(rows: list[Row]) -> list[str]:
    """The listing: one line per program, columns aligned."""
    from ui.session.words import mmss

    header = ("FOLDER", "FILE", "NAME", "PROFILE", "LENGTH", "REVERSE")
    cells = [(row.origin, row.path.name, row.name, row.profile,
              mmss(row.length_s) if row.length_s is not None else "-",
              ("reverse" if row.reverse else "forward only") + (f"  {row.problem}" if row.problem else ""))
             for row in rows]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header) - 1)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1]
            for line in [header, *cells]]


def cmd_programs(args, out=None, err=None) -> int:
    from ui.session.plan import Refused, load_site, profile_name_for

    out, err = out or sys.stdout, err or sys.stderr
    try:
        site = load_site(args.config)
        if args.profile:
            profile_name_for(site, None, args.profile)
    except Refused as exc:
        print(f"retrotread: {exc}", file=err)
        return EXIT_REFUSED
    for text in args.programs:
        if not Path(text).is_dir():
            print(f"retrotread: --programs {text}: no such folder", file=err)
            return EXIT_REFUSED
    rows, seen = [], set()
    for origin, folder in folders(args.programs):
        for path in sorted(folder.glob("*.toml")):
            if path.resolve() not in seen:
                seen.add(path.resolve())
                rows.append(row_for(origin, path, site, args.profile))
    if not rows:
        print("no programs found", file=out)
        return EXIT_OK
    for line in table(rows):
        print(line.rstrip(), file=out)
    return EXIT_OK
