"""One or more direct tests per safety invariant (DESIGN.md S1-S12).

Every test runs the real controller against the real simulator through `Bench`, whose
InvariantChecker also asserts every invariant on every tick; the assertions here say what
the scenario itself must show.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from controller import states as S
from controller.commands import Op
from controller.limits import load_site_config
from drivers.base import StopMode
from safety_harness import DT_S, REV, FWD, Bench, program, run_now

ROOT = Path(__file__).resolve().parents[2]


def running_bench(direction="forward", speed=3.0, **kw) -> Bench:
    bench = Bench(program((direction, speed, 600)), **kw)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING and b.belt_kmh > speed - 0.2, 30)
    return bench


# ---- S1 safety key -------------------------------------------------------------------------
def test_s1_key_out_while_moving_estops_on_the_same_tick():
    bench = running_bench()
    bench.inject("key-out")
    bench.tick()
    assert bench.state == S.ESTOP
    assert "safety key" in bench.events_of("estop")[-1]["reason"]
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 5)


def test_s1_start_refused_with_the_key_out():
    bench = Bench(program(("forward", 3.0, 60)))
    bench.inject("key-out")
    bench.tick()
    bench.submit(Op.START)
    bench.run_s(5)
    assert bench.state == S.IDLE
    assert not bench.command.run
    assert "key" in bench.events_of("refused")[-1]["reason"]


def test_s1_key_out_during_countdown_estops_before_anything_moves():
    bench = Bench(program(("forward", 3.0, 60)))
    bench.submit(Op.START)
    bench.run_s(1.0)
    bench.inject("key-out")
    bench.run_s(5)
    assert bench.state == S.ESTOP
    assert bench.belt_kmh == 0.0


# ---- S2 reverse needs arming and the fall-stop -------------------------------------------------
def test_s2_reverse_refused_without_arming():
    bench = Bench(program(("reverse", 1.5, 60)), allow_reverse=False)
    bench.submit(Op.START)
    bench.run_s(6)
    assert bench.state == S.IDLE and bench.belt_kmh == 0.0
    assert "not armed" in bench.events_of("refused")[-1]["reason"]


def test_s2_reverse_refused_with_the_harness_open():
    bench = Bench(program(("reverse", 1.5, 60)))
    bench.inject("harness-off")
    bench.submit(Op.START)
    bench.run_s(6)
    assert bench.state == S.IDLE and bench.belt_kmh == 0.0
    assert "harness" in bench.events_of("refused")[-1]["reason"]


def test_s2_reverse_unavailable_without_a_fall_stop_sensor():
    bench = Bench(program(("reverse", 1.5, 60)), url="sim://?fall_stop=none")
    bench.submit(Op.START)
    bench.run_s(6)
    assert bench.state == S.IDLE and bench.belt_kmh == 0.0
    assert "none is fitted" in bench.events_of("refused")[-1]["reason"]


def test_s2_forward_to_reverse_step_refused_when_harness_unclipped_mid_run():
    bench = Bench(program(("forward", 3.0, 10), ("reverse", 1.5, 30)))
    bench.inject("harness-off")  # forward-only session: allowed forward, never reverse
    bench.submit(Op.START)
    bench.run_s(30)
    assert bench.state == S.IDLE
    assert not any(e for e in bench.events if e["event"] == "state" and e["to"] == S.RUNNING
                   and bench.controller.direction is REV)
    assert "harness" in bench.controller.stop_reason


# ---- S3 direction change after standstill dwell + countdown -------------------------------------
def test_s3_direction_change_goes_through_ramp_down_dwell_and_countdown():
    bench = Bench(program(("forward", 3.0, 5), ("reverse", 1.5, 20)))
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.REVERSING, 15)
    t_change = bench.now_s
    still_from = None
    phases = []
    while bench.state != S.RUNNING:
        bench.tick()
        phases.append(bench.controller.reverse_phase)
        if still_from is None and bench.belt_kmh <= 0.05 and not bench.command.run:
            still_from = bench.now_s
    profile = bench.controller.profile
    assert bench.command.direction is REV and bench.command.speed_kmh == profile.start_speed_kmh
    assert bench.now_s - still_from >= profile.dwell_s + profile.countdown_s - DT_S
    sequence = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p][:-1]  # last: None (running)
    # ramp down, dwell, countdown; a belt creeping back over 0.05 km/h (noise as it settles)
    # sends the dwell back to ramp_down and restarts it, but never skips it
    assert sequence[0] == "ramp_down" and sequence[-2:] == ["dwell", "countdown"], sequence
    assert "countdown" not in sequence[:-1], sequence
    assert bench.now_s - t_change > profile.dwell_s + profile.countdown_s


def test_s3_a_restart_the_other_way_after_a_stop_still_waits_for_the_dwell():
    bench = Bench(None)  # manual mode
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 10)
    bench.run_s(2)
    bench.submit(Op.STOP)
    assert bench.run_until(lambda b: b.state == S.IDLE, 10)
    bench.submit(Op.SET_DIRECTION, REV)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.command.run, 20)  # the checker asserts dwell + countdown
    assert bench.command.direction is REV


# ---- S4 caps -----------------------------------------------------------------------------------
def test_s4_speed_up_key_never_passes_the_cap():
    bench = running_bench("reverse", 2.0)
    for _ in range(200):
        bench.submit(Op.ADJUST_SPEED, 0.5)
        bench.tick()
    bench.run_s(15)
    assert bench.command.speed_kmh == pytest.approx(bench.controller.profile.reverse_max_kmh)


def test_s4_program_cap_tightens_the_profile():
    prog = program(("reverse", 2.0, 300), max_reverse_kmh=2.5)
    bench = Bench(prog)
    bench.submit(Op.START)
    bench.run_s(8)
    for _ in range(50):
        bench.submit(Op.ADJUST_SPEED, 1.0)
        bench.tick()
    bench.run_s(10)
    assert bench.command.speed_kmh == pytest.approx(2.5)


def test_s4_a_program_cannot_loosen_a_profile():
    from controller.errors import InputError
    from controller.program import check_program

    prog = program(("reverse", 2.0, 60), max_reverse_kmh=7.0)
    with pytest.raises(InputError, match="max_reverse_kmh"):
        check_program(prog, load_site_config().profiles["fitness"])


# ---- S5 acceleration limits (checked every tick by the checker; here the figures) ---------------
@pytest.mark.parametrize("profile", ["rehab", "fitness", "athlete"])
def test_s5_ramp_rates_per_profile_and_direction(profile):
    site = load_site_config()
    p = site.profiles[profile]
    bench = Bench(program(("reverse", p.reverse_max_kmh, 60)), profile=profile)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 10)
    speeds = []
    for _ in range(50):
        bench.tick()
        speeds.append(bench.command.speed_kmh)
    steps = [b - a for a, b in zip(speeds, speeds[1:])]
    assert max(steps) == pytest.approx(p.accel_reverse_mps2 * 3.6 * DT_S)


@pytest.mark.parametrize("profile", ["rehab", "fitness", "athlete"])
def test_s5_an_estop_is_the_drives_own_quick_stop_from_its_first_tick(profile):
    """S5: the first e-stop tick hands the stop to the drive (run off, quick stop), whose
    deceleration was set to the profile's e-stop deceleration at connect; the true belt
    follows it."""
    p = load_site_config().profiles[profile]
    bench = top_reverse_bench(profile)
    assert bench.drive.stop_decel_mps2 == p.estop_decel_mps2
    v0 = bench.true_kmh
    bench.submit(Op.ESTOP)
    bench.tick()
    assert bench.state == S.ESTOP and not bench.command.run and bench.command.stop_mode is StopMode.QUICK
    t0 = bench.now_s
    assert bench.run_until(lambda b: b.true_kmh == 0.0, 30)
    ideal_s = v0 / 3.6 / p.estop_decel_mps2
    assert ideal_s <= bench.now_s - t0 <= ideal_s * 1.1 + 0.2  # + the belt's lag and one tick


def test_s5_a_drive_whose_stop_cannot_be_set_is_ramped_by_the_controller():
    """Where the drive's stop deceleration is not writable, the e-stop is ramped from here."""
    p = load_site_config().profiles["fitness"]
    bench = top_reverse_bench("fitness", drive_stops_itself=False)
    bench.submit(Op.ESTOP)
    bench.tick()
    before = bench.command.speed_kmh
    bench.tick()
    assert bench.command.run
    assert before - bench.command.speed_kmh == pytest.approx(p.estop_decel_mps2 * 3.6 * DT_S)


