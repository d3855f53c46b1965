"""Refused input: one error type whose message is one line naming the file and the field.

A leaf: it imports nothing from the project, so that the controller (site limits, programs)
and the drivers (drive profiles, the site's [drive] table) read their files the same way
without either importing the other. pydantic and tomllib are imported only when used, so
that importing `InputError` (the CLI does, for `--help` too) costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pydantic


class InputError(Exception):
    """Input refused before anything moves (S12). str() is the one-line message."""

    def __init__(self, source: str, field: str | None, reason: str):
        self.source = source
        self.field = field
        self.reason = reason
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {reason}")


def field_path(loc: tuple[Any, ...]) -> str:
    """('steps', 1, 'steps', 0, 'speed_kmh') -> 'steps[1].steps[0].speed_kmh'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def from_validation_error(source: str, exc: pydantic.ValidationError, prefix: tuple = ()) -> InputError:
    """The first pydantic error as an InputError naming the field path."""
    first = exc.errors(include_url=False)[0]
    loc = prefix + tuple(part for part in first["loc"] if not _is_union_tag(part))
    reason = first["msg"]
    if first["type"] == "extra_forbidden":
        reason = "unknown key"
    elif first["type"] == "missing":
        reason = "missing"
    elif first["type"].startswith("value_error"):
        reason = reason.removeprefix("Value error, ")
    return InputError(source, field_path(loc) or None, reason)


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the union member's name into the location ("function-after[...]", "Step").
    return isinstance(part, str) and (part[:1].isupper() or "[" in part)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad syntax is an InputError naming the line."""
    import tomllib

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), None, f"cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, f"not valid TOML: {exc}") from None
