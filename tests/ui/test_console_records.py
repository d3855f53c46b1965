"""The console's side of the records: its sessions into the store (ui/console/sessions.py
StoreRecorder, ui/engine.py) from the first countdown to the end, under a person, with
DESIGN.md's figures; the sessions dialog's list read from the store; and the records screens
(ui/console/screens/records.py) in a bare App, until the console's App wires them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.app import App
from textual.reactive import var
from textual.widgets import DataTable, Input

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "session" / "records"))
from console_harness import BEGINNER, FIXED_WALL_S, FakeWallClock  # noqa: E402
from controller.clock import SimClock  # noqa: E402
from controller.commands import Command, Op  # noqa: E402
from controller.limits import load_site_config  # noqa: E402
from controller.program import load_program  # noqa: E402
from records_support import program_file, record  # noqa: E402
from ui.console.screens.records import EffortDialog, PersonDialog, SessionDetail, SessionsBrowser  # noqa: E402
from ui.console.sessions import StoreRecorder, recent_sessions  # noqa: E402
from ui.console.widgets.history import HistoryPlot, columns_of  # noqa: E402
from ui.engine import Engine  # noqa: E402
from ui.session.records import Store  # noqa: E402
from ui.session.records.rows import unix_of  # noqa: E402
from ui.session.records.samples import Sample  # noqa: E402


def store_engine(data, wall=None) -> Engine:
    site = load_site_config()
    program = load_program(BEGINNER)
    engine = Engine(site, site.profiles["fitness"], program, clock=SimClock(), ui_heartbeat_timeout_s=1.0,
                    records=Store.open(data, create=True))
    engine.recorder.wall_clock = wall or FakeWallClock()
    return engine


async def test_a_console_session_lands_in_the_store_under_its_person(tmp_path):
    wall = FakeWallClock()
    engine = store_engine(tmp_path / "data", wall)
    assert isinstance(engine.recorder, StoreRecorder) and engine.records_folder == tmp_path / "data"
    engine.set_person("p3", 61.0)
    await engine.open()
    engine.submit(Command(Op.ARM_REVERSE, True))
    engine.submit(Command(Op.START))
    await engine.advance(200.0)
    engine.submit(Command(Op.STOP))
    await engine.advance(10.0)
    wall.t_s += 210
    engine.end_session("operator locked")
    await engine.advance(0.02)
    events = [e for e in engine.take().events if e["event"] in ("session_start", "session_end")]
    await engine.close()
    start, end = events[0], events[-1]
    assert start["person"] == "p3" and start["mass_kg"] == 61.0
    ui_summary = end["summary"]  # what the lock screen shows: DESIGN.md's figures, as stored
    assert ui_summary["id"] == engine.last_session_id and ui_summary["forward"]["distance_m"] > 100
    with Store.open(tmp_path / "data") as store:
        stored = store.get("last")
        trace = list(store.trace("last"))
    assert stored["id"] == ui_summary["id"] and stored["person"] == "p3"
    assert stored["status"] == "stopped" and stored["end_reason"] == "operator locked"
    assert unix_of(stored["started"]) == FIXED_WALL_S  # the console's wall clock at the first countdown
    assert stored["forward"] == ui_summary["forward"] and stored["backward"] == ui_summary["backward"]
    assert ui_summary["energy"] == stored["energy"] and ui_summary["stops"] == stored["stops"]
    assert stored["energy"] == {**stored["energy"], "mass_kg": 61.0, "estimated": False}
    assert [s["kind"] for s in stored["stops"]] == ["operator_stop"]
    assert [s["name"] for s in stored["steps"]][:2] == ["Warm-up", "Easy 1/3: Backward"]
    assert trace[0]["event"] == "session_start" and trace[-1]["event"] == "session_end"
    listed, = recent_sessions(tmp_path / "data")  # the sessions dialog's list, from the store
    assert listed["id"] == stored["id"] and listed["distance_backward_m"] == stored["backward"]["distance_m"]
    assert listed["started"] == stored["started"][:19].replace("T", " ")


async def test_sessions_in_the_same_second_get_their_own_ids_and_a_person_per_session(tmp_path):
    engine = store_engine(tmp_path / "data")
    await engine.open()
    ids = []
    for person in ("a1", None):
        engine.set_person(person)
        engine.submit(Command(Op.START))
        await engine.advance(5.0)
        engine.submit(Command(Op.STOP))
        await engine.advance(5.0)
        engine.end_session("operator locked")
        await engine.advance(0.02)
        ids.append(engine.last_session_id)
    await engine.close()
    assert ids[1] == ids[0] + "-2"  # the fake wall clock did not move
    with Store.open(tmp_path / "data") as store:
        assert [(s["id"], s["person"]) for s in store.list()] == [(ids[1], None), (ids[0], "a1")]


# ---- the records screens, in a bare App ------------------------------------------------
class Bare(App):
    """Just enough App for a dialog: the `frame` the dialogs watch, and where results land."""

    frame = var(None)

    def __init__(self, screen) -> None:
        super().__init__()
        self.first = screen
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.first, self.results.append)


async def type_in(pilot, text: str) -> None:
    for key in text:
        await pilot.press("space" if key == " " else key)
    await pilot.press("enter")


async def test_the_person_dialog_takes_a_code_refuses_a_name_and_allows_nobody():
    for typed, expected in (("p07", "p07"), ("", "")):
        app = Bare(PersonDialog(known=["p01", "p07"]))
        async with app.run_test() as pilot:
            if typed == "p07":
                await type_in(pilot, "Jane Doe")
                assert app.results == [] and "person code" in str(app.screen.query_one("#person-message").render())
                app.screen.query_one("#person-code", Input).value = ""
            await type_in(pilot, typed)
            assert app.results == [expected]


async def test_the_effort_dialog_checks_its_ranges_and_leaves_blanks_empty():
    app = Bare(EffortDialog("20260101-000000"))
    async with app.run_test() as pilot:
        await type_in(pilot, "11")
        await pilot.press("enter")  # pain left blank
        await type_in(pilot, "calf")
        assert app.results == [] and "out of range" in str(app.screen.query_one("#effort-message").render())
        app.screen.query_one("#effort-rpe", Input).value = "4.5"
        app.screen.query_one("#effort-note", Input).focus()
        await pilot.press("enter")
        assert app.results == [{"rpe": 4.5, "pain": None, "text": "calf"}]


async def test_the_browser_lists_per_person_and_opens_a_session_with_steps_and_a_plot(tmp_path):
    data = tmp_path / "data"
    program = program_file(tmp_path)
    for person in ("p01", "p02"):
        await record(data, program, person=person)
    app = Bare(SessionsBrowser(data))
    async with app.run_test(size=(140, 45)) as pilot:
        table = app.screen.query_one("#browser-table", DataTable)
        assert table.row_count == 2
        app.screen.query_one("#browser-person").value = "p01"
        await pilot.pause()
        assert table.row_count == 1 and app.screen.sessions[0]["person"] == "p01"
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, SessionDetail)
        await app.workers.wait_for_complete()
        await pilot.pause()
        plot = detail.query_one("#detail-plot", HistoryPlot)
        assert detail.query_one("#detail-steps", DataTable).row_count == 3
        assert len(plot.samples) == pytest.approx(detail.summary["duration_s"], abs=2)
        assert {s.direction for s in plot.samples} == {"forward", "reverse", "none"}
        drawn = str(plot.render())
        assert "█" in drawn
        await pilot.press("escape")
        assert isinstance(app.screen, SessionsBrowser)


def test_plot_columns_average_their_slice_and_keep_a_lost_heart_rate_a_gap():
    samples = [Sample(t, 2.0 if t < 10 else 4.0, "forward" if t < 10 else "reverse", None if t < 10 else 120.0)
               for t in range(20)]
    (first_kmh, first_way, first_hr), (second_kmh, second_way, second_hr) = columns_of(samples, 2)
    assert (first_kmh, first_way, first_hr) == (2.0, "forward", None)
    assert (second_kmh, second_way, second_hr) == (4.0, "reverse", 120.0)