def top_reverse_bench(profile: str, **kw) -> Bench:
    p = load_site_config().profiles[profile]
    bench = Bench(program(("reverse", p.reverse_max_kmh, 600)), profile=profile, **kw)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING and b.true_kmh >= p.reverse_max_kmh - 0.01, 60)
    return bench


def estop_stopping_time_s(profile: str, after_trip) -> float:
    """Seconds from an operator e-stop at the top reverse speed to the true belt's standstill;
    `after_trip(bench)` runs 0.1 s after the trip and returns False when the controller is
    gone (the world then runs on alone)."""
    bench = top_reverse_bench(profile)
    bench.submit(Op.ESTOP)
    bench.tick()
    t0 = bench.now_s
    bench.run_s(0.1)
    alive = after_trip(bench)
    while bench.true_kmh > 0.0 and bench.now_s - t0 < 30:
        if alive:
            bench.tick()
        else:
            bench.ticks += 1
            bench.clock.advance_to(bench.ticks * DT_S)
            bench.drive.world.advance_to(bench.clock.now_s())
    return bench.now_s - t0


def _kill_controller(bench) -> bool:
    return False


@pytest.mark.parametrize("profile", ["rehab", "fitness", "athlete"])
def test_s5_an_estop_finishes_without_the_bus_or_the_controller(profile):
    """S5: the same stop with the bus silenced, or the controller gone, 0.1 s after the trip:
    standstill within 10 % of the undisturbed stop's time (judged on the true belt)."""
    undisturbed_s = estop_stopping_time_s(profile, lambda b: True)
    bus_lost_s = estop_stopping_time_s(profile, lambda b: b.inject("comms-loss") or True)
    controller_gone_s = estop_stopping_time_s(profile, _kill_controller)
    assert bus_lost_s <= undisturbed_s * 1.1, (undisturbed_s, bus_lost_s)
    assert controller_gone_s <= undisturbed_s * 1.1, (undisturbed_s, controller_gone_s)


