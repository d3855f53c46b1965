"""Interval programs: TOML files of steps and repeat blocks, flattened into a list of steps.

Two checks, in order. The structure (keys, types, ranges), which knows nothing about the site;
then the flattened steps against a speed profile, tightened by the program's own caps (S4). A
program over the caps is refused, never clamped. Every error is found, not just the first: an
author fixes a file in one go. `read_program` returns the program made of the well-formed steps
and every structure error, `limit_errors` every step outside the profile; `parse_program`,
`load_program` and `check_program` raise them as one `InputError`, one line per error in file
order, each naming the file, the step path, the value and the reason, e.g.
``programs/x.toml: steps[1].direction: "backwards" is not forward or reverse``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pydantic

from controller.limits import SpeedProfile
from controller.program_format import (HEADER_KEYS, MAX_STEP_DURATION_S, BlockTable, HrStepTable, PlainStepTable,
                                       ProgramTable, StepOrBlock, kind as _kind, keys_at)
from controller.ramps import progression_kmh
from drivers.base import Direction
from drivers.input_errors import InputError, explain_validation_error, read_toml, without_misspelt

MPH_TO_KMH = 1.609344
__all__ = ["MAX_STEP_DURATION_S", "MPH_TO_KMH", "Program", "ProgramStep", "check_program", "in_file_order",
           "limit_errors", "load_checked", "load_program", "parse_program", "read_program", "read_program_file"]
MAX_BLOCK_DEPTH = 3  # a block inside a block inside a block, no deeper
MAX_STEPS = 1000  # after repeats are expanded; keeps a typo like repeat = 100 x 100 sane


@dataclass(frozen=True, slots=True)
class ProgramStep:
    """One step of the flattened program, speeds already in km/h."""

    index: int
    name: str
    path: str
    direction: Direction
    speed_kmh: float
    to_speed_kmh: float | None
    incline_pct: float
    duration_s: float
    cue: str | None
    in_mph: bool = False  # the file gave this step's speeds in mph (messages name speed_mph)
    #: HR-guided (S13): the heart rate to hold, moving the speed within [speed_kmh, max_speed_kmh]
    #: (speed_kmh is then the step's min_speed_kmh) every hr_adjust_s. None: a plain step.
    target_hr_bpm: float | None = None
    max_speed_kmh: float | None = None
    hr_adjust_s: float = 10.0

    def target_kmh(self, elapsed_s: float) -> float:
        """Target speed `elapsed_s` into the step: linear to `to_speed_kmh`, held at the ends."""
        return progression_kmh(self.speed_kmh, self.to_speed_kmh, elapsed_s, self.duration_s)


@dataclass(frozen=True, slots=True)
class Program:
    """A parsed program: its caps and its steps with repeats expanded."""

    name: str
    source: str
    profile: str | None
    max_forward_kmh: float | None
    max_reverse_kmh: float | None
    steps: tuple[ProgramStep, ...]
    description: str | None
    max_hr_bpm: float | None = None  # tightens the heart-rate limit (S13)

    @property
    def total_duration_s(self) -> float:
        return sum(step.duration_s for step in self.steps)

    @property
    def hr_guided(self) -> bool:
        return any(step.target_hr_bpm is not None for step in self.steps)

    @property
    def has_reverse(self) -> bool:
        return any(step.direction is Direction.REVERSE for step in self.steps)

    def effective_profile(self, profile: SpeedProfile) -> SpeedProfile:
        """`profile` with this program's caps applied; ValueError if a cap would loosen it."""
        return profile.tightened(forward_max_kmh=self.max_forward_kmh, reverse_max_kmh=self.max_reverse_kmh)


# --- parsing: every structure error ---------------------------------------------------------

