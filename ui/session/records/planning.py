"""What a front end (`run`, the console) settles about records before anything moves.

The person's stored figures under the flags (`--mass-kg` wins over the person's mass; the
lower of the person's and `--max-hr` is the session's heart-rate limit, S13: each may only
tighten), read without creating anything; then, when the session is to be recorded, the
store opened (and made) -- last, once every other check has passed.
"""

from __future__ import annotations

import os

from ui.session.records.folder import DB_NAME, check_person, data_dir
from ui.session.records.store import Store


def person_figures(folder: str | os.PathLike | None, person: str | None, mass_kg: float | None,
                   max_hr_bpm: float | None) -> tuple[float | None, float | None]:
    """(mass_kg, max_hr_bpm) for the session; StoreError for a bad code or a database not ours."""
    if person is None:
        return mass_kg, max_hr_bpm
    check_person(person)
    if not (data_dir(folder) / DB_NAME).exists():
        return mass_kg, max_hr_bpm  # nobody known yet: the session will add the person
    with Store.open(folder) as store:
        known = store.person(person) or {}
    stored_mass, stored_limit = known.get("mass_kg"), known.get("max_hr_bpm")
    limits = [bpm for bpm in (max_hr_bpm, stored_limit) if bpm is not None]
    return (mass_kg if mass_kg is not None else stored_mass), (min(limits) if limits else None)


def open_records(folder: str | os.PathLike | None) -> Store:
    """The store to record into, made if new; StoreError if it cannot be."""
    return Store.open(folder, create=True)
