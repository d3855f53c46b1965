"""`plan check`: every session a plan generates, checked as `retrotread check` checks a program
against its profile. Each error names the plan file and the plan's field behind it: the
week's change (`sessions[0].backward_speed_kmh[4]`) when that is what broke the step, else
the session's program (`sessions[0].program`)."""

from __future__ import annotations

from controller.limits import SiteConfig
from controller.program import Program, check_program
from drivers.input_errors import InputError
from ui.session.plans.model import Plan, SessionSpec, combined, generate


def errors_of(exc: InputError) -> list[InputError]:
    """Every error an InputError carries (one, or several where it carries a list)."""
    return list(getattr(exc, "errors", None) or (exc,))


def profile_for(plan: Plan, spec: SessionSpec, program: Program, site: SiteConfig, flag: str | None) -> str:
    """The flag's profile, else the program's, else the site's; InputError naming the session if unknown."""
    name = flag or program.profile or site.default_profile
    if name not in site.profiles:
        where = "--profile" if flag else f"{plan.path}: {spec.field('program', 0)}"
        raise InputError(where, None, f"{spec.program_text}: unknown profile {name!r} (known: "
                         f"{', '.join(site.profiles)})")
    return name


def check_session(plan: Plan, week: int, number: int, site: SiteConfig, flag: str | None = None) -> Program:
    """One generated session, checked against its profile; InputError (every error) if not fit."""
    spec = plan.sessions[number - 1]
    program, errors = generate(plan, week, number)
    profile = profile_for(plan, spec, program, site, flag)
    try:
        check_program(program, site.profiles[profile])
    except InputError as exc:
        errors += errors_of(_as_plan_errors(plan, spec, week, errors_of(exc)))
    if errors:
        raise combined(errors)
    return program


def _as_plan_errors(plan: Plan, spec: SessionSpec, week: int, errors: list[InputError]) -> InputError:
    found = []
    for error in errors:
        field = error.field or ""
        key = "backward_speed_kmh" if spec.speeds_kmh is not None and "speed" in field else \
            "backward_min" if spec.minutes is not None and "duration" in field else "program"
        plan_error = InputError(str(plan.path), spec.field(key, week),
                                f"week {week}: {spec.program_text}: {field or 'program'}: {error.reason}")
        plan_error.same_as = (plan_error.field, field, error.reason)  # alike in every week: said once
        found.append(plan_error)
    return combined(found)


def check_plan(plan: Plan, site: SiteConfig, flag: str | None = None) -> list[InputError]:
    """Every error of every generated session, each said once (a broken program would otherwise
    be reported for every week)."""
    found: dict[str, InputError] = {}
    for week, number in plan.order():
        try:
            check_session(plan, week, number, site, flag)
        except InputError as exc:
            for error in errors_of(exc):
                found.setdefault(getattr(error, "same_as", str(error)), error)
    return list(found.values())