def read_program(data: dict[str, Any], source: str = "<string>") -> tuple[Program, list[InputError]]:
    """The program made of what is well-formed, and every structure error (in file order).

    With errors, the program holds the steps that parsed (and the header keys that did), so
    that their limits can still be checked: every mistake is reported at once.
    """
    errors: list[InputError] = []
    try:
        model = ProgramTable.model_validate(data)
    except pydantic.ValidationError as exc:
        errors.extend(explain_validation_error(source, exc, keys_at=keys_at).errors)
        raw = data if isinstance(data, dict) else {}
        header = _well_formed_header(raw, errors)
        items = raw.get("steps") if isinstance(raw.get("steps"), list) else []
    else:
        header = {key: getattr(model, key) for key in HEADER_KEYS}
        items = model.steps
    flat = _flatten(items, "steps", 0, source, errors)
    program = Program(
        name=header.get("name") or Path(source).stem,
        source=source,
        profile=header.get("profile"),
        max_forward_kmh=header.get("max_forward_kmh"),
        max_reverse_kmh=header.get("max_reverse_kmh"),
        steps=tuple(dataclasses.replace(step, index=i) for i, step in enumerate(flat)),
        description=header.get("description"),
        max_hr_bpm=header.get("max_hr_bpm"),
    )
    return program, in_file_order(without_misspelt(errors))


def parse_program(data: dict[str, Any], source: str = "<string>") -> Program:
    """Check a program's structure and flatten it; raises InputError with every error (no limits)."""
    program, errors = read_program(data, source)
    if errors:
        raise InputError.of(errors)
    return program


def read_program_file(path: str | Path) -> tuple[Program, list[InputError]]:
    """`read_program` of a file; an unreadable file or bad TOML raises InputError (one line)."""
    return read_program(read_toml(path), str(path))


def load_program(path: str | Path) -> Program:
    """Read and parse a program file; raises InputError naming the file (and line or fields)."""
    return parse_program(read_toml(path), str(path))


def load_checked(path: str | Path, profile_for: Callable[[Program], SpeedProfile]) -> Program:
    """Read a program file and check it against the profile `profile_for(program)` picks (from
    the flag, the program's own `profile`, the site's default): every error at once, structure
    and limits, as one InputError. `profile_for` may raise (an unknown profile)."""
    program, errors = read_program_file(path)
    errors = in_file_order(errors + limit_errors(program, profile_for(program)))
    if errors:
        raise InputError.of(errors)
    return program


def in_file_order(errors: Iterable[InputError]) -> list[InputError]:
    """Top-level keys first, then by step path (steps[1] before steps[1].steps[0] before steps[2]);
    an error repeated by a repeat block once."""
    unique = list({error.line: error for error in errors}.values())
    return sorted(unique, key=_position)


def _position(error: InputError) -> tuple[int, ...]:
    field = error.field or ""
    return tuple(int(n) for n in re.findall(r"\[(\d+)\]", field)) if field.startswith("steps[") else ()


def _well_formed_header(raw: dict[str, Any], errors: list[InputError]) -> dict[str, Any]:
    """The top-level keys without an error of their own (the rest as if not given)."""
    bad = {error.field for error in errors}
    header = {key: raw[key] for key in HEADER_KEYS if key in raw and key not in bad}
    for key in ("max_forward_kmh", "max_reverse_kmh", "max_hr_bpm"):
        if key in header:
            header[key] = float(header[key])
    return header


@functools.cache
def _step_adapter() -> pydantic.TypeAdapter:
    return pydantic.TypeAdapter(StepOrBlock)


def _well_formed(item: Any, here: str, errors: list[InputError]) -> Any:
    """A step or block model for a table that validates on its own. A step with errors is
    validated without its wrong keys (a placeholder for a wrong duration), so that its speeds
    are still checked against the caps; a block with errors, or a step that cannot be read
    even so, stays the raw value (its errors are already listed)."""
    if isinstance(item, (PlainStepTable, HrStepTable, BlockTable)):
        return item
    try:
        return _step_adapter().validate_python(item)
    except pydantic.ValidationError:
        pass
    if not isinstance(item, dict) or _kind(item) == "Block":
        return item
    bad = {error.field for error in errors}
    cleaned = {key: value for key, value in item.items() if f"{here}.{key}" not in bad}
    if "duration_s" not in cleaned:
        cleaned["duration_s"] = 1.0  # never run: the program is refused for the listed error
    if _kind(cleaned) != _kind(item):
        return item
    try:
        return _step_adapter().validate_python(cleaned)
    except pydantic.ValidationError:
        return item