@pytest.mark.parametrize("cause", ["op-estop", "escalated"])
def test_s5_closing_the_drive_mid_stop_keeps_the_latched_stop(cause):
    """A loop that ends mid-stop closes the drive: the stop it leaves is the latched one (quick
    stop), or coast after S11 -- never the gentler ramp stop."""
    if cause == "op-estop":
        bench = top_reverse_bench("fitness")
        bench.submit(Op.ESTOP)
        bench.run_s(0.2)
    else:
        bench = running_bench("forward", 3.0)
        bench.inject("overspeed")
        assert bench.run_until(lambda b: b.command.stop_mode is StopMode.COAST, 3.0)
    run_now(bench.drive.close())
    belt = bench.drive.world.belt
    if cause == "op-estop":
        assert belt._rate_mps2 == bench.controller.profile.estop_decel_mps2 and belt._stopping
    else:
        assert not belt.enabled


def test_s5_normal_stop_uses_the_normal_deceleration():
    bench = running_bench("forward", 6.0)
    bench.submit(Op.STOP)
    bench.tick()
    a = bench.command.speed_kmh
    bench.tick()
    assert a - bench.command.speed_kmh == pytest.approx(bench.controller.profile.decel_mps2 * 3.6 * DT_S)


# ---- S6 every start at the start speed after a countdown -------------------------------------
def test_s6_start_and_resume_begin_at_the_start_speed_after_the_countdown():
    bench = Bench(program(("forward", 5.0, 600)))
    bench.submit(Op.START)
    starts = []
    for _ in range(2):
        t0 = bench.now_s
        assert bench.run_until(lambda b: b.command.run, 10)
        starts.append((bench.now_s - t0, bench.command.speed_kmh))
        bench.run_s(10)
        bench.submit(Op.PAUSE)
        assert bench.run_until(lambda b: b.belt_kmh == 0.0, 10)
        bench.submit(Op.RESUME)
    profile = bench.controller.profile
    for waited_s, speed in starts:
        assert waited_s >= profile.countdown_s - DT_S
        assert speed == profile.start_speed_kmh


