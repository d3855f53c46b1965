"""S13, clause by clause: the heart-rate limit, the warning, implausible readings, a lost signal,
its return, and HR-guided steps. The strap is fed to the real controller tick by tick
(`Bench.strap_bpm`, as the session host feeds a Bluetooth strap); every tick also goes through
the InvariantChecker, which judges S13 from the outside."""

import pytest

from controller import states as S
from controller.commands import Op
from controller.program import parse_program
from safety_harness import Bench, program

SITE = Bench(None).site
HR = SITE.heart_rate
LIMIT_BPM = 150.0


def forward_bench(minutes: float = 10.0, **kw) -> Bench:
    bench = Bench(program(("forward", 4.0, minutes * 60)), hr_input="fed", max_hr_bpm=LIMIT_BPM, **kw)
    bench.strap_bpm = 100.0
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING and b.belt_kmh > 3.9, 30.0)
    return bench


def guided_bench(target_bpm: float = 130.0, low: float = 2.0, high: float = 4.0, **kw) -> Bench:
    prog = parse_program({"name": "guided", "steps": [
        {"direction": "reverse", "target_hr_bpm": target_bpm, "min_speed_kmh": low, "max_speed_kmh": high,
         "duration_s": 1200}]}, "<test>")
    bench = Bench(prog, hr_input="fed", **kw)
    bench.strap_bpm = 100.0
    bench.submit(Op.ARM_REVERSE, True)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 30.0)
    return bench


def test_s13_at_the_limit_for_5_s_is_a_controlled_stop_naming_heart_rate_and_limit():
    bench = forward_bench()
    bench.strap_bpm = LIMIT_BPM - 10  # a rise, not a jump (a jump is not believed for 1 s)
    bench.run_s(2.0)
    bench.strap_bpm = LIMIT_BPM
    bench.run_s(HR.limit_hold_s - 0.1)
    assert bench.state == S.RUNNING  # not before 5 s
    bench.run_s(0.2)
    assert bench.state == S.STOPPING and not bench.controller.latched  # controlled, not a latch
    stop = bench.events_of("safety_stop")[-1]
    assert "heart rate" in stop["reason"] and "150" in stop["reason"]
    assert bench.controller.stop_reason == stop["reason"]
    # at the normal deceleration (the checker asserts S5 each tick), to idle, no reset needed
    assert bench.run_until(lambda b: b.state == S.IDLE, 30.0)
    assert not bench.events_of("estop") and not bench.events_of("fault")


def test_s13_a_start_is_refused_while_the_heart_rate_is_at_the_limit():
    bench = forward_bench()
    bench.strap_bpm = LIMIT_BPM + 5
    assert bench.run_until(lambda b: b.state == S.IDLE, 30.0)
    bench.submit(Op.START)
    bench.run_s(1.0)
    assert bench.state == S.IDLE
    assert "heart rate" in bench.events_of("refused")[-1]["reason"]
    bench.strap_bpm = 110.0  # rested (a fall of 45 bpm at once is believed after 1 s)
    bench.run_s(2.0)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 10.0)


def test_s13_ten_below_the_limit_warns_once_with_a_cue_and_keeps_running():
    bench = forward_bench()
    bench.strap_bpm = LIMIT_BPM - HR.warning_margin_bpm
    bench.run_s(30.0)
    warnings = bench.events_of("hr_warning")
    assert len(warnings) == 1 and warnings[0]["limit_bpm"] == 150 and warnings[0]["cue"]
    assert bench.state == S.RUNNING
    bench.strap_bpm = LIMIT_BPM - HR.warning_margin_bpm - 1  # hovering just below: no second warning
    bench.run_s(5.0)
    bench.strap_bpm = LIMIT_BPM - 5
    bench.run_s(1.0)
    assert len(bench.events_of("hr_warning")) == 1
    bench.strap_bpm = 110.0
    bench.run_s(5.0)
    bench.strap_bpm = LIMIT_BPM - 5
    bench.run_s(1.0)
    assert len(bench.events_of("hr_warning")) == 2  # after coming down, a rise warns again