def _flatten(items: list[Any], path: str, depth: int, source: str, errors: list[InputError]) -> list[ProgramStep]:
    """Steps in run order, repeats expanded; what is wrong goes to `errors` and is left out.
    `index` is filled in by the caller."""
    flat: list[ProgramStep] = []
    for i, raw in enumerate(items):
        here = f"{path}[{i}]"
        item = _well_formed(raw, here, errors)
        if isinstance(item, BlockTable) or not isinstance(item, (PlainStepTable, HrStepTable)):
            flat.extend(_block(item, here, depth, source, errors, len(flat)))
            continue
        listed, before = {error.field for error in errors}, len(errors)
        make = _plain_step if isinstance(item, PlainStepTable) else _hr_step
        step = make(item, here, item.name or f"Step {i + 1}", source, errors)
        errors[before:] = [error for error in errors[before:] if error.field not in listed]  # said once
        if step is not None:
            flat.append(step)
    return flat


def _block(item: Any, here: str, depth: int, source: str, errors: list[InputError], before: int) -> list[ProgramStep]:
    """A block's steps, repeated and named `Label n/N: step`; [] when it cannot be expanded."""
    if isinstance(item, BlockTable):
        name, repeat, inner_items = item.name, item.repeat, item.steps
    elif isinstance(item, dict) and isinstance(item.get("steps"), list):  # a block with errors: its steps
        repeat = item.get("repeat")
        repeat = repeat if type(repeat) is int and 1 <= repeat <= 100 else 1
        name = item.get("name") if isinstance(item.get("name"), str) else None
        inner_items = item["steps"]
    else:
        return []  # not a step at all: its error is listed
    if depth >= MAX_BLOCK_DEPTH:
        errors.append(InputError(source, here, f"blocks nest at most {MAX_BLOCK_DEPTH} deep"))
        return []
    inner = _flatten(inner_items, f"{here}.steps", depth + 1, source, errors)
    count = before + repeat * len(inner)
    if count > MAX_STEPS:
        errors.append(InputError(source, here, f"repeats expand to {count} steps; at most {MAX_STEPS}"))
        return []
    label = name or "Block"
    return [dataclasses.replace(s, name=f"{label} {n}/{repeat}: {s.name}") for n in range(1, repeat + 1) for s in inner]


def _plain_step(step: PlainStepTable, path: str, name: str, source: str,
                errors: list[InputError]) -> ProgramStep | None:
    """A step from the file with its speeds in km/h; refuses both or neither unit, or a mix."""
    in_mph = step.speed_mph is not None
    found = len(errors)
    if in_mph and step.speed_kmh is not None:
        errors.append(InputError(source, f"{path}.speed_mph", "give speed_kmh or speed_mph, not both"))
    if not in_mph and step.speed_kmh is None:
        errors.append(InputError(source, f"{path}.speed_kmh", "missing (or speed_mph)"))
    wrong_unit = "to_speed_kmh" if in_mph else "to_speed_mph"
    if getattr(step, wrong_unit) is not None:
        unit = "speed_mph" if in_mph else "speed_kmh"
        errors.append(InputError(source, f"{path}.{wrong_unit}", f"the step's speed is {unit}; give both in one unit"))
    if len(errors) > found:
        return None
    factor = MPH_TO_KMH if in_mph else 1.0
    to_speed = step.to_speed_mph if in_mph else step.to_speed_kmh
    return ProgramStep(
        index=0,
        name=name,
        path=path,
        direction=Direction(step.direction),
        speed_kmh=(step.speed_mph if in_mph else step.speed_kmh) * factor,
        to_speed_kmh=None if to_speed is None else to_speed * factor,
        incline_pct=step.incline_pct,
        duration_s=step.duration_s,
        cue=step.cue,
        in_mph=in_mph,
    )


def _hr_step(step: HrStepTable, path: str, name: str, source: str, errors: list[InputError]) -> ProgramStep | None:
    """An HR-guided step; refuses an empty speed range."""
    if step.max_speed_kmh <= step.min_speed_kmh:
        errors.append(InputError(source, f"{path}.max_speed_kmh", f"{step.max_speed_kmh:g} km/h must be above "
                                 f"min_speed_kmh ({step.min_speed_kmh:g} km/h): the range is empty"))
        return None
    return ProgramStep(
        index=0,
        name=name,
        path=path,
        direction=Direction(step.direction),
        speed_kmh=step.min_speed_kmh,
        to_speed_kmh=None,
        incline_pct=step.incline_pct,
        duration_s=step.duration_s,
        cue=step.cue,
        target_hr_bpm=step.target_hr_bpm,
        max_speed_kmh=step.max_speed_kmh,
        hr_adjust_s=step.hr_adjust_s,
    )


