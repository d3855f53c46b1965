"""Interval programs: TOML files of steps and repeat blocks, flattened into a list of steps.

Two checks, in order. `parse_program` checks the structure (keys, types, ranges) and knows
nothing about the site; `check_program` checks the flattened steps against a speed profile,
tightened by the program's own caps (S4). A program over the caps is refused, never clamped.
Every refusal is an `InputError` whose one-line message names the file and the step path,
e.g. ``programs/x.toml: steps[1].steps[0].speed_kmh: Input should be greater than 0``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from controller.errors import InputError, from_validation_error, read_toml
from controller.limits import SpeedProfile
from controller.ramps import progression_kmh
from drivers.base import Direction

MPH_TO_KMH = 1.609344
MAX_STEP_DURATION_S = 4 * 3600.0
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


# --- the file format (structure only) ------------------------------------------------------

def _one_line(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line")
    return text


Label = Annotated[str, AfterValidator(_one_line)]
Cue = Annotated[str, Field(max_length=200), AfterValidator(_one_line)]
Speed = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Table(BaseModel):
    # strict: a string or a bool where a number belongs is an error, not a conversion
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _PlainStep(_Table):
    name: Label | None = None
    direction: Literal["forward", "reverse"]
    speed_kmh: Speed | None = None
    speed_mph: Speed | None = None
    to_speed_kmh: Speed | None = None
    to_speed_mph: Speed | None = None
    incline_pct: Annotated[float, Field(ge=0, le=25, allow_inf_nan=False)] = 0.0
    duration_s: Annotated[float, Field(gt=0, le=MAX_STEP_DURATION_S, allow_inf_nan=False)]
    cue: Cue | None = None


class _HrStep(_Table):
    """An HR-guided step: the speed follows the heart rate within its own range."""

    name: Label | None = None
    direction: Literal["forward", "reverse"]
    target_hr_bpm: Annotated[float, Field(ge=60, le=200, allow_inf_nan=False)]
    min_speed_kmh: Speed
    max_speed_kmh: Speed
    hr_adjust_s: Annotated[float, Field(ge=7, le=60, allow_inf_nan=False)] = 10.0
    incline_pct: Annotated[float, Field(ge=0, le=25, allow_inf_nan=False)] = 0.0
    duration_s: Annotated[float, Field(gt=0, le=MAX_STEP_DURATION_S, allow_inf_nan=False)]
    cue: Cue | None = None


class _Block(_Table):
    name: Label | None = None
    repeat: Annotated[int, Field(ge=1, le=100)]
    steps: Annotated[list["_StepOrBlock"], Field(min_length=1)]


def _kind(value: Any) -> str | None:
    # Discriminate on the keys so that errors point into the right kind of step. The tags are
    # capitalised because from_validation_error drops capitalised parts from the field path.
    if isinstance(value, dict):
        if "repeat" in value or "steps" in value:
            return "Block"
        return "Hrstep" if "target_hr_bpm" in value else "Step"
    return None


_StepOrBlock = Annotated[
    Union[Annotated[_PlainStep, Tag("Step")], Annotated[_HrStep, Tag("Hrstep")], Annotated[_Block, Tag("Block")]],
    Discriminator(
        _kind,
        custom_error_type="step_not_table",
        custom_error_message="each step must be a table (direction, speed, duration) or a block (repeat, steps)",
    ),
]
_Block.model_rebuild()


class _ProgramFile(_Table):
    name: Label
    description: str | None = None
    profile: Label | None = None
    max_forward_kmh: Speed | None = None
    max_reverse_kmh: Speed | None = None
    max_hr_bpm: Annotated[float, Field(ge=60, le=230, allow_inf_nan=False)] | None = None
    steps: Annotated[list[_StepOrBlock], Field(min_length=1)]


# --- parsing -------------------------------------------------------------------------------

def parse_program(data: dict[str, Any], source: str = "<string>") -> Program:
    """Check a program's structure and flatten it; raises InputError (no limits checked)."""
    try:
        model = _ProgramFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise from_validation_error(source, exc) from None
    flat = _flatten(model.steps, "steps", 0, source)
    return Program(
        name=model.name,
        source=source,
        profile=model.profile,
        max_forward_kmh=model.max_forward_kmh,
        max_reverse_kmh=model.max_reverse_kmh,
        steps=tuple(dataclasses.replace(step, index=i) for i, step in enumerate(flat)),
        description=model.description,
        max_hr_bpm=model.max_hr_bpm,
    )


def load_program(path: str | Path) -> Program:
    """Read and parse a program file; raises InputError naming the file (and line or field)."""
    return parse_program(read_toml(path), str(path))