@pytest.mark.parametrize("reading", [0.0, 25.0, 241.0, 255.0])
def test_s13_implausible_readings_count_as_none_never_as_a_heart_rate_or_a_trip(reading):
    bench = forward_bench()
    bench.strap_bpm = reading
    for _ in range(int(HR.lost_after_s * 50) + 10):
        bench.tick()
        assert bench.controller.heart_rate_bpm is None  # never read as a (low) heart rate
    assert bench.state == S.RUNNING and not bench.events_of("safety_stop")
    assert len(bench.events_of("hr_lost")) == 1  # counted as no reading


def test_s13_a_one_second_spike_is_not_believed_but_a_lasting_rise_is():
    bench = forward_bench()
    bench.strap_bpm = 100.0
    bench.run_s(2.0)
    bench.strap_bpm = 195.0  # +95 bpm at once: a strap artefact
    for _ in range(40):  # 0.8 s
        bench.tick()
        assert bench.controller.heart_rate_bpm is None
    bench.strap_bpm = 101.0
    bench.run_s(1.0)
    assert bench.controller.heart_rate_bpm == 101.0 and bench.state == S.RUNNING
    bench.strap_bpm = 190.0  # and a rise that lasts is believed after 1 s, then stops the belt
    bench.run_s(1.2)
    assert bench.controller.heart_rate_bpm == 190.0
    assert bench.run_until(lambda b: b.state == S.STOPPING, HR.limit_hold_s + 0.1)


def test_s13_lost_signal_hr_lost_after_5_s_and_a_controlled_stop_60_s_later_with_a_limit():
    bench = forward_bench(minutes=5)
    bench.strap_bpm = None
    bench.run_s(HR.lost_after_s - 0.1)
    assert not bench.events_of("hr_lost")
    bench.run_s(0.2)
    assert len(bench.events_of("hr_lost")) == 1
    bench.run_s(HR.lost_stop_after_s - 0.3)
    assert bench.state == S.RUNNING
    bench.run_s(0.4)
    assert bench.state == S.STOPPING
    assert "heart rate signal lost" in bench.events_of("safety_stop")[-1]["reason"]


def test_s13_without_a_limit_or_a_guided_step_a_lost_signal_is_announced_not_a_stop():
    fitness = SITE.profiles["fitness"].model_copy(update={"max_hr_bpm": None})
    site = SITE.model_copy(update={"profiles": {**SITE.profiles, "fitness": fitness}})
    bench = Bench(program(("forward", 3.0, 300)), hr_input="fed", site=site)
    bench.strap_bpm = None
    bench.submit(Op.START)
    bench.run_s(HR.lost_after_s + HR.lost_stop_after_s + 10)
    assert bench.state == S.RUNNING and bench.events_of("hr_lost") and not bench.events_of("safety_stop")


def test_s13_a_valid_reading_again_is_hr_restored_and_cancels_the_stop():
    bench = forward_bench()
    bench.strap_bpm = None
    bench.run_s(HR.lost_after_s + 30)
    bench.strap_bpm = 120.0
    bench.tick()
    restored = bench.events_of("hr_restored")
    assert len(restored) == 1 and restored[0]["heart_rate_bpm"] == 120
    bench.run_s(HR.lost_stop_after_s)
    assert bench.state == S.RUNNING


def test_s13_a_guided_step_slows_to_its_minimum_at_once_when_the_signal_is_lost():
    bench = guided_bench(target_bpm=140.0)
    bench.run_s(60)  # 100 bpm against 140: speeding up every 10 s
    assert bench.controller.target_kmh > 3.0
    bench.strap_bpm = None
    bench.run_s(HR.lost_after_s + 0.1)
    assert bench.controller.target_kmh == 2.0  # the step's min_speed_kmh, at once
    assert bench.events_of("hr_adjust")[-1]["to_kmh"] == 2.0
    bench.run_s(HR.lost_stop_after_s)  # a guided step also stops when the signal stays lost
    assert bench.state in (S.STOPPING, S.IDLE)


