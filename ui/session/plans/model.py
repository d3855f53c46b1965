"""Plan files: a progression across weeks (docs/plans.md).

    name = "Retro walking: six weeks for beginners"
    weeks = 6
    [[sessions]]                      # every week's sessions, in order
    program = "sessions/intervals.toml"   # relative to the plan file
    backward_speed_kmh = [1.6, 1.7, 1.8, 1.9, 2.0, 2.1]   # per week (or one number for all)
    backward_min = [4, 5, 6, 7.5, 9, 10]                  # per week (or one number for all)

A session is its program, changed for the week: `backward_speed_kmh` is the session's top
backward speed (every backward speed scaled by the same factor, to 0.1 km/h), `backward_min`
its total backward minutes (every backward step's duration scaled, to the second). Forward
steps are never changed. Every refusal is an InputError naming the plan file and the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from controller.program import MAX_STEP_DURATION_S, Program, load_program
from drivers.base import Direction
from drivers.input_errors import InputError, field_path, read_toml

MAX_WEEKS = 52
MAX_SESSIONS_PER_WEEK = 14


def _one_line(text: str) -> str:
    if not text.strip() or "\n" in text or "\r" in text:
        raise ValueError("must be one line, not blank")
    return text


Label = Annotated[str, AfterValidator(_one_line)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
PerWeek = Union[Positive, Annotated[list[Positive], Field(min_length=1)]]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Session(_Table):
    name: Label | None = None
    program: Label
    backward_speed_kmh: PerWeek | None = None
    backward_min: PerWeek | None = None


class _PlanFile(_Table):
    name: Label
    description: str | None = None
    weeks: Annotated[int, Field(ge=1, le=MAX_WEEKS)]
    sessions: Annotated[list[_Session], Field(min_length=1, max_length=MAX_SESSIONS_PER_WEEK)]


@dataclass(frozen=True)
class SessionSpec:
    """One of the week's sessions: its program and its per-week changes (None: unchanged)."""

    index: int  # 0-based, as in sessions[index]
    name: str | None
    program_path: Path
    program_text: str  # as written in the plan (relative to it)
    speeds_kmh: tuple[float, ...] | None  # one per week
    minutes: tuple[float, ...] | None  # one per week
    listed: frozenset[str] = frozenset()  # the changes the plan gave as a list (one per week)

    def field(self, key: str, week: int) -> str:
        """The plan's field behind `key` in `week`: `sessions[0].backward_min[3]` (or without [3])."""
        return f"sessions[{self.index}].{key}" + (f"[{week - 1}]" if key in self.listed else "")


@dataclass(frozen=True)
class Plan:
    """A parsed plan: `weeks` weeks, each running `sessions` in order."""

    name: str
    description: str | None
    weeks: int
    sessions: tuple[SessionSpec, ...]
    path: Path

    @property
    def per_week(self) -> int:
        return len(self.sessions)

    @property
    def total(self) -> int:
        return self.weeks * self.per_week

    def order(self) -> list[tuple[int, int]]:
        """Every (week, session), 1-based, in the order they are run."""
        return [(week, number) for week in range(1, self.weeks + 1) for number in range(1, self.per_week + 1)]


def load_plan(path: str | Path) -> Plan:
    """Read and check a plan's structure (not its programs); InputError naming the file and field."""
    source = str(path)
    data = read_toml(path)
    try:
        model = _PlanFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _validation_errors(source, exc) from None
    specs = tuple(_spec(source, Path(path).parent, i, session, model.weeks) for i, session in enumerate(model.sessions))
    return Plan(model.name, model.description, model.weeks, specs, Path(path))


def _validation_errors(source: str, exc: pydantic.ValidationError) -> InputError:
    """Every structure error, one line each (InputError.of where it exists)."""
    errors = []
    for detail in exc.errors(include_url=False):
        loc = tuple(part for part in detail["loc"] if not (isinstance(part, str) and ("[" in part or part[:1].isupper())))
        reason = {"extra_forbidden": "unknown key", "missing": "missing"}.get(detail["type"], detail["msg"])
        if "input" in detail and detail["type"] not in ("extra_forbidden", "missing"):
            reason += f" (given: {detail['input']!r})"
        errors.append(InputError(source, field_path(loc) or None, reason.removeprefix("Value error, ")))
    return combined(errors)


def combined(errors: list[InputError]) -> InputError:
    """Several errors as one InputError: str() one line each, `.errors` every one."""
    of = getattr(InputError, "of", None)  # the every-error InputError (issue 12); else the same by hand
    if of is not None:
        return of(errors)
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    result = InputError(first.source, first.field, first.reason)
    result.args = ("\n".join(str(error) for error in errors),)
    result.errors = tuple(errors)
    return result