# --- limits: every step ----------------------------------------------------------------------

def check_program(program: Program, profile: SpeedProfile) -> None:
    """Refuse (InputError, every error) a program that loosens `profile` or leaves its caps (S4)."""
    if errors := limit_errors(program, profile):
        raise InputError.of(errors)


def limit_errors(program: Program, profile: SpeedProfile) -> list[InputError]:
    """Every way `program` goes beyond `profile`: a cap it would loosen, each step over a cap or
    below the start speed, each incline over the maximum, each heart-rate target at the limit.
    A step repeated by a block is reported once."""
    label = profile.name or "selected"
    errors: list[InputError] = []
    caps: dict[str, float] = {}
    for direction in (Direction.FORWARD, Direction.REVERSE):
        cap_field = f"max_{direction.value}_kmh"
        cap_kmh = getattr(program, cap_field)
        if cap_kmh is not None and cap_kmh > profile.max_kmh(direction):
            errors.append(InputError(program.source, cap_field,
                                     f"{cap_kmh:g} would loosen the profile's {profile.max_kmh(direction):g} km/h "
                                     f"{direction.value} cap ({label}); a program may only tighten it"))
        elif cap_kmh is not None:
            caps[f"{direction.value}_max_kmh"] = cap_kmh
    eff = profile.tightened(**caps)  # the loosening cap left out: the steps are judged by the profile's
    hr_limits = [bpm for bpm in (profile.max_hr_bpm, program.max_hr_bpm) if bpm is not None]
    for step in program.steps:
        errors.extend(_step_errors(step, eff, _cap_name(program, profile, step.direction), label, program.source))
        if step.target_hr_bpm is not None and hr_limits and step.target_hr_bpm >= min(hr_limits):
            errors.append(InputError(program.source, f"{step.path}.target_hr_bpm", f"{step.target_hr_bpm:g} bpm is "
                                     f"at or above the heart-rate limit of {min(hr_limits):g} bpm"))
    return in_file_order(errors)


def _step_errors(step: ProgramStep, eff: SpeedProfile, cap_name: str, label: str, source: str) -> list[InputError]:
    errors = []
    cap_kmh = eff.max_kmh(step.direction)
    guided = step.target_hr_bpm is not None
    keys = (("min_speed", step.speed_kmh), ("max_speed", step.max_speed_kmh)) if guided else \
        (("speed", step.speed_kmh), ("to_speed", step.to_speed_kmh))
    for key, speed_kmh in keys:
        if speed_kmh is None:
            continue
        field = f"{step.path}.{key}_{'mph' if step.in_mph else 'kmh'}"
        if speed_kmh > cap_kmh:
            errors.append(InputError(source, field, f"{_speed(speed_kmh, step.in_mph)} is over the "
                                     f"{cap_name} of {_speed(cap_kmh, step.in_mph)}"))
        elif speed_kmh < eff.start_speed_kmh:
            errors.append(InputError(source, field, f"{_speed(speed_kmh, step.in_mph)} is below the {label} "
                                     f"profile's start speed of {_speed(eff.start_speed_kmh, step.in_mph)}"))
    if step.incline_pct > eff.incline_max_pct:
        errors.append(InputError(source, f"{step.path}.incline_pct", f"{step.incline_pct:g} % is over the "
                                 f"{label} profile's incline max of {eff.incline_max_pct:g} %"))
    return errors


def _cap_name(program: Program, profile: SpeedProfile, direction: Direction) -> str:
    """Whose cap a step runs into: the program's own (if it tightened) or the profile's."""
    cap_field = f"max_{direction.value}_kmh"
    cap_kmh = getattr(program, cap_field)
    if cap_kmh is not None and cap_kmh < profile.max_kmh(direction):
        return f"program's {cap_field}"
    return f"{profile.name or 'selected'} profile's {direction.value} cap"


def _speed(kmh: float, in_mph: bool) -> str:
    text = f"{_num(kmh)} km/h"
    return f"{_num(kmh / MPH_TO_KMH)} mph ({text})" if in_mph else text


def _num(value: float) -> str:
    # 6 -> "6.0", 5.5 -> "5.5", 6.43738 -> "6.437": enough digits to see why 5.504 > 5.5
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
