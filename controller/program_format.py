"""The program file format, structure only: pydantic models of the TOML tables.

Strict: a string or a bool where a number belongs is an error, not a conversion; unknown
keys are errors. Which keys each kind of table has is also what "did you mean" suggests from.
controller/program.py reads files with these and flattens them.
"""

from __future__ import annotations

from typing import Annotated, Any, Iterable, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

MAX_STEP_DURATION_S = 4 * 3600.0


def _one_line(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line")
    return text


Label = Annotated[str, AfterValidator(_one_line)]
Cue = Annotated[str, Field(max_length=200), AfterValidator(_one_line)]
Speed = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Table(BaseModel):
    # strict: a string or a bool where a number belongs is an error, not a conversion
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PlainStepTable(Table):
    name: Label | None = None
    direction: Literal["forward", "reverse"]
    speed_kmh: Speed | None = None
    speed_mph: Speed | None = None
    to_speed_kmh: Speed | None = None
    to_speed_mph: Speed | None = None
    incline_pct: Annotated[float, Field(ge=0, le=25, allow_inf_nan=False)] = 0.0
    duration_s: Annotated[float, Field(gt=0, le=MAX_STEP_DURATION_S, allow_inf_nan=False)]
    cue: Cue | None = None


class HrStepTable(Table):
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


class BlockTable(Table):
    name: Label | None = None
    repeat: Annotated[int, Field(ge=1, le=100)]
    steps: Annotated[list["StepOrBlock"], Field(min_length=1)]


def kind(value: Any) -> str | None:
    """Which kind of table a step is: "Step", "Hrstep" or "Block" (None: not a table)."""
    # Discriminate on the keys so that errors point into the right kind of step. The tags are
    # capitalised because the error explainer drops capitalised parts from the field path.
    if isinstance(value, dict):
        if "repeat" in value or "steps" in value:
            return "Block"
        return "Hrstep" if "target_hr_bpm" in value else "Step"
    return None


StepOrBlock = Annotated[
    Union[Annotated[PlainStepTable, Tag("Step")], Annotated[HrStepTable, Tag("Hrstep")], Annotated[BlockTable, Tag("Block")]],
    Discriminator(
        kind,
        custom_error_type="step_not_table",
        custom_error_message="each step must be a table (direction, speed, duration) or a block (repeat, steps)",
    ),
]
BlockTable.model_rebuild()


class ProgramTable(Table):
    name: Label
    description: str | None = None
    profile: Label | None = None
    max_forward_kmh: Speed | None = None
    max_reverse_kmh: Speed | None = None
    max_hr_bpm: Annotated[float, Field(ge=60, le=230, allow_inf_nan=False)] | None = None
    steps: Annotated[list[StepOrBlock], Field(min_length=1)]


HEADER_KEYS = ("name", "description", "profile", "max_forward_kmh", "max_reverse_kmh", "max_hr_bpm")
_STEP_KEYS = tuple(dict.fromkeys([*PlainStepTable.model_fields, *HrStepTable.model_fields]))
_KEYS_BY_TAG = {"Step": _STEP_KEYS, "Hrstep": _STEP_KEYS, "Block": tuple(BlockTable.model_fields)}


def keys_at(loc: tuple[Any, ...]) -> Iterable[str] | None:
    """The keys the table at pydantic's `loc` may have: the file's, a step's or a block's."""
    if not loc:
        return HEADER_KEYS + ("steps",)
    return _KEYS_BY_TAG.get(loc[-1]) if isinstance(loc[-1], str) else None
