"""Other trainers' workouts as retrotread programs (`retrotread import`, docs/imports.md).

model.py        the steps and blocks an importer makes, what is not carried over, text events as cues
zwo.py          Zwift run workouts (.zwo), targets as fractions of a threshold pace
qz.py           QZ (qdomyos-zwift) training programs (XML rows and repeats)
fit_workout.py  FIT workout files (workout + workout_step messages), decoded with fit-tool
toml_writer.py  an imported workout as a readable program file, marked forward-only

    imported = read_file(path, fmt=None, threshold_s_per_km=None)   # ImportRefused: one line
    text, origins = toml_writer.render(imported, profile_name)
"""

from __future__ import annotations

from pathlib import Path

from ui.importers.model import MAX_BYTES, Imported, ImportRefused

FORMATS = ("zwo", "qz", "fit")
FIT_MAGIC = b".FIT"  # bytes 8-11 of every FIT file's header


def sniff(data: bytes) -> str | None:
    """The format by content: FIT's header, else the XML's root element; None if neither."""
    if len(data) >= 12 and data[8:12] == FIT_MAGIC:
        return "fit"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    body = head
    while body.startswith((b"<?", b"<!--", b"<!")):  # the declaration, comments, a doctype
        end = body.find(b"-->") + 3 if body.startswith(b"<!--") else body.find(b">") + 1
        if end <= 0:
            return None
        body = body[end:].lstrip()
    if body.startswith(b"<workout_file"):
        return "zwo"
    if body.startswith(b"<rows"):
        return "qz"
    return None


def read_file(path: str | Path, fmt: str | None = None, threshold_s_per_km: float | None = None) -> Imported:
    """Read and convert a workout file; ImportRefused (one line naming the file) if it cannot be."""
    source = str(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ImportRefused(f"{source}: no such file") from None
    except OSError as exc:
        raise ImportRefused(f"{source}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"{source}: over {MAX_BYTES // (1024 * 1024)} MB: not a workout file")
    found = sniff(data)
    if fmt is None and found is None:
        raise ImportRefused(f"{source}: not a ZWO, QZ or FIT workout (give --format zwo|qz|fit if it is one)")
    fmt = fmt or found
    if threshold_s_per_km is not None and fmt != "zwo":
        raise ImportRefused(f"--threshold-pace: only ZWO workouts give targets as a share of a threshold pace; "
                            f"{source} is {fmt.upper()}, with its own speeds")
    if fmt == "zwo":
        from ui.importers import zwo

        imported = zwo.read(source, data, threshold_s_per_km)
    elif fmt == "qz":
        from ui.importers import qz

        imported = qz.read(source, data)
    else:
        from ui.importers import fit_workout

        imported = fit_workout.read(source, data)
    if not imported.steps:
        raise ImportRefused(f"{source}: nothing to import: no step has a speed retrotread can run "
                            f"({'; '.join(imported.lost[:3]) or 'no steps'})")
    return imported


__all__ = ["FORMATS", "Imported", "ImportRefused", "read_file", "sniff"]
