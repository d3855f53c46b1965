"""Plans: programs in a progression across weeks, and each person's place in them (docs/plans.md).

model.py     the plan file: weeks, sessions, per-week changes (backward minutes and speed)
check.py     every generated session checked against its profile (`plan check`)
progress.py  the person's recorded sessions of a plan, and the rule for the next one
choose.py    the person's next session as a checked program with what its record carries,
             and the session plan `run --plan PLAN --person CODE` runs

    choice = choose_next(plan_path, person, data_dir, site)   # InputError / StoreError: one line
    choice.program, choice.week, choice.number, choice.why, choice.record  # or choice.done
"""

from ui.session.plans.choose import Choice, choose_next
from ui.session.plans.model import Plan, load_plan, session_program

__all__ = ["Choice", "Plan", "choose_next", "load_plan", "session_program"]
