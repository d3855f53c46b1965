"""The program picker's preview gives the program's true length under the highlighted profile
(issue 12, point 2), when the App hands it the `duration` function."""

from __future__ import annotations

from console_harness import FORWARD_CLASSIC, make_app, make_engine, run
from controller.duration import program_duration_s
from ui.console import catalog
from ui.console.screens.picker import ProgramPicker
from ui.console.text import mmss

SIZE = (100, 32)


def info(picker) -> str:
    return str(picker.query_one("#picker-info").render())


async def test_the_preview_gives_the_true_length_under_the_highlighted_profile(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    site = app.site
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.open()
        app.poll()
        entries = catalog.scan([catalog.SHIPPED_DIR])
        picker = ProgramPicker(entries, {name: p.requires_authorization for name, p in site.profiles.items()},
                               lambda e: catalog.default_profile(e, site), lambda e, p: catalog.refusal(e, p, site),
                               catalog.MANUAL.label, True,
                               duration=lambda e, p: program_duration_s(e.program, site.profiles[p]))
        app.push_screen(picker)
        await run(pilot, 0.0)
        while picker._entry().label != "Retro walking, beginner week 1":
            await pilot.press("down")
        await pilot.pause()
        assert picker._profile() == "fitness"
        assert "12 steps  ·  14:51 with ramps and countdowns" in info(picker)  # the steps alone: 13:45
        await pilot.press("tab")
        while picker._profile() != "rehab":
            await pilot.press("up")
        await pilot.pause()
        rehab_s = program_duration_s(picker._entry().program, site.profiles["rehab"])
        assert f"{mmss(rehab_s)} with ramps and countdowns" in info(picker)
        assert mmss(rehab_s) != "14:51"  # slower ramps, longer dwells: the line follows the profile
        await pilot.press("tab")
        while picker._entry().label != "Athlete backward running intervals":
            await pilot.press("up")
        await pilot.pause()
        assert picker._profile() == "athlete" and "32:57 with ramps and countdowns" in info(picker)
        await pilot.press("tab")
        while picker._profile() != "fitness":
            await pilot.press("up")
        await pilot.pause()
        assert "with ramps and countdowns" not in info(picker)  # refused under it: no length to promise


async def test_without_the_duration_function_the_steps_sum_is_shown(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    site = app.site
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.open()
        app.poll()
        entries = catalog.scan([catalog.SHIPPED_DIR])
        picker = ProgramPicker(entries, {name: p.requires_authorization for name, p in site.profiles.items()},
                               lambda e: catalog.default_profile(e, site), lambda e, p: catalog.refusal(e, p, site),
                               catalog.MANUAL.label, True)
        await app.push_screen(picker)
        while picker._entry().label != "Retro walking, beginner week 1":
            await pilot.press("down")
        await pilot.pause()
        assert "12 steps  ·  13:45" in info(picker)


async def test_the_apps_picker_gives_the_true_length(pins):
    engine = make_engine(FORWARD_CLASSIC)
    app = make_app(engine, pins)
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.open()
        app.poll()
        await pilot.press("o")
        picker = app.screen
        assert isinstance(picker, ProgramPicker)
        while picker._entry().label != "Retro walking, beginner week 1":
            await pilot.press("down")
        await pilot.pause()
        beginner = picker._entry().program
        true_s = program_duration_s(beginner, app.site.profiles[picker._profile()])
        assert true_s > beginner.total_duration_s
        assert f"12 steps  ·  {mmss(true_s)} with ramps and countdowns" in info(picker)