def test_s13_guided_adjustments_follow_the_error_every_hr_adjust_s_within_the_range():
    bench = guided_bench(target_bpm=130.0, low=2.0, high=4.0)
    bench.strap_bpm = 126.0  # within 5 bpm: no change
    bench.run_s(25)
    assert not bench.events_of("hr_adjust") and bench.controller.target_kmh == 2.0
    bench.strap_bpm = 124.0  # 6 bpm under: +0.3 km/h (0.1 per 2 bpm)
    bench.run_s(10)
    first = bench.events_of("hr_adjust")[-1]
    assert (first["from_kmh"], first["to_kmh"]) == (2.0, 2.3) and "Speeding up" in first["cue"]
    bench.strap_bpm = 100.0  # 30 bpm under: at most +0.5 km/h per adjustment, every 10 s
    times = []
    for _ in range(4):  # 2.3 -> 2.8 -> 3.3 -> 3.8 -> 4.0
        n = len(bench.events_of("hr_adjust"))
        assert bench.run_until(lambda b: len(b.events_of("hr_adjust")) > n, 10.1)
        times.append(bench.now_s)
    steps = [e["to_kmh"] - e["from_kmh"] for e in bench.events_of("hr_adjust")[1:]]
    assert all(step <= 0.5 + 1e-9 for step in steps)
    assert all(9.9 <= b - a <= 10.1 for a, b in zip(times, times[1:]))
    assert bench.controller.target_kmh == 4.0  # never above its max_speed_kmh
    assert not bench.run_until(lambda b: len(b.events_of("hr_adjust")) > 5, 30)  # and stays there
    bench.strap_bpm = 170.0  # 40 over: slowing, never below the minimum, never the other way
    bench.run_s(120)
    assert bench.controller.target_kmh == 2.0 and "Slowing" in bench.events_of("hr_adjust")[-1]["cue"]
    assert bench.controller.direction.value == "reverse" and bench.state == S.RUNNING


def test_s13_the_effective_limit_is_the_lowest_and_each_may_only_tighten():
    prog = parse_program({"name": "p", "max_hr_bpm": 140, "steps": [
        {"direction": "forward", "speed_kmh": 3.0, "duration_s": 60}]}, "<test>")
    assert Bench(prog, hr_input="fed", max_hr_bpm=150).controller.max_hr_bpm == 140
    assert Bench(prog, hr_input="fed", max_hr_bpm=130).controller.max_hr_bpm == 130
    fitness = SITE.profiles["fitness"]
    assert Bench(None, hr_input="fed").controller.max_hr_bpm == fitness.max_hr_bpm


def test_s13_a_new_source_is_judged_afresh_not_as_a_jump_from_the_old_one():
    bench = Bench(program(("forward", 3.0, 300)))  # the simulated person first, near rest
    bench.run_s(2.0)
    assert bench.controller.heart_rate_bpm is not None and bench.controller.heart_rate_bpm < 90
    bench.controller.use_heart_rate_input("fed")  # the operator picks a strap between sessions
    bench.strap_bpm = 131.0
    bench.tick()
    assert bench.controller.heart_rate_bpm == 131.0
    assert not bench.events_of("hr_lost")


def test_s13_the_source_cannot_change_during_a_session():
    bench = forward_bench()  # running, on a strap
    reason = bench.controller.use_heart_rate_input("none")
    assert reason is not None and "between sessions" in reason
    assert bench.controller.hr_input == "fed"  # the running session keeps what it began with
    bench.strap_bpm = LIMIT_BPM - 10
    bench.run_s(2.0)
    bench.strap_bpm = LIMIT_BPM
    assert bench.run_until(lambda b: b.state == S.STOPPING, HR.limit_hold_s + 0.2)  # still judged
