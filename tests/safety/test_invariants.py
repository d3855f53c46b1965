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
from safety_harness import DT_S, REV, FWD, Bench, program

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
    bench.submit(Op.ESTOP)
    bench.tick()
    before = bench.command.speed_kmh
    bench.tick()
    assert before - bench.command.speed_kmh == pytest.approx(p.estop_decel_mps2 * 3.6 * DT_S)


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
    from controller.interlocks.speed_monitor import SpeedMonitor

    mon = SpeedMonitor(load_site_config().monitor)
    trips = [mon.check(2.0, FWD, 2.0, REV, i * DT_S) for i in range(20)]
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


def test_s11_an_estop_that_slows_is_not_escalated():
    bench = running_bench("forward", 10.0)
    bench.submit(Op.ESTOP)
    assert bench.run_until(lambda b: b.belt_kmh == 0.0, 5)
    assert all(e["cause"] != "estop_not_slowing" for e in bench.events_of("estop"))


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