# ---- S7 latched until causes clear + reset + start ---------------------------------------------
def test_s7_reset_refused_while_the_key_is_out_and_reset_alone_never_moves():
    bench = running_bench()
    bench.inject("key-out")
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 5)
    bench.submit(Op.RESET)
    bench.tick()
    assert bench.state == S.ESTOP
    assert "key" in bench.events_of("reset_refused")[-1]["reason"]
    bench.inject("key-in")
    bench.submit(Op.RESET)
    bench.run_s(10)
    assert bench.state == S.IDLE and not bench.command.run and bench.belt_kmh == 0.0
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 10)


def test_s7_reset_refused_while_the_belt_still_moves():
    bench = running_bench("forward", 8.0)
    bench.submit(Op.ESTOP)
    bench.tick()
    bench.submit(Op.RESET)
    bench.tick()
    assert bench.state == S.ESTOP
    assert "moving" in bench.events_of("reset_refused")[-1]["reason"]


def test_s7_drive_fault_clears_only_through_reset():
    bench = running_bench()
    bench.inject("drive-fault")
    bench.run_s(6)
    assert bench.state == S.FAULT
    bench.run_s(5)
    assert bench.state == S.FAULT  # nothing clears by itself
    bench.submit(Op.RESET)
    assert bench.run_until(lambda b: b.state == S.IDLE, 2)
    assert not bench.command.run


# ---- S8 fall-stop while moving --------------------------------------------------------------
def test_s8_fall_in_reverse_estops_after_the_sensor_delay():
    bench = running_bench("reverse", 2.0)
    bench.inject("fall")
    t0 = bench.now_s
    assert bench.run_until(lambda b: b.state == S.ESTOP, 1.0)
    delay = load_site_config().fall_sensor_delay_s
    assert delay - DT_S <= bench.now_s - t0 <= delay + 2 * DT_S
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 3)


def test_s8_forward_only_session_is_not_tripped_by_the_unclipped_harness():
    bench = Bench(program(("forward", 3.0, 20)))
    bench.inject("harness-off")
    bench.submit(Op.START)
    bench.run_s(15)
    assert bench.state == S.RUNNING
    assert bench.controller.snapshot().forward_only


def test_s8_a_fall_stop_trip_disarms_reverse_until_the_checklist_is_done_again():
    """S8: after a fall the person comes first: the reason says so, reverse is disarmed, and
    reset + start do not run backward again until reverse is armed again."""
    bench = running_bench("reverse", 2.0)
    bench.inject("fall")
    assert bench.run_until(lambda b: b.state == S.ESTOP, 1.0)
    assert "check the person first" in bench.events_of("estop")[0]["reason"]
    assert bench.events_of("reverse_disarmed")[0]["source"] == "fall_stop"
    assert not bench.controller.reverse_armed
    assert bench.run_until(lambda b: b.true_kmh == 0.0, 5)
    bench.submit(Op.RESET)
    bench.tick()
    assert "check the person" in bench.events_of("reset_refused")[-1]["reason"]
    assert bench.run_until(lambda b: b.controller.snapshot().interlocks["fall_stop"][0], 30)  # back up
    bench.run_s(1.0)
    bench.submit(Op.RESET)
    assert bench.run_until(lambda b: b.state == S.IDLE, 2.0)
    bench.submit(Op.START)
    bench.run_s(6.0)
    assert bench.state == S.IDLE and bench.true_kmh == 0.0
    assert "reverse is not armed" in bench.events_of("refused")[-1]["reason"]
    bench.submit(Op.ARM_REVERSE, True)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING and b.command.direction is REV, 10)


# ---- S9 comms ------------------------------------------------------------------------------
def test_s9_comms_loss_faults_and_the_drive_stops_itself():
    bench = running_bench("forward", 6.0)
    bench.inject("comms-loss")
    t0 = bench.now_s
    assert bench.run_until(lambda b: b.state == S.FAULT, 1.0)
    assert bench.now_s - t0 == pytest.approx(0.25 + DT_S, abs=DT_S + 1e-9)
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 0.5 + 6.0 / 3.6 / 1.0 + 1.0)
    bench.inject("comms-restore")
    bench.run_s(1)
    bench.submit(Op.RESET)
    assert bench.run_until(lambda b: b.state == S.IDLE, 2)


