"""The console App with a store (docs/records.md, docs/plans.md): who walks is asked on unlock,
how it felt after each recorded session, V browses the store, and the picker offers each
plan's next session for the person, which the session then records as a plan session."""

from __future__ import annotations

from textual.widgets import Input

from console_harness import FORWARD_CLASSIC, PIN, make_app, make_engine, run
from controller import states as S
from ui.console.screens.lock import LockScreen
from ui.console.screens.main import MainScreen
from ui.console.screens.picker import ProgramPicker
from ui.console.screens.records import EffortDialog, PersonDialog, SessionsBrowser
from ui.session.records import Store

SIZE = (100, 30)
WALK = """\
name = "Plan walk"
profile = "fitness"
[[steps]]
name = "Walk"
direction = "forward"
speed_kmh = 2.0
duration_s = 6
"""
PLAN = """\
name = "Tiny plan"
weeks = 1
[[sessions]]
name = "walk"
program = "walk.toml"
"""


async def typed(pilot, text: str) -> None:
    await pilot.press(*text, "enter")


async def unlock_as(app, pilot, code: str) -> None:
    """The PIN on the lock screen, then the person dialog."""
    assert isinstance(app.screen, LockScreen)
    await typed(pilot, PIN)
    assert isinstance(app.screen, PersonDialog)
    await typed(pilot, code)
    assert isinstance(app.screen, MainScreen)


async def test_unlock_asks_who_walks_and_the_end_asks_how_it_felt(tmp_path, pins):
    data = tmp_path / "data"
    with Store.open(data, create=True) as store:
        store.set_person("p5", mass_kg=58.0)
    engine = make_engine(FORWARD_CLASSIC, records=data)
    app = make_app(engine, pins, locked=True)
    async with app.run_test(size=SIZE) as pilot:
        await engine.open()
        app.poll()
        await pilot.pause()
        await unlock_as(app, pilot, "p5")
        assert (engine.person, engine.person_mass_kg) == ("p5", 58.0)  # the mass from the store
        await pilot.press("s")
        await run(pilot, 30.0)
        await pilot.press("x")
        await run(pilot, 15.0)
        session_id = engine.last_session_id
        await pilot.press("l")
        assert isinstance(app.screen, EffortDialog) and app.screen.session_id == session_id
        await typed(pilot, "6")
        await typed(pilot, "2")
        await typed(pilot, "calf")
        assert isinstance(app.screen, LockScreen)  # the effort is asked over the lock, never instead of it
        await run(pilot, 0.1)
    with Store.open(data) as store:
        stored = store.get(session_id)
    assert (stored["person"], stored["rpe"], stored["pain"], stored["note"]) == ("p5", 6, 2, "calf")
    assert stored["energy"]["mass_kg"] == 58.0 and not stored["energy"]["estimated"]


async def test_locking_without_a_session_asks_no_effort_and_esc_keeps_the_person(tmp_path, pins):
    engine = make_engine(FORWARD_CLASSIC, records=tmp_path / "data")
    engine.set_person("p9")
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await engine.open()
        app.poll()
        await pilot.pause()
        await pilot.press("l")
        await run(pilot, 0.1)
        assert isinstance(app.screen, LockScreen)  # nothing ran: nothing to note
        await typed(pilot, PIN)
        assert isinstance(app.screen, PersonDialog)
        assert app.screen.query_one("#person-code", Input).value == "p9"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen) and engine.person == "p9"


async def test_sessions_key_opens_the_stores_browser_for_the_person(tmp_path, pins):
    data = tmp_path / "data"
    engine = make_engine(FORWARD_CLASSIC, records=data)
    engine.set_person("p2")
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await engine.open()
        app.poll()
        await pilot.press("s")
        await run(pilot, 20.0)
        await pilot.press("x")
        await run(pilot, 15.0)
        await pilot.press("l")
        await pilot.press("escape")  # no effort noted
        await run(pilot, 0.1)
        await typed(pilot, PIN)
        await pilot.press("escape")
        await pilot.press("v")
        browser = app.screen
        assert isinstance(browser, SessionsBrowser) and browser.folder == data and browser.person == "p2"
        assert [(s["person"], s["program"]) for s in browser.sessions] == [("p2", "Classic walk/jog intervals")]


async def test_the_picker_offers_each_plans_next_session_and_a_done_plan_as_done(tmp_path, pins):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "walk.toml").write_text(WALK)
    (plans / "tiny.toml").write_text(PLAN)
    engine = make_engine(FORWARD_CLASSIC, records=tmp_path / "data")
    app = make_app(engine, pins, plan_dirs=[plans])
    async with app.run_test(size=SIZE) as pilot:
        await engine.open()
        app.poll()
        await pilot.press("o")
        assert not any(e.origin == "plan" for e in app.screen.entries)  # nobody named: no plans
        await pilot.press("escape")
        engine.set_person("p4")
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, ProgramPicker)
        entry = picker.entries[1]  # right after Manual
        assert entry.label == "Next in Tiny plan: week 1 session 1" and entry.error is None
        await pilot.press("home", "down", "enter")
        await run(pilot, 0.1)
        assert engine.controller.program.name == entry.program.name
        await pilot.press("s")
        await run(pilot, 40.0)  # countdown, 6 s, ramp down: the program completes and the console locks
        await run(pilot, 0.1)
        assert isinstance(app.screen, EffortDialog)
        await pilot.press("escape")
        await typed(pilot, PIN)
        await pilot.press("escape")
        assert engine.controller.state == S.IDLE and engine.plan is None  # the next session is no plan's
        await pilot.press("o")
        done = app.screen.entries[1]
        assert done.label == "Tiny plan: done" and "p4 has done every session" in done.error
    with Store.open(tmp_path / "data") as store:
        start = next(iter(store.trace("last")))
    assert start["plan"]["name"] == "Tiny plan" and (start["plan"]["week"], start["plan"]["session"]) == (1, 1)
    assert start["plan"]["why"]  # why this session: the person's history


async def test_a_plan_session_chosen_for_one_person_does_not_count_for_the_next(tmp_path, pins):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "walk.toml").write_text(WALK)
    (plans / "tiny.toml").write_text(PLAN)
    engine = make_engine(FORWARD_CLASSIC, records=tmp_path / "data")
    engine.set_person("p4")
    app = make_app(engine, pins, plan_dirs=[plans])
    async with app.run_test(size=SIZE) as pilot:
        await engine.open()
        app.poll()
        await pilot.press("o", "home", "down", "enter")
        await run(pilot, 0.1)
        assert engine.plan["name"] == "Tiny plan"
        app.ask_person()
        await pilot.pause()
        app.screen.query_one("#person-code", Input).value = ""
        await typed(pilot, "p5")
        assert engine.person == "p5" and engine.plan is None
        assert app.message[1] == "warn" and "no longer counts for 'Tiny plan'" in app.message[0]
