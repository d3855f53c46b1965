"""`retrotread sessions list|show|note|export|import|person|prune`: the records (docs/records.md).

Light at import (the store loads in the handler). Bad input -- an unknown id or person, RPE
or pain out of range, an unwritable -o, an unknown format, an empty store, a database that is
not ours -- is one line on stderr and exit code 2, with nothing changed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2
FORMATS = ("fit", "csv", "jsonl")


def configure(sub) -> None:
    from ui.cli import _Parser  # ui.cli is what calls configure(), so it is loaded already

    sessions = sub.add_parser("sessions", help="session records: list, show, note, export, import, person, prune",
                              description="The session records in the data folder (--data-dir, else "
                                          "$RETROTREAD_DATA, else ~/.local/share/retrotread).")
    actions = sessions.add_subparsers(dest="action", required=True, parser_class=_Parser)

    def action(name: str, help_text: str, handler):
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--data-dir", metavar="DIR", help="the data folder (default: $RETROTREAD_DATA, "
                                                              "else the platform's user data folder)")
        parser.set_defaults(handler=handler)
        return parser

    listing = action("list", "the sessions, newest first", cmd_list)
    listing.add_argument("--person", metavar="CODE", help="only this person's")
    listing.add_argument("--json", action="store_true", help="a JSON array of summaries (without steps)")
    show = action("show", "one session's summary and steps", cmd_show)
    show.add_argument("id", metavar="ID|last")
    show.add_argument("--json", action="store_true", help="the summary as JSON (DESIGN.md's fields)")
    note = action("note", "add effort (RPE), pain and a note to a session", cmd_note)
    note.add_argument("id", metavar="ID|last")
    note.add_argument("--rpe", type=float, metavar="N", help="effort, Borg CR10: 0 (rest) to 10 (maximal)")
    note.add_argument("--pain", type=int, metavar="N", help="pain, 0 (none) to 10 (worst imaginable)")
    note.add_argument("--text", metavar="TEXT", help="a free note (no names: the records are pseudonymous)")
    export = action("export", "write a session as FIT, CSV or its JSON Lines trace", cmd_export)
    export.add_argument("id", metavar="ID|last")
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    importing = action("import", "import the console's old sessions folder (idempotent)", cmd_import)
    importing.add_argument("folder", metavar="DIR")
    person = action("person", "show a person, or set their mass and heart-rate limit (adds them if new)",
                    cmd_person)
    person.add_argument("code", metavar="CODE")
    person.add_argument("--mass-kg", type=float, metavar="KG", help="mass for the energy estimate (20-300)")
    person.add_argument("--max-hr", type=float, metavar="BPM", help="heart-rate limit for their sessions (60-230)")
    person.add_argument("--json", action="store_true")
    prune = action("prune", "delete sessions older than DAYS (rows and traces)", cmd_prune)
    prune.add_argument("--older-than", required=True, type=float, metavar="DAYS")
    prune.add_argument("--person", metavar="CODE", help="only this person's")
    prune.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")


def _refused(text: str) -> int:
    print(f"retrotread: {text}", file=sys.stderr)
    return EXIT_REFUSED


def _guarded(handler):
    """Run a command against the store: StoreError and database errors are one line, exit 2."""
    def run(args) -> int:
        import sqlite3

        from ui.session.records import StoreError, data_dir

        try:
            return handler(args)
        except StoreError as exc:
            return _refused(str(exc))
        except sqlite3.Error as exc:  # a database damaged after it opened: named, never repaired
            return _refused(f"{data_dir(args.data_dir) / 'sessions.db'}: {exc}; left as it is")
    run.__name__ = handler.__name__
    return run


def _open(args, *, create: bool = False):
    from ui.session.records import Store

    return Store.open(args.data_dir, create=create)


@_guarded
def cmd_list(args) -> int:
    from ui.session.records.text import list_rows

    with _open(args) as store:
        summaries = store.list(args.person)
        if not summaries and args.person is None:
            return _refused(f"{store.folder}: no sessions recorded yet")
    if args.json:
        print(json.dumps(summaries, indent=2))
    elif not summaries:
        print(f"no sessions for {args.person}")
    else:
        print("\n".join(list_rows(summaries)))
    return EXIT_OK


@_guarded
def cmd_show(args) -> int:
    from ui.session.records.text import show_lines

    with _open(args) as store:
        summary = store.get(args.id)
    print(json.dumps(summary, indent=2) if args.json else "\n".join(show_lines(summary)))
    return EXIT_OK


@_guarded
def cmd_note(args) -> int:
    with _open(args) as store:
        summary = store.note(args.id, rpe=args.rpe, pain=args.pain, text=args.text)
    print(f"session {summary['id']}: RPE {_g(summary['rpe'])}, pain {_g(summary['pain'])}"
          + (f", note: {summary['note']}" if summary["note"] else ""))
    return EXIT_OK


@_guarded
def cmd_export(args) -> int:
    from ui.session.records import StoreError

    target = Path(args.output)
    writer = _exporter(args.format)
    _check_writable(target)
    with _open(args) as store:
        summary = store.get(args.id)
        trace_path = store.trace_path(summary["id"])
        temporary = _temporary_beside(target)
        try:
            writer(summary, store.trace(summary["id"]), temporary)
            os.replace(temporary, target)
        except OSError as exc:
            raise StoreError(f"-o {target}: cannot write: {exc.strerror or exc}") from None
        except ValueError as exc:  # a trace with no ticks (a session killed in its first second), a bad line
            raise StoreError(f"session {summary['id']}: cannot export as {args.format}: {exc}") from None
        finally:
            temporary.unlink(missing_ok=True)
    print(f"session {summary['id']} ({trace_path.name}) -> {target} ({args.format})")
    return EXIT_OK


def _g(value) -> str:
    return "-" if value is None else f"{value:g}"


def _exporter(fmt: str):
    """The writer for a format: (summary, trace records, path) -> None."""
    from ui.session.records import StoreError

    if fmt == "jsonl":
        return _write_jsonl
    try:
        if fmt == "fit":
            from ui.export.fit import write_fit as writer
        else:
            from ui.export.csv import write_csv as writer
    except ImportError:
        raise StoreError(f"--format {fmt}: not available in this version of retrotread (jsonl is)") from None
    return writer


def _write_jsonl(summary, trace, path: Path) -> None:
    """The trace as JSON Lines. Given the store's trace (a TraceRecords), its text is copied as
    it was recorded, without parsing it (a recorded hour is 180,000 lines)."""
    with open(path, "w", encoding="utf-8") as out:
        lines = getattr(trace, "lines", None)
        if lines is not None:
            for line in lines():
                out.write(line + "\n")
            return
        for record in trace:
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def _check_writable(target: Path) -> None:
    from ui.session.records import StoreError

    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise StoreError(f"-o {target}: is a folder; name a file")
    if not folder.is_dir():
        raise StoreError(f"-o {target}: no such folder {folder}")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise StoreError(f"-o {target}: cannot write there (permission denied)")


def _temporary_beside(target: Path) -> Path:
    """A new file beside `target`, renamed onto it once whole (a failure leaves -o as it was)."""
    fd, name = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".part", dir=target.parent or ".")
    os.close(fd)
    return Path(name)


@_guarded
def cmd_import(args) -> int:
    from ui.session.records.importer import import_sessions, read_folder

    old = read_folder(Path(args.folder))  # every file checked before the store is even opened
    with _open(args, create=True) as store:
        added, skipped = import_sessions(store, old)
    print(f"imported {len(added)} session{'s' * (len(added) != 1)} from {args.folder} into {store.folder}"
          + (f" ({skipped} already there)" if skipped else ""))
    return EXIT_OK


@_guarded
def cmd_prune(args) -> int:
    from ui.session.records.text import list_rows

    with _open(args) as store:
        gone = store.prune(args.older_than, person=args.person, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    if not gone:
        print(f"nothing older than {args.older_than:g} days")
        return EXIT_OK
    print("\n".join(list_rows(gone)))
    print(f"{verb} {len(gone)} session{'s' * (len(gone) != 1)}")
    return EXIT_OK


MASS_RANGE_KG = (20.0, 300.0)  # as run's --mass-kg
MAX_HR_RANGE_BPM = (60.0, 230.0)  # as run's --max-hr


@_guarded
def cmd_person(args) -> int:
    from ui.session.records import StoreError
    from ui.session.records.folder import check_person

    check_person(args.code, "person")
    for flag, value, (low, high) in (("--mass-kg", args.mass_kg, MASS_RANGE_KG),
                                     ("--max-hr", args.max_hr, MAX_HR_RANGE_BPM)):
        if value is not None and not low <= value <= high:  # also refuses nan
            raise StoreError(f"{flag} {value:g}: out of range {low:g}-{high:g}")
    setting = args.mass_kg is not None or args.max_hr is not None
    with _open(args, create=setting) as store:
        if setting:
            person = store.set_person(args.code, mass_kg=args.mass_kg, max_hr_bpm=args.max_hr)
        elif (person := store.person(args.code)) is None:
            raise StoreError(f"person {args.code}: no such person in {store.folder}")
        count = sum(1 for _ in store.list(args.code))
    if args.json:
        print(json.dumps({**person, "sessions": count}, indent=2))
    else:
        print(f"person {person['code']}: mass {_g(person['mass_kg'])} kg, heart-rate limit "
              f"{_g(person['max_hr_bpm'])} bpm, {count} session{'s' * (count != 1)}")
    return EXIT_OK
