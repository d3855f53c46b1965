"""`retrotread import FILE -o PROGRAM.toml`: a ZWO run workout, a QZ program or a FIT workout
as a retrotread program (docs/imports.md).

The result is checked as `retrotread check` checks a program, against the profile it names
(`--profile`, else the site's default), before anything is written; what could not be
carried over is listed on stderr and in the file's header. Refused input -- an unreadable or
garbled file, an unknown format, a ZWO without a threshold pace, a result over the profile's
caps, an `-o` that exists or cannot be written -- is one line and exit 2, nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

EXIT_REFUSED = 2


def _pace(text: str) -> float:
    from ui.importers.zwo import parse_pace

    try:
        return parse_pace(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_pace.__name__ = "threshold pace"


def configure(subparsers) -> None:
    parser = subparsers.add_parser("import", help="a ZWO run workout, QZ program or FIT workout as a program (TOML)")
    parser.add_argument("file", metavar="FILE", help="the workout: .zwo, QZ's .xml, or a FIT workout (.fit)")
    parser.add_argument("-o", "--output", required=True, metavar="PROGRAM.toml", help="the program to write")
    parser.add_argument("--threshold-pace", type=_pace, metavar="MM:SS/km",
                        help="ZWO only: the runner's threshold pace (a target of 1.0), e.g. 5:00/km or 8:03/mi")
    parser.add_argument("--format", choices=("zwo", "qz", "fit"), help="the file's format (default: from its content)")
    parser.add_argument("--profile", help="the speed profile the program runs under (default: the site's)")
    parser.add_argument("--config", metavar="FILE", help="site configuration (TOML) over config/default.toml")
    parser.add_argument("--force", action="store_true", help="replace PROGRAM.toml if it exists")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    from drivers.input_errors import InputError
    from ui.importers import ImportRefused, read_file, toml_writer
    from ui.session.plan import Refused, load_site

    err = sys.stderr
    try:
        site = load_site(args.config)
        profile = args.profile or site.default_profile
        if profile not in site.profiles:
            raise Refused(f"--profile: unknown profile {profile!r} (known: {', '.join(site.profiles)})")
        target = _target(args.output, args.file, args.force)
        imported = read_file(args.file, args.format, args.threshold_pace)
        text, origins = toml_writer.render(imported, profile)
        program = _checked(text, str(target), origins, site.profiles[profile], imported.source)
        _write(target, text)
    except (Refused, ImportRefused, InputError) as exc:
        for line in str(exc).splitlines():  # one line per error
            print(f"retrotread: {line}", file=err)
        return EXIT_REFUSED
    for item in imported.lost:
        print(f"retrotread: {imported.source}: not carried over: {item}", file=err)
    minutes = program.total_duration_s / 60
    print(f"imported: {imported.source} -> {target}: {program.name!r}, {len(program.steps)} steps, {minutes:.1f} min, "
          f"profile {profile}, forward only; {len(imported.lost)} thing(s) not carried over"
          f"{' (listed above and in the file)' if imported.lost else ''}")
    return 0


def _target(output: str, source: str, force: bool) -> Path:
    """The -o path, refused (one line) if it exists without --force, is the input, or its folder is missing."""
    from ui.session.plan import Refused

    target = Path(output)
    if target.exists() and target.resolve() == Path(source).resolve():
        raise Refused(f"-o {output}: that is the file being imported")
    if target.is_dir():
        raise Refused(f"-o {output}: is a folder; give the program's file name")
    if target.exists() and not force:
        raise Refused(f"-o {output}: exists; add --force to replace it")
    if not target.parent.is_dir():
        raise Refused(f"-o {output}: cannot write: no folder {target.parent}")
    return target


def _checked(text: str, out: str, origins: dict[str, str], profile, source: str):
    """The written program parsed and checked as `check` would; each refusal names the source's element."""
    import tomllib

    from controller.program import check_program, parse_program
    from drivers.input_errors import InputError
    from ui.session.plan import Refused

    try:
        program = parse_program(tomllib.loads(text), out)
        check_program(program, profile)
    except InputError as exc:
        lines = []
        for error in getattr(exc, "errors", (exc,)):  # one line per error
            field = error.field or ""
            origin = origins.get(field.rsplit(".", 1)[0] if "." in field else field)
            lines.append(f"{source}: {origin or field or 'program'}: {error.reason} (as the program's "
                         f"{field or 'file'} under the {profile.name} profile; nothing written)")
        raise Refused("\n".join(lines)) from None
    return program


def _write(target: Path, text: str) -> None:
    """Write beside the target and rename onto it: a failed write leaves the target as it was."""
    from ui.session.plan import Refused

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise Refused(f"-o {target}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise Refused(f"-o {target}: cannot write: {exc.strerror}") from None