# ---- S10 plausibility -------------------------------------------------------------------------
def test_s10_overspeed_estops():
    bench = running_bench("forward", 3.0)
    bench.inject("overspeed")
    t0 = bench.now_s
    assert bench.run_until(lambda b: b.state == S.ESTOP, 2.0)
    assert bench.events_of("estop")[0]["cause"] == "overspeed"
    assert bench.now_s - t0 < 1.5


def test_s10_stall_faults_after_two_seconds():
    bench = running_bench("forward", 6.0)
    bench.inject("stall")
    t0 = bench.now_s
    assert bench.run_until(lambda b: b.state == S.FAULT, 4.0)
    assert bench.events_of("fault")[0]["cause"] == "underspeed"
    assert 2.0 <= bench.now_s - t0 <= 3.0


def test_s10_direction_mismatch_estops():
    from types import SimpleNamespace

    from controller.interlocks.speed_monitor import SpeedMonitor

    mon = SpeedMonitor(load_site_config().monitor)

    def view(now_s):  # what the controller shows its interlocks on a tick: running forward at 2 km/h
        return SimpleNamespace(interlock_state=S.RUNNING, command_kmh=2.0, direction=FWD, travel_direction=FWD,
                               status=SimpleNamespace(belt_kmh=2.0, direction=REV), now_s=now_s)

    trips = [mon.check(view(i * DT_S)) for i in range(20)]
    first = next(i for i, t in enumerate(trips) if t)
    assert trips[first].cause == "direction_mismatch" and first * DT_S == pytest.approx(0.2)


# ---- S11 escalation ------------------------------------------------------------------------
def test_s11_estop_that_does_not_slow_escalates_to_coast():
    bench = running_bench("forward", 3.0)
    bench.inject("overspeed")
    assert bench.run_until(lambda b: b.command.stop_mode is StopMode.COAST, 3.0)
    assert not bench.command.run
    assert "category 0" in bench.events_of("estop")[-1]["reason"]
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 10)


