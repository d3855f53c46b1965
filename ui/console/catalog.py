"""The programs the picker offers: the shipped ones (config/programs) and a directory's.

Files are read here, not in a screen. A file that does not parse is still listed, with its
one-line error, so the operator sees why it cannot be chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from controller.errors import InputError
from controller.limits import CONFIG_DIR, SpeedProfile, SiteConfig
from controller.program import Program, check_program, load_program

SHIPPED_DIR = CONFIG_DIR / "programs"


@dataclass(frozen=True, slots=True)
class ProgramEntry:
    """One file of the catalog, or the manual mode (path None)."""

    path: Path | None
    label: str
    origin: str  # "shipped", the directory's name, or "manual"
    program: Program | None = None
    error: str | None = None
    #: a plan's next session: ui/session/plans/choose.py Choice.record with its `why`
    plan: dict | None = None


MANUAL = ProgramEntry(None, "Manual (no program)", "manual")


def scan(directories: list[Path]) -> list[ProgramEntry]:
    """Manual mode first, then every *.toml of each directory (sorted), parsed."""
    entries = [MANUAL]
    seen: set[Path] = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        origin = "shipped" if directory.resolve() == SHIPPED_DIR.resolve() else directory.name
        for path in sorted(directory.glob("*.toml")):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            entries.append(entry_for(path, origin))
    return entries


def entry_for(path: Path, origin: str = "file") -> ProgramEntry:
    try:
        program = load_program(path)
    except InputError as exc:
        return ProgramEntry(path, path.name, origin, None, str(exc))
    return ProgramEntry(path, program.name, origin, program)


def default_profile(entry: ProgramEntry, site: SiteConfig) -> str:
    if entry.program is not None and entry.program.profile in site.profiles:
        return entry.program.profile
    return site.default_profile


def refusal(entry: ProgramEntry, profile_name: str, site: SiteConfig) -> str | None:
    """Why this program cannot run on this profile (the controller's own check), or None."""
    if entry.error is not None:
        return entry.error
    if profile_name not in site.profiles:
        return f"unknown profile {profile_name!r}"
    if entry.program is None:
        return None
    try:
        check_program(entry.program, site.profiles[profile_name])
    except InputError as exc:
        return str(exc)
    return None


def choice(entry: ProgramEntry, profile_name: str, site: SiteConfig) -> tuple[Program | None, SpeedProfile]:
    """The LOAD_PROGRAM value for a checked choice; InputError-free by `refusal` first."""
    return entry.program, site.profiles[profile_name]
