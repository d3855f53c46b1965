"""Where a person is in a plan, from their recorded sessions (docs/plans.md, "The next session").

A session run from a plan carries `plan` in its `session_start` event (`name`, `file`, `week`,
`session`, `weeks`, `per_week`), which the recorder keeps as the first record of the
session's trace. The rule, from the person's newest recorded session of the plan (matched by
the plan's name):

- none yet: week 1, session 1;
- `completed`: the session after it (the week's next, else the next week's first); after
  the plan's last session, the plan is done;
- `stopped` or `interrupted`: the same session again (it was not done);
- `running` (being recorded now): refused, so that two treadmills do not run the same one.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any

from ui.session.records import Store, StoreError
from ui.session.records.folder import DB_NAME, check_person, data_dir


@dataclass(frozen=True)
class Done:
    """One recorded session of a plan."""

    session_id: str
    status: str
    week: int
    number: int
    started: str


@dataclass(frozen=True)
class Next:
    """The person's next session of a plan, and why it is that one; `week` None: plan done."""

    week: int | None
    number: int | None
    why: str
    last: Done | None
    completed: int  # sessions of this plan the person completed


def plan_of(store: Store, summary: dict[str, Any]) -> dict[str, Any] | None:
    """The plan a recorded session ran from (the summary's, else its trace's first record, the
    session_start event); None if none. Only the trace's first line is read and decompressed:
    a person's history is read at the start of every plan session."""
    if isinstance(summary.get("plan"), dict):
        return summary["plan"]
    try:
        with gzip.open(store.trace_path(summary["id"]), "rt", encoding="utf-8") as stream:
            first = json.loads(stream.readline() or "null")
    except (StoreError, OSError, EOFError, zlib.error, ValueError):  # no trace kept, or damaged: not a plan's
        return None
    if not isinstance(first, dict) or first.get("event") != "session_start" or not isinstance(first.get("plan"), dict):
        return None
    return first["plan"]


def history(folder, person: str, plan_name: str) -> list[Done]:
    """The person's recorded sessions of the plan named `plan_name`, newest first."""
    check_person(person)
    if not (data_dir(folder) / DB_NAME).exists():
        return []
    with Store.open(folder) as store:
        if store.person(person) is None:
            return []
        found = []
        for summary in store.list(person):
            plan = plan_of(store, summary)
            if plan is None or plan.get("name") != plan_name:
                continue
            week, number = plan.get("week"), plan.get("session")
            if isinstance(week, int) and isinstance(number, int):
                found.append(Done(summary["id"], summary["status"], week, number, summary.get("started") or ""))
        return found


def next_session(weeks: int, per_week: int, done: list[Done]) -> Next:
    """The rule of the module docstring; StoreError if the newest is being recorded now."""
    completed = sum(1 for item in done if item.status == "completed")
    if not done:
        return Next(1, 1, "the plan's first session", None, 0)
    last = done[0]
    if last.status == "running":
        raise StoreError(f"session {last.session_id} of this plan (week {last.week}, session {last.number}) is "
                         "being recorded now; run the next one after it ends")
    if last.status == "completed":
        week, number = (last.week, last.number + 1) if last.number < per_week else (last.week + 1, 1)
        if week > weeks:
            return Next(None, None, f"every session done: the last, week {last.week} session {last.number}, "
                        f"completed in {last.session_id}", last, completed)
        return Next(week, number, f"after week {last.week} session {last.number}, completed in {last.session_id}",
                    last, completed)
    week, number = min(last.week, weeks), min(last.number, per_week)
    return Next(week, number, f"again: week {last.week} session {last.number} was {last.status} in "
                f"{last.session_id}, not completed", last, completed)
