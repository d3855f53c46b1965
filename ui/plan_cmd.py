"""`retrotread plan check|show|next`: week-by-week plans (docs/plans.md).

    plan check PLAN...                      every session of every week checked against its profile
    plan show PLAN                          the weeks, one line per session
    plan next --person CODE PLAN            the person's next session, from their records

Refused input (a plan or program with errors, an unknown person code's form, a database not
ours): one line per error on stderr, exit 2.
"""

from __future__ import annotations

import sys

EXIT_REFUSED = 2


def configure(subparsers) -> None:
    parser = subparsers.add_parser("plan", help="week-by-week plans: check, show, a person's next session")
    verbs = parser.add_subparsers(dest="plan_command", metavar="check|show|next", required=True,
                                  parser_class=type(parser))
    check = verbs.add_parser("check", help="check every session of every week of each plan")
    check.add_argument("plans", nargs="+", metavar="PLAN")
    show = verbs.add_parser("show", help="the plan's weeks, one line per session")
    show.add_argument("plans", nargs=1, metavar="PLAN")
    upcoming = verbs.add_parser("next", help="the person's next session of the plan, from their records")
    upcoming.add_argument("plans", nargs=1, metavar="PLAN")
    upcoming.add_argument("--person", required=True, metavar="CODE", help="the person's pseudonymous code")
    upcoming.add_argument("--data-dir", metavar="DIR", help="the records' folder (default: $RETROTREAD_DATA, else "
                          "~/.local/share/retrotread)")
    for verb in (check, show, upcoming):
        verb.add_argument("--profile", help="check against this profile instead of each program's")
        verb.add_argument("--config", metavar="FILE", help="site configuration (TOML)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    from drivers.input_errors import InputError
    from ui.session.plan import Refused, load_site
    from ui.session.records import StoreError

    try:
        site = load_site(args.config)
        if args.profile and args.profile not in site.profiles:
            raise Refused(f"--profile: unknown profile {args.profile!r} (known: {', '.join(site.profiles)})")
        return {"check": _check, "show": _show, "next": _next}[args.plan_command](args, site)
    except (InputError, Refused, StoreError) as exc:
        _refuse(str(exc))
        return EXIT_REFUSED


def _refuse(text: str) -> None:
    for line in text.splitlines():
        print(f"retrotread: {line}", file=sys.stderr)


def _summary(plan, programs) -> str:
    from ui.session.plans.model import describe

    figures = [describe(program) for program in programs]
    backward = [f["backward_min"] for f in figures]
    speeds = [f["top_backward_kmh"] for f in figures if f["top_backward_kmh"] is not None]
    minutes = [f["minutes"] for f in figures]
    text = (f"{plan.name!r}, {plan.weeks} weeks x {plan.per_week} sessions ({plan.total}), "
            f"{min(minutes):.0f}-{max(minutes):.0f} min of steps a session")
    if speeds:
        text += f", backward {min(backward):g}-{max(backward):g} min at up to {min(speeds):g}-{max(speeds):g} km/h"
    return text


def _check(args, site) -> int:
    from drivers.input_errors import InputError
    from ui.session.plans.check import check_plan
    from ui.session.plans.model import load_plan, session_program

    failed = False
    for path in args.plans:
        try:
            plan = load_plan(path)
        except InputError as exc:
            _refuse(str(exc))
            failed = True
            continue
        errors = check_plan(plan, site, args.profile)
        if errors:
            _refuse("\n".join(str(error) for error in errors))
            failed = True
            continue
        programs = [session_program(plan, week, number) for week, number in plan.order()]
        print(f"ok: {path}: {_summary(plan, programs)}")
    return EXIT_REFUSED if failed else 0


def _show(args, site) -> int:
    from ui.session.plans.check import check_session
    from ui.session.plans.model import describe, load_plan

    plan = load_plan(args.plans[0])
    print(f"{plan.name} ({plan.path}): {plan.weeks} weeks, {plan.per_week} sessions a week")
    for week, number in plan.order():
        program = check_session(plan, week, number, site, args.profile)
        spec = plan.sessions[number - 1]
        figures = describe(program)
        speed = f", backward {figures['backward_min']:g} min at up to {figures['top_backward_kmh']:g} km/h" \
            if figures["top_backward_kmh"] is not None else ", forward only"
        print(f"  week {week} session {number}: {spec.program_text}{f' ({spec.name})' if spec.name else ''}, "
              f"{figures['minutes']:.1f} min of steps{speed}")
    return 0


def _next(args, site) -> int:
    from ui.session.plans.choose import choose_next
    from ui.session.plans.model import describe

    choice = choose_next(args.plans[0], args.person, args.data_dir, site, args.profile)
    if choice.done:
        print(f"{args.person}: done: {choice.plan.name!r} has no session left ({choice.next.why}); "
              f"{choice.next.completed} completed")
        return 0
    figures = describe(choice.program)
    print(f"{args.person}: next: week {choice.next.week} session {choice.next.number} of {choice.plan.name!r} "
          f"({choice.next.why}); {choice.next.completed} of {choice.plan.total} completed")
    speed = f", backward {figures['backward_min']:g} min at up to {figures['top_backward_kmh']:g} km/h" \
        if figures["top_backward_kmh"] is not None else ""
    print(f"  {choice.program.name}: {figures['steps']} steps, {figures['minutes']:.1f} min of steps{speed}")
    arm = " --allow-reverse" if choice.program.has_reverse else ""
    print(f"  run it: retrotread run --plan {args.plans[0]} --person {args.person}{arm}")
    return 0
