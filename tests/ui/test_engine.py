"""The control thread: frames merged at a calm rate, the session record, a clean stop."""

from __future__ import annotations

import json
import time

import pytest

from console_harness import BEGINNER, FORWARD_CLASSIC, FakeWallClock, make_engine
from controller import states as S
from controller.commands import Command, Op
from controller.limits import load_site_config
from controller.program import load_program
from drivers.base import Drive, DriveStatus, Direction
from ui.engine import Engine


async def test_frames_merge_events_and_samples(tmp_path):
    engine = make_engine(FORWARD_CLASSIC)
    await engine.open()
    engine.submit(Command(Op.START))
    await engine.advance(10.0)
    frame = engine.take()
    kinds = [e["event"] for e in frame.events]
    assert kinds[0] == "session_start" and "state" in kinds and "step" in kinds
    assert len(frame.samples) == 20  # 2 per second
    assert engine.take() is None  # nothing new since
    await engine.advance(0.02)
    assert engine.take().events == ()
    assert frame.snapshot.state == S.RUNNING and frame.session_open
    assert frame.distance_forward_m > 0 and frame.distance_backward_m == 0
    assert frame.sim is not None and frame.sim.key_in


async def test_publishing_is_at_most_ten_frames_a_second():
    engine = make_engine(FORWARD_CLASSIC)
    await engine.open()
    seq = engine.take().seq
    await engine.advance(5.0)
    assert engine.take().seq - seq <= 5 * 10 + 1


def test_threaded_engine_publishes_about_ten_frames_a_second_and_stops_the_belt():
    site = load_site_config()
    engine = Engine(site, site.profiles["fitness"], load_program(FORWARD_CLASSIC), ui_heartbeat_timeout_s=None)
    engine.start()
    try:
        engine.submit(Command(Op.START))
        frames, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < 5.0:
            frames += engine.take() is not None
            time.sleep(0.005)
        assert 25 <= frames <= 52  # at most ~10 a second (a loaded machine may merge a few more)
        assert engine.controller.state == S.RUNNING and engine.controller.status.belt_kmh > 1.0
    finally:
        assert engine.stop(timeout_s=15.0)
    assert engine.controller.state == S.IDLE
    assert abs(engine.drive.world.belt.velocity_kmh_signed) <= site.standstill_kmh
    assert not engine.running


async def test_session_record_trace_and_summary(tmp_path):
    wall = FakeWallClock()
    engine = make_engine(BEGINNER, sessions=tmp_path, wall=wall)
    await engine.open()
    engine.submit(Command(Op.ARM_REVERSE, True))
    engine.submit(Command(Op.START))
    await engine.advance(170.0)
    engine.submit(Command(Op.STOP))
    await engine.advance(10.0)
    wall.t_s += 180
    engine.end_session("operator locked")
    await engine.advance(0.02)
    await engine.close()
    trace, = tmp_path.glob("*.trace.jsonl")
    summary = json.loads(next(tmp_path.glob("*.summary.json")).read_text())
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    ticks = [r for r in lines if "event" not in r]
    events = [r for r in lines if "event" in r]
    assert len(ticks) == pytest.approx(180 * 50, abs=2)
    assert set(ticks[0]) >= {"t", "state", "direction", "target_kmh", "command_kmh", "belt_kmh", "incline_pct",
                             "step", "interlocks"}
    assert ticks[0]["t"] == 0.0 and ticks[0]["state"] == "countdown"
    assert {"reverse"} <= {t["direction"] for t in ticks}
    assert events[0]["event"] == "session_start" and events[-1]["event"] == "session_end"
    assert any(e["event"] == "state" and e["to"] == "reversing" for e in events)
    assert summary["program"] == "Retro walking, beginner week 1" and summary["end_reason"] == "operator locked"
    assert summary["distance_backward_m"] > 0 and summary["distance_forward_m"] > 100
    assert summary["started"] == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall.t_s - 180))
    assert summary["trace"] == trace.name
    assert any("operator stop" in s for s in summary["stops"])


class BrokenDrive(Drive):
    """Answers, then raises something no driver should: a bug in the loop's path."""

    name = "broken://"

    def __init__(self) -> None:
        self.reads = 0
        self.closed = False

    async def open(self) -> None:
        pass

    async def read(self) -> DriveStatus:
        self.reads += 1
        if self.reads > 10:
            raise ZeroDivisionError("bug")
        return DriveStatus(0.0, Direction.NONE, False)

    async def write(self, command) -> None:
        pass

    async def close(self) -> None:
        self.closed = True


def test_a_crashed_loop_closes_the_drive_and_says_why():
    site = load_site_config()
    drive = BrokenDrive()
    engine = Engine(site, site.profiles["fitness"], drive=drive, ui_heartbeat_timeout_s=None)
    engine.start()
    deadline = time.monotonic() + 5.0
    while engine.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not engine.running and drive.closed
    assert "ZeroDivisionError" in engine.loop_error
    frame = engine.take()
    assert not frame.loop_alive and "ZeroDivisionError" in frame.loop_error
    assert engine.stop()


def test_a_drive_that_will_not_open_is_refused():
    from drivers.base import DriveCommsError

    class Silent(BrokenDrive):
        async def open(self) -> None:
            raise DriveCommsError("silent://: no reply")

    site = load_site_config()
    engine = Engine(site, site.profiles["fitness"], drive=Silent(), ui_heartbeat_timeout_s=None)
    with pytest.raises(DriveCommsError):
        engine.start()
    assert not engine.running


def test_injection_needs_the_simulator():
    site = load_site_config()
    engine = Engine(site, site.profiles["fitness"], drive=BrokenDrive(), ui_heartbeat_timeout_s=None)
    with pytest.raises(RuntimeError):
        engine.inject("key-out")


async def test_the_drives_quick_stop_follows_the_profile_a_program_brings():
    """S5: the drive's own stop is set for the session's profile at connect; a program with
    another profile has it set again before anything can start with it."""
    site = load_site_config()
    engine = make_engine(FORWARD_CLASSIC)
    await engine.open()
    assert engine.drive.stop_decel_mps2 == engine.controller.profile.estop_decel_mps2 == 1.2
    rehab = site.profiles["rehab"]
    engine.submit(Command(Op.LOAD_PROGRAM, (load_program(BEGINNER), rehab)))
    await engine.advance(0.1)
    assert engine.controller.profile.name == "rehab"
    assert engine.drive.stop_decel_mps2 == engine.controller.drive_stop_decel_mps2 == rehab.estop_decel_mps2
    assert engine.drive.world.belt.quick_stop_decel_mps2 == rehab.estop_decel_mps2
    assert engine.controller.drive_stop_refusal() is None