def _flatten(items: list[_PlainStep | _Block], path: str, depth: int, source: str) -> list[ProgramStep]:
    """Steps in run order, repeats expanded; `index` is filled in by the caller."""
    flat: list[ProgramStep] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if isinstance(item, _PlainStep):
            flat.append(_plain_step(item, here, item.name or f"Step {i + 1}", source))
            continue
        if isinstance(item, _HrStep):
            flat.append(_hr_step(item, here, item.name or f"Step {i + 1}", source))
            continue
        if depth >= MAX_BLOCK_DEPTH:
            raise InputError(source, here, f"blocks nest at most {MAX_BLOCK_DEPTH} deep")
        inner = _flatten(item.steps, f"{here}.steps", depth + 1, source)
        count = len(flat) + item.repeat * len(inner)
        if count > MAX_STEPS:
            raise InputError(source, here, f"repeats expand to {count} steps; at most {MAX_STEPS}")
        label = item.name or "Block"
        for n in range(1, item.repeat + 1):
            flat.extend(dataclasses.replace(s, name=f"{label} {n}/{item.repeat}: {s.name}") for s in inner)
    return flat


def _plain_step(step: _PlainStep, path: str, name: str, source: str) -> ProgramStep:
    """A step from the file with its speeds in km/h; refuses both or neither unit, or a mix."""
    in_mph = step.speed_mph is not None
    if in_mph and step.speed_kmh is not None:
        raise InputError(source, f"{path}.speed_mph", "give speed_kmh or speed_mph, not both")
    if not in_mph and step.speed_kmh is None:
        raise InputError(source, f"{path}.speed_kmh", "missing (or speed_mph)")
    wrong_unit = "to_speed_kmh" if in_mph else "to_speed_mph"
    if getattr(step, wrong_unit) is not None:
        unit = "speed_mph" if in_mph else "speed_kmh"
        raise InputError(source, f"{path}.{wrong_unit}", f"the step's speed is {unit}; give both in one unit")
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


def _hr_step(step: _HrStep, path: str, name: str, source: str) -> ProgramStep:
    """An HR-guided step; refuses an empty speed range."""
    if step.max_speed_kmh <= step.min_speed_kmh:
        raise InputError(source, f"{path}.max_speed_kmh", f"{step.max_speed_kmh:g} km/h must be above "
                         f"min_speed_kmh ({step.min_speed_kmh:g} km/h): the range is empty")
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


# --- limits --------------------------------------------------------------------------------

def check_program(program: Program, profile: SpeedProfile) -> None:
    """Refuse (InputError) a program that loosens `profile` or has a step outside its caps (S4)."""
    label = profile.name or "selected"
    for direction in (Direction.FORWARD, Direction.REVERSE):
        cap_field = f"max_{direction.value}_kmh"
        cap_kmh = getattr(program, cap_field)
        if cap_kmh is not None and cap_kmh > profile.max_kmh(direction):
            raise InputError(program.source, cap_field,
                             f"{cap_kmh:g} would loosen the profile's {profile.max_kmh(direction):g} km/h "
                             f"{direction.value} cap ({label}); a program may only tighten it")
    eff = program.effective_profile(profile)
    hr_limits = [bpm for bpm in (profile.max_hr_bpm, program.max_hr_bpm) if bpm is not None]
    for step in program.steps:
        _check_step(step, eff, _cap_name(program, profile, step.direction), label, program.source)
        if step.target_hr_bpm is not None and hr_limits and step.target_hr_bpm >= min(hr_limits):
            raise InputError(program.source, f"{step.path}.target_hr_bpm", f"{step.target_hr_bpm:g} bpm is at "
                             f"or above the heart-rate limit of {min(hr_limits):g} bpm")


def _check_step(step: ProgramStep, eff: SpeedProfile, cap_name: str, label: str, source: str) -> None:
    cap_kmh = eff.max_kmh(step.direction)
    guided = step.target_hr_bpm is not None
    keys = (("min_speed", step.speed_kmh), ("max_speed", step.max_speed_kmh)) if guided else \
        (("speed", step.speed_kmh), ("to_speed", step.to_speed_kmh))
    for key, speed_kmh in keys:
        if speed_kmh is None:
            continue
        field = f"{step.path}.{key}_{'mph' if step.in_mph else 'kmh'}"
        if speed_kmh > cap_kmh:
            raise InputError(source, field, f"{_speed(speed_kmh, step.in_mph)} is over the "
                             f"{cap_name} of {_speed(cap_kmh, step.in_mph)}")
        if speed_kmh < eff.start_speed_kmh:
            raise InputError(source, field, f"{_speed(speed_kmh, step.in_mph)} is below the {label} "
                             f"profile's start speed of {_speed(eff.start_speed_kmh, step.in_mph)}")
    if step.incline_pct > eff.incline_max_pct:
        raise InputError(source, f"{step.path}.incline_pct", f"{step.incline_pct:g} % is over the "
                         f"{label} profile's incline max of {eff.incline_max_pct:g} %")


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
