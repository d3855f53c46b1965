"""The person's next session of a plan, checked, and the session `run --plan` runs.

The whole plan is checked first (every session of every week, as `plan check` does): a plan
with a broken week is refused before anyone starts it, not in week 5. The chosen session's
record carries `plan` in its `session_start` event (progress.py reads it back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from controller.limits import SiteConfig
from controller.program import Program
from drivers.input_errors import InputError
from ui.session.plan import Refused, SessionPlan, check_against, check_heart_rate, load_site, plan_session
from ui.session.plans.check import check_plan, check_session
from ui.session.plans.model import Plan, combined, load_plan
from ui.session.plans.progress import Next, history, next_session
from ui.session.records import StoreError


@dataclass(frozen=True)
class Choice:
    """The next session (`program` None when the person has done the whole plan)."""

    plan: Plan
    next: Next
    program: Program | None
    record: dict[str, Any] = field(default_factory=dict)  # the session_start event's `plan`

    @property
    def done(self) -> bool:
        return self.program is None


def checked_plan(plan_path: str, site: SiteConfig, profile_flag: str | None = None) -> Plan:
    """The plan, every session of it checked; InputError (every error, one line each) if not fit."""
    plan = load_plan(plan_path)
    errors = check_plan(plan, site, profile_flag)
    if errors:
        raise combined(errors)
    return plan


def choose_next(plan_path: str, person: str, folder, site: SiteConfig, profile_flag: str | None = None) -> Choice:
    """The person's next session of the plan; InputError (the plan) or StoreError (the records)."""
    plan = checked_plan(plan_path, site, profile_flag)
    upcoming = next_session(plan.weeks, plan.per_week, history(folder, person, plan.name))
    if upcoming.week is None:
        return Choice(plan, upcoming, None)
    program = check_session(plan, upcoming.week, upcoming.number, site, profile_flag)
    record = {"name": plan.name, "file": str(plan.path), "week": upcoming.week, "session": upcoming.number,
              "weeks": plan.weeks, "per_week": plan.per_week}
    return Choice(plan, upcoming, program, record)


def plan_session_for(args, authorization: Callable[[str], str | None], *, mass_kg: float | None,
                     max_hr_bpm: float | None) -> SessionPlan:
    """`run --plan PLAN --person CODE`: the session plan of the person's next session; Refused if
    it cannot be (no person, a PROGRAM as well, a broken plan, the plan done, the records)."""
    if args.program and args.plan:
        raise Refused(f"--plan {args.plan}: give a PROGRAM or --plan, not both")
    if not args.plan:
        raise Refused("give a PROGRAM to run, or --plan PLAN --person CODE")
    if not args.person:
        raise Refused(f"--plan {args.plan}: needs --person CODE: the plan goes on from that person's recorded sessions")
    site = load_site(args.config)
    try:
        choice = choose_next(args.plan, args.person, args.data_dir, site, args.profile)
    except (InputError, StoreError) as exc:
        raise Refused(str(exc)) from None
    if choice.done:
        raise Refused(f"--plan {args.plan}: {args.person} has done every session of {choice.plan.name!r} "
                      f"({choice.next.why})")
    session = plan_session(config=args.config, program_path=None, profile_flag=args.profile or choice.program.profile,
                           authorization=authorization, driver_url=args.driver, allow_reverse=args.allow_reverse,
                           seed=args.seed, hr_url=args.hr, max_hr_bpm=max_hr_bpm, mass_kg=mass_kg,
                           person=args.person)
    session.program = choice.program
    check_against(choice.program, session.site, session.profile_name)
    check_heart_rate(session)
    session.extra["plan"] = {**choice.record, "why": choice.next.why}
    return session