def test_s11_a_site_estop_the_drive_cannot_reach_is_refused_at_connect(tmp_path):
    """S11: a site asking the athlete profile for 3.0 m/s^2 against a drive that can brake
    2.0 is refused before anything moves, naming the site field and the drive -- not run
    and then escalated to a slower coast."""
    site = tmp_path / "site.toml"
    site.write_text("[profiles.athlete]\nestop_decel_mps2 = 3.0\n")
    trace = tmp_path / "trace.jsonl"
    done = subprocess.run([sys.executable, "-m", "ui.cli", "run", str(ROOT / "config/programs/forward-classic.toml"),
                           "--fast", "--config", str(site), "--trace", str(trace)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert f"{site}: profiles.athlete.estop_decel_mps2 = 3: sim://" in lines[0] and "at most 2" in lines[0]
    assert not trace.exists() or '"state"' not in trace.read_text()


def test_s11_a_lost_bus_is_not_escalated_while_the_drives_own_stop_works():
    """S11: after a comms fault the drive's stop starts when its own watchdog fires (0.5 s), not
    at the trip: judged from then, it is working, and a bus back mid-stop must not swap it for
    a slower coast."""
    p = load_site_config().profiles["athlete"]
    bench = top_reverse_bench("athlete")
    v0 = bench.true_kmh
    bench.inject("comms-loss")
    t0 = bench.now_s
    bench.run_s(1.2)
    bench.inject("comms-restore")
    assert bench.run_until(lambda b: b.true_kmh == 0.0, 20)
    assert bench.state == S.FAULT
    assert not [e for e in bench.events_of("estop") if e["cause"] == "estop_not_slowing"]
    assert bench.now_s - t0 <= 0.5 + v0 / 3.6 / p.estop_decel_mps2 + 0.4


def test_s11_an_estop_that_slows_is_not_escalated():
    bench = running_bench("forward", 10.0)
    bench.submit(Op.ESTOP)
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 5)
    assert all(e["cause"] != "estop_not_slowing" for e in bench.events_of("estop"))


# ---- S14 a direction change always starts at the start speed --------------------------------------
def test_s14_a_manual_direction_change_starts_at_the_start_speed_and_stays_there():
    """S14: jogging forward at 7.3 km/h, the direction key (reverse armed) gives a reversal
    that starts backward at the start speed -- not at the reverse cap -- and holds it."""
    bench = Bench(None)
    bench.submit(Op.START)
    assert bench.run_until(lambda b: b.state == S.RUNNING, 10)
    for _ in range(65):
        bench.submit(Op.ADJUST_SPEED, 0.1)
    assert bench.run_until(lambda b: b.true_kmh > 7.2, 20)
    bench.submit(Op.SET_DIRECTION, REV)
    assert bench.run_until(lambda b: b.command.run and b.command.direction is REV, 30)
    start_kmh = bench.controller.profile.start_speed_kmh
    assert bench.command.speed_kmh == start_kmh
    bench.run_s(10)
    assert bench.state == S.RUNNING and bench.command.speed_kmh == start_kmh
    assert bench.true_kmh == pytest.approx(start_kmh, abs=0.05)


@pytest.mark.parametrize("state_after", [S.COUNTDOWN, S.REVERSING, S.PAUSED])
def test_s14_a_direction_key_that_cannot_act_is_refused_and_changes_nothing(state_after):
    bench = Bench(None)
    bench.submit(Op.START)
    if state_after != S.COUNTDOWN:
        assert bench.run_until(lambda b: b.state == S.RUNNING and b.true_kmh > 0.5, 10)
        bench.submit(Op.SET_DIRECTION, REV) if state_after == S.REVERSING else bench.submit(Op.PAUSE)
    assert bench.run_until(lambda b: b.state == state_after, 5)
    before = bench.controller.manual_direction
    bench.submit(Op.SET_DIRECTION, FWD if before is REV else REV)
    bench.tick()
    refusal = bench.events_of("refused")[-1]
    assert refusal["command"] == "set_direction" and state_after in refusal["reason"]
    assert bench.controller.manual_direction is before


def test_a_refused_start_never_replaces_the_stop_reason():
    bench = running_bench("forward", 3.0)
    bench.inject("key-out")
    assert bench.run_until(lambda b: b.state == S.ESTOP, 1.0)
    bench.submit(Op.START)
    bench.tick()
    assert bench.events_of("refused")
    assert "safety key" in bench.controller.stop_reason


# ---- S15 athlete speeds always need authorisation --------------------------------------------------
@pytest.mark.parametrize("table", [
    "[profiles.athlete]\nrequires_authorization = false\n",
    "[profiles.sprint]\nforward_max_kmh = 18.0\nreverse_max_kmh = 5.0\nstart_speed_kmh = 0.8\n"
    "accel_forward_mps2 = 0.8\naccel_reverse_mps2 = 0.5\ndecel_mps2 = 0.8\nestop_decel_mps2 = 1.5\n"
    "dwell_s = 2.0\ncountdown_s = 3.0\nincline_max_pct = 15.0\nincline_rate_pct_s = 1.0\n",
])
def test_s15_no_site_file_removes_the_athlete_authorisation(tmp_path, table):
    site = tmp_path / "site.toml"
    site.write_text(table)
    done = subprocess.run([sys.executable, "-m", "ui.cli", "run", str(ROOT / "config/programs/forward-classic.toml"),
                           "--fast", "--config", str(site)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "requires_authorization: cannot be false" in lines[0] and "(S15)" in lines[0]


# ---- S12 bad input is refused before anything moves ---------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["--profile", "nosuch"], "unknown profile"),
    (["--inject", "teleport@3"], "teleport"),
    (["--driver", "ftp://x"], "unknown driver scheme"),
    (["--fast", "--driver", "modbus-tcp://127.0.0.1:1?profile=delta-ms300"], "simulator"),
])
def test_s12_bad_flags_refused_with_one_line_and_no_trace(tmp_path, args, needle):
    trace = tmp_path / "trace.jsonl"
    done = subprocess.run([sys.executable, "-m", "ui.cli", "run", str(ROOT / "config/programs/forward-classic.toml"),
                           "--trace", str(trace), *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in done.stderr
    assert not trace.exists() or '"state"' not in trace.read_text()


def test_s12_bad_program_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[steps]]\ndirection = "forward"\nspeed_kmh = 99\nduration_s = 10\n')
    done = subprocess.run([sys.executable, "-m", "ui.cli", "run", str(bad), "--fast"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "steps[0].speed_kmh" in done.stderr
