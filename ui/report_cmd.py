"""`retrotread report --person CODE -o FILE.html [--data-dir DIR]`: the printable progress report
of one person's recorded sessions (docs/exports.md).

Light at import: the store and matplotlib load in the handler. Refused, one line on stderr and
exit code 2, nothing written: an unknown person or one without sessions, no store (or one not
ours), an -o that cannot be written.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2


def configure(sub) -> None:
    report = sub.add_parser("report", help="a printable progress report (HTML) of one person's sessions",
                            description="One self-contained HTML page across a person's recorded sessions: "
                                        "progress plots and a table per session, ready to print.")
    report.add_argument("--person", required=True, metavar="CODE", help="the person's code (a pseudonym)")
    report.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page to write")
    report.add_argument("--data-dir", metavar="DIR", help="the data folder (default: $RETROTREAD_DATA, "
                                                          "else the platform's user data folder)")
    report.set_defaults(handler=cmd_report)


def cmd_report(args, out=None, err=None) -> int:
    import sqlite3

    from ui.session.records import Store, StoreError, data_dir

    out, err = out or sys.stdout, err or sys.stderr

    def refused(text: str) -> int:
        print(f"retrotread: {text}", file=err)
        return EXIT_REFUSED

    target = Path(args.output)
    if target.is_dir():
        return refused(f"-o {args.output}: is a folder; name a file")
    if not target.parent.is_dir():  # before the page is drawn (seconds for matplotlib)
        return refused(f"-o {args.output}: no such folder {target.parent}")
    try:
        with Store.open(args.data_dir) as store:
            summaries = store.list(args.person, steps=True)
    except StoreError as exc:
        return refused(str(exc))
    except sqlite3.Error as exc:  # a database damaged after it opened: named, never repaired
        return refused(f"{data_dir(args.data_dir) / 'sessions.db'}: {exc}; left as it is")
    if not summaries:
        return refused(f"--person {args.person}: no sessions recorded")
    from ui.report import write_report

    try:
        write_report(args.person, summaries, target)
    except OSError as exc:
        return refused(f"-o {args.output}: cannot write: {exc.strerror or exc}")
    except ValueError as exc:  # a summary the page cannot show (no start time)
        return refused(str(exc))
    count = len(summaries)
    print(f"{args.output}: {count} session{'s' * (count != 1)} of {args.person}", file=out)
    return EXIT_OK
