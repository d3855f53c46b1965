"""The App's side of the records (docs/records.md, docs/plans.md): who walks, how it felt, the
sessions so far, and each plan's next session in the picker.

A mixin of ConsoleApp (it uses the App's engine, site and screens); kept apart so the App
stays a readable size. Everything here works only when the engine records into a store.
"""

from __future__ import annotations

from pathlib import Path

from controller.errors import InputError
from ui.console import catalog
from ui.console.screens.dialogs import SessionsDialog
from ui.console.screens.records import EffortDialog, PersonDialog, SessionsBrowser
from ui.console.sessions import recent_sessions
from ui.session.plans.choose import choose_next
from ui.session.records import Store, StoreError
from ui.session.records.planning import person_figures

PLANS_DIR = catalog.CONFIG_DIR / "plans"


class RecordsFlow:
    """Mixed into ConsoleApp: person, effort, sessions browser, plan entries."""

    plan_dirs: list[Path]

    def action_sessions(self) -> None:
        if self.engine.records_folder is not None:
            self.push_screen(SessionsBrowser(self.engine.records_folder, self.engine.person))
            return
        sessions = recent_sessions(self.sessions_dir) if self.sessions_dir is not None else []
        self.push_screen(SessionsDialog(sessions, str(self.sessions_dir or "not recorded")))

    def ask_person(self) -> None:
        """Who walks the next session (after unlocking); their mass from the store."""
        folder = self.engine.records_folder
        if folder is None:
            return
        try:
            with Store.open(folder) as store:
                known = [p["code"] for p in store.people()]
        except StoreError as exc:
            self.say(str(exc), "warn")
            known = []
        self.push_screen(PersonDialog(self.engine.person, known), self._person_chosen)

    def _person_chosen(self, code: str | None) -> None:
        if code is None:  # Esc: the person stays as it was
            return
        try:
            mass_kg, _ = person_figures(self.engine.records_folder, code or None, None, None)
        except StoreError as exc:
            self.say(str(exc), "warn")
            return
        plan, changed = self.engine.plan, (code or None) != self.engine.person
        self.engine.set_person(code or None, mass_kg)
        if plan is not None and changed:  # the loaded plan session was the other person's next one
            self.engine.set_plan(None)
            self.say(f"Next session: {code or 'nobody named'}. The loaded program no longer counts for "
                     f"{plan['name']!r}: O offers this person's next session.", "warn")
            return
        self.say(f"Next session: {code}." if code else "Next session: nobody named.", "info")

    def ask_effort(self) -> None:
        """After a recorded session: effort, pain and a note for it."""
        session_id = self.engine.last_session_id
        if self.engine.records_folder is None or session_id is None:
            return
        self.push_screen(EffortDialog(session_id), lambda values: self._note(session_id, values))

    def _note(self, session_id: str, values: dict | None) -> None:
        if not values or all(v is None for v in values.values()):
            return
        try:
            with Store.open(self.engine.records_folder) as store:
                store.note(session_id, **values)
        except StoreError as exc:
            self.say(f"Effort not noted: {exc}", "warn")

    def plan_entries(self) -> list[catalog.ProgramEntry]:
        """One entry per plan, the person's next session of it; none without a person and a store."""
        person, folder = self.engine.person, self.engine.records_folder
        if person is None or folder is None:
            return []
        entries = []
        for path in _plan_files(self.plan_dirs):
            try:
                choice = choose_next(str(path), person, folder, self.site)
            except (InputError, StoreError) as exc:
                entries.append(catalog.ProgramEntry(path, f"Plan {path.name}", "plan", error=str(exc)))
                continue
            name, why = choice.plan.name, choice.next.why
            if choice.done:
                entries.append(catalog.ProgramEntry(path, f"{name}: done", "plan",
                                                    error=f"{person} has done every session of this plan ({why})"))
                continue
            label = f"Next in {name}: week {choice.next.week} session {choice.next.number}"
            entries.append(catalog.ProgramEntry(path, label, "plan", choice.program,
                                                plan={**choice.record, "why": why}))
        return entries


def _plan_files(directories: list[Path]) -> list[Path]:
    seen, files = set(), []
    for directory in directories:
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                files.append(path)
    return files
