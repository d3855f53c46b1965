"""Refused input: one error type whose message names the file and the field, one line per error.

A leaf: it imports nothing from the project, so that the controller (site limits, programs)
and the drivers (drive profiles, the site's [drive] table) read their files the same way
without either importing the other. pydantic and tomllib are imported only when used, so
that importing `InputError` (the CLI does, for `--help` too) costs nothing.

One `InputError` may carry several (`InputError.of`): a program author wants every mistake in
a file at once, not one fix at a time. Its `source`, `field` and `reason` are then the first
one's, `errors` holds them all and str() is one line per error.
"""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

if TYPE_CHECKING:
    import pydantic


class InputError(Exception):
    """Input refused before anything moves (S12). str() is one line per error."""

    def __init__(self, source: str, field: str | None, reason: str):
        self.source = source
        self.field = field
        self.reason = reason
        self.errors: tuple[InputError, ...] = (self,)
        #: for an unknown key: the key it probably meant (a "missing" error for that key is then
        #: not reported a second time)
        self.meant: str | None = None
        super().__init__(self.line)

    @property
    def line(self) -> str:
        """This error alone, on one line: `FILE: FIELD: REASON`."""
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.reason}"

    @property
    def lines(self) -> list[str]:
        """One line per error carried."""
        return [error.line for error in self.errors]

    @classmethod
    def of(cls, errors: Sequence[InputError]) -> InputError:
        """One InputError for several (at least one): the first's fields, every line in str()."""
        flat = tuple(one for error in errors for one in error.errors)
        if len(flat) == 1:
            return flat[0]
        first = flat[0]
        combined = cls(first.source, first.field, first.reason)
        combined.errors = flat
        combined.args = ("\n".join(error.line for error in flat),)
        return combined


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
    """The first pydantic error as an InputError naming the field path (pydantic's words)."""
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


#: keys_at(loc): the keys the table at `loc` (pydantic's location, union tags included) may
#: have, for "did you mean" suggestions; None when unknown.
KeysAt = Callable[[tuple[Any, ...]], Iterable[str] | None]


def explain_validation_error(source: str, exc: pydantic.ValidationError, prefix: tuple = (),
                             keys_at: KeysAt | None = None) -> InputError:
    """Every pydantic error, in plain words with the value given, as one InputError (see `of`).

    An unknown key names the key it probably meant (difflib), or the unit this format uses
    (`duration_min = 5`: `duration_s = 300`); a key reported missing because it was misspelt
    is then not reported a second time.
    """
    out = []
    for detail in exc.errors(include_url=False):
        field = field_path(prefix + _plain_loc(detail["loc"])) or None
        if detail["type"] == "extra_forbidden":
            known = list(keys_at(detail["loc"][:-1]) or ()) if keys_at else []
            reason, meant = unknown_key_reason(str(detail["loc"][-1]), detail.get("input"), known)
            out.append(InputError(source, field, reason))
            out[-1].meant = meant
        else:
            out.append(InputError(source, field, plain_reason(detail)))
    return InputError.of(without_misspelt(out))


def without_misspelt(errors: Sequence[InputError]) -> list[InputError]:
    """`errors` less each "missing" one for a key that an unknown key beside it probably meant."""
    meant = {f"{error.field.rpartition('.')[0]}.{error.meant}".lstrip(".")
             for error in errors if error.meant and error.field}
    return [error for error in errors if not (error.reason.startswith("missing") and error.field in meant)]


def _plain_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(part for part in loc if not _is_union_tag(part))


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the union member's name into the location ("function-after[...]", "Step").
    return isinstance(part, str) and (part[:1].isupper() or "[" in part)


# --- plain words ---------------------------------------------------------------------------

#: Units someone may write in a key -> (the unit this format uses, factor to it, its words).
_UNIT_HINTS = {
    "min": ("s", 60.0, "seconds"), "mins": ("s", 60.0, "seconds"), "minutes": ("s", 60.0, "seconds"),
    "h": ("s", 3600.0, "seconds"), "hours": ("s", 3600.0, "seconds"),
    "sec": ("s", 1.0, "seconds"), "secs": ("s", 1.0, "seconds"), "seconds": ("s", 1.0, "seconds"),
    "kph": ("kmh", 1.0, "km/h"), "kmph": ("kmh", 1.0, "km/h"), "mps": ("kmh", 3.6, "km/h"),
    "percent": ("pct", 1.0, "percent"), "bpm": ("bpm", 1.0, "beats per minute"),
}
_UNIT_WORDS = {"kmh": "km/h", "mph": "mph", "s": "s", "pct": "%", "bpm": "bpm", "mps2": "m/s²", "m": "m",
               "kg": "kg", "hz": "Hz"}