def _spec(source: str, folder: Path, index: int, session: _Session, weeks: int) -> SessionSpec:
    per_week = {}
    for key in ("backward_speed_kmh", "backward_min"):
        value = getattr(session, key)
        if isinstance(value, list) and len(value) != weeks:
            raise InputError(source, f"sessions[{index}].{key}", f"{len(value)} values for {weeks} weeks: give one "
                             "per week, or one number for every week")
        per_week[key] = None if value is None else tuple(value) if isinstance(value, list) else (value,) * weeks
    listed = frozenset(key for key in per_week if isinstance(getattr(session, key), list))
    return SessionSpec(index, session.name, folder / session.program, session.program,
                       per_week["backward_speed_kmh"], per_week["backward_min"], listed)


def session_program(plan: Plan, week: int, number: int) -> Program:
    """The program of `week`'s session `number` (both 1-based), the week's changes applied;
    InputError naming the plan file and the session's field when it is unusable."""
    program, errors = generate(plan, week, number)
    if errors:
        raise combined(errors)
    return program


def generate(plan: Plan, week: int, number: int) -> tuple[Program, list[InputError]]:
    """The session's program and what is wrong with the week's changes (a step over 4 h); raises
    InputError when there is no program to speak of (the file, or changes it cannot take)."""
    spec = plan.sessions[number - 1]
    where = f"sessions[{spec.index}]"
    try:
        template = _template(spec.program_path)
    except InputError as exc:
        raise combined([InputError(str(plan.path), f"{where}.program", f"{spec.program_text}: {line}")
                        for line in str(exc).splitlines()]) from None
    steps = list(template.steps)
    changed = [step for step in steps if step.direction is Direction.REVERSE]
    for key, values in (("backward_speed_kmh", spec.speeds_kmh), ("backward_min", spec.minutes)):
        if values is None:
            continue
        if not changed:
            raise InputError(str(plan.path), f"{where}.{key}", f"{spec.program_text} has no backward step to change")
        if any(step.target_hr_bpm is not None for step in changed):
            raise InputError(str(plan.path), f"{where}.{key}", f"{spec.program_text}: its backward steps are "
                             "heart-rate guided; a plan changes plain backward steps only")
    errors = []
    if spec.speeds_kmh is not None:
        steps = _scaled_speeds(steps, spec.speeds_kmh[week - 1])
    if spec.minutes is not None:
        steps = _scaled_minutes(steps, spec.minutes[week - 1])
        errors += [InputError(str(plan.path), spec.field("backward_min", week), f"week {week}: {spec.program_text}: "
                              f"{step.path}.duration_s: {step.duration_s:g} s is over a step's "
                              f"{MAX_STEP_DURATION_S / 3600:g} h")
                   for step in steps if step.duration_s > MAX_STEP_DURATION_S][:1]
    label = f" ({spec.name})" if spec.name else ""
    program = dataclasses.replace(
        template, steps=tuple(steps), name=f"{plan.name}: week {week} of {plan.weeks}, session {number} of "
        f"{plan.per_week}{label}", source=f"{plan.path}: {where}, week {week} ({spec.program_text})")
    return program, errors


_TEMPLATES: dict[tuple[str, int, int], Program] = {}  # a plan names a program once a week: read it once


def _template(path: Path) -> Program:
    """load_program, remembered while the file is unchanged (same size and modification time)."""
    try:
        stat = path.stat()
    except OSError:
        return load_program(path)  # says why, naming the file
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _TEMPLATES:
        if len(_TEMPLATES) > 64:
            _TEMPLATES.clear()
        _TEMPLATES[key] = load_program(path)
    return _TEMPLATES[key]


def _scaled_speeds(steps: list, top_kmh: float) -> list:
    """Every backward speed times top_kmh / the fastest backward speed, to 0.1 km/h."""
    backward = [step for step in steps if step.direction is Direction.REVERSE]
    fastest = max(max(step.speed_kmh, step.to_speed_kmh or 0.0) for step in backward)
    factor = top_kmh / fastest
    out = []
    for step in steps:
        if step.direction is Direction.REVERSE:
            to_kmh = None if step.to_speed_kmh is None else round(step.to_speed_kmh * factor, 1)
            step = dataclasses.replace(step, speed_kmh=round(step.speed_kmh * factor, 1), to_speed_kmh=to_kmh)
        out.append(step)
    return out


def _scaled_minutes(steps: list, minutes: float) -> list:
    """Every backward step's duration scaled so that they add up to `minutes`, to the second."""
    total_s = sum(step.duration_s for step in steps if step.direction is Direction.REVERSE)
    factor = minutes * 60.0 / total_s
    return [dataclasses.replace(step, duration_s=max(1.0, float(round(step.duration_s * factor))))
            if step.direction is Direction.REVERSE else step for step in steps]


def describe(program: Program) -> dict[str, Any]:
    """Figures for a session: total and backward minutes, the top backward speed."""
    backward = [step for step in program.steps if step.direction is Direction.REVERSE]
    top = max((max(step.speed_kmh, step.to_speed_kmh or 0.0, step.max_speed_kmh or 0.0) for step in backward),
              default=None)
    return {"minutes": program.total_duration_s / 60, "backward_min": sum(s.duration_s for s in backward) / 60,
            "top_backward_kmh": top, "steps": len(program.steps)}
