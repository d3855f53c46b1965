"""Operator commands applied by the controller: locking, loading programs, incline keys."""

from controller import states as S
from controller.commands import Command, Op
from controller.core import Controller
from controller.limits import load_site_config
from controller.program import parse_program
from drivers.base import Direction, DriveStatus

SITE = load_site_config()
FITNESS = SITE.profiles["fitness"]
AT_REST = DriveStatus(0.0, Direction.NONE, False)


def program(speed_kmh=3.0, incline_pct=0.0, **top):
    return parse_program({"name": "t", **top, "steps": [
        {"direction": "forward", "speed_kmh": speed_kmh, "incline_pct": incline_pct, "duration_s": 60}]})


def tick(c, *ops, value=None, t=[0.0]):
    for op in ops:
        c.submit(Command(op, value))
    t[0] += 0.02
    return c.update(AT_REST, t[0])


def refusals(c):
    return [e for e in c.drain_events() if e["event"] == "refused"]


def test_a_locked_controller_refuses_every_start_until_unlocked():
    c = Controller(SITE, FITNESS, program())
    tick(c, Op.LOCK)
    tick(c, Op.START)
    assert c.state == S.IDLE
    assert "locked" in refusals(c)[-1]["reason"]
    tick(c, Op.UNLOCK, Op.START)
    assert c.state == S.COUNTDOWN


def test_lock_is_refused_while_the_belt_is_active():
    c = Controller(SITE, FITNESS, program())
    tick(c)
    tick(c, Op.START)
    tick(c, Op.LOCK)
    assert not c.locked and "stop the belt" in refusals(c)[-1]["reason"]


def test_loading_a_program_over_the_profile_is_refused_not_a_crash():
    c = Controller(SITE, FITNESS, program())
    bad = program(speed_kmh=3.0, max_reverse_kmh=9.0)  # loosens fitness' 5.5 km/h reverse cap
    tick(c, Op.LOAD_PROGRAM, value=(bad, FITNESS))
    reason = refusals(c)[-1]["reason"]
    assert "max_reverse_kmh" in reason
    assert c.program.name == "t" and c.profile.reverse_max_kmh == 5.5
    too_fast = program(speed_kmh=19.0)
    tick(c, Op.LOAD_PROGRAM, value=(too_fast, FITNESS))
    assert "speed_kmh" in refusals(c)[-1]["reason"]


def test_two_incline_presses_in_one_tick_both_count():
    c = Controller(SITE, FITNESS, None)
    c.submit(Command(Op.ADJUST_INCLINE, 0.5))
    c.submit(Command(Op.ADJUST_INCLINE, 0.5))
    tick(c)
    assert c.incline_override_pct == 1.0
    for _ in range(40):
        tick(c, Op.ADJUST_INCLINE, value=0.5)
    assert c.incline_override_pct == FITNESS.incline_max_pct


def test_a_drive_stop_set_for_another_profile_refuses_the_start():
    site = load_site_config()
    c = Controller(site, site.profiles["rehab"], drive_stop_decel_mps2=1.5)
    assert "the drive's own stop is set to 1.50 m/s^2" in c.drive_stop_refusal()
    assert Controller(site, site.profiles["rehab"], drive_stop_decel_mps2=1.02).drive_stop_refusal() is None


def test_every_operation_has_a_handler():
    from controller.commands import Op
    from controller.operator import HANDLERS

    assert set(HANDLERS) == set(Op)