def unknown_key_reason(key: str, value: Any, known: Sequence[str]) -> tuple[str, str | None]:
    """("unknown key ...", the key it probably meant or None)."""
    stem, _, unit = key.rpartition("_")
    hint = _UNIT_HINTS.get(unit.lower()) if stem else None
    if hint is not None and f"{stem}_{hint[0]}" in known and f"{stem}_{hint[0]}" != key:
        meant = f"{stem}_{hint[0]}"
        if _is_number(value):
            return f"unknown key: {stem} is in {hint[2]} here: {meant} = {_tidy(value * hint[1])}", meant
        return f"unknown key: {stem} is in {hint[2]} here ({meant})", meant
    close = _closest(key, known)
    if close is not None:
        return f"unknown key (did you mean {close}?)", close
    return "unknown key", None


def _closest(key: str, known: Sequence[str]) -> str | None:
    """The known key most like `key` (difflib's ratio, at least 0.6); the first listed on a tie."""
    scored = [(difflib.SequenceMatcher(None, key, other).ratio(), -i, other) for i, other in enumerate(known)]
    best = max(scored, default=None)
    return best[2] if best is not None and best[0] >= 0.6 else None


def plain_reason(detail: dict[str, Any]) -> str:
    """One pydantic error in plain words, with the value given."""
    kind, value, ctx = detail["type"], detail.get("input"), detail.get("ctx") or {}
    field = next((str(part) for part in reversed(detail["loc"]) if isinstance(part, str)), "")
    unit = _unit_of(field)
    if kind == "missing":
        return "missing"
    if kind in ("float_type", "float_parsing"):
        return f"a number, not {describe(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"a whole number, not {describe(value)}"
    if kind == "string_type":
        return f"a text in quotes, not {describe(value)}"
    if kind == "list_type":
        return f"a list, not {describe(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"a table, not {describe(value)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{shown(value)} is not {expected}"
    if kind == "finite_number":
        return f"{shown(value)} is not a finite number"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _bound_reason(kind, value, ctx, unit)
    if kind == "too_short":
        return f"an empty list: at least {ctx.get('min_length', 1)} needed"
    if kind == "string_too_long":
        return f"{len(value)} characters: at most {ctx.get('max_length')}"
    message = str(detail["msg"]).removeprefix("Value error, ")
    if message.startswith("must"):
        return f"{shown(value)} {message}"
    return f"{message}, not {describe(value)}" if kind == "step_not_table" else f"{message} (given {shown(value)})"


def _bound_reason(kind: str, value: Any, ctx: dict[str, Any], unit: str) -> str:
    given = f"{shown(value)}{unit}"
    if kind == "greater_than":
        return f"{given} must be more than {_tidy(ctx['gt'])}{unit}"
    if kind == "greater_than_equal":
        return f"{given} is below the minimum of {_tidy(ctx['ge'])}{unit}"
    if kind == "less_than":
        return f"{given} must be less than {_tidy(ctx['lt'])}{unit}"
    return f"{given} is over the maximum of {_tidy(ctx['le'])}{unit}"


def _unit_of(field: str) -> str:
    suffix = field.rpartition("_")[2].lower()
    word = _UNIT_WORDS.get(suffix) if "_" in field else None
    return f" {word}" if word else ""


def shown(value: Any) -> str:
    """A value as it looks in a TOML file: "text", 3, 2.5, true, nan."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:39] + "…"
        return json.dumps(text, ensure_ascii=False)
    if _is_number(value):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def describe(value: Any) -> str:
    """What was given instead, for "a number, not ...": the text "3", true, a list."""
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return shown(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: float) -> str:
    # as written in the file: 3 stays 3, 3.0 stays 3.0 (a whole number where one is asked shows why)
    return repr(value)


def _tidy(value: float) -> str:
    """A number we computed or a bound: 300 rather than 300.0, 6.437 rather than 6.43738..."""
    if not math.isfinite(value):
        return repr(value)
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0")


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
