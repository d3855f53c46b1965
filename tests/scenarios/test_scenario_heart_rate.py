"""S13 end to end through `retrotread run`: the heart-rate limit, a lost signal, HR-guided steps on
the simulated person (the physiological model), the energy estimate, and refused input."""

import pytest

from scenario_support import REPO_ROOT, fwd

BEGINNER = REPO_ROOT / "config" / "programs" / "beginner-retro-walk.toml"
CARDIO = REPO_ROOT / "config" / "programs" / "backward-cardio-hr.toml"
FITNESS_DECEL_KMH_PER_S = 0.6 * 3.6


def test_a_heart_rate_over_the_profile_limit_stops_the_belt_the_issue_s_reproduction(retro):
    result = retro.run(BEGINNER, "--allow-reverse", inject=["hr:195@60"])
    assert result.returncode == 3, result.describe()
    assert "heart rate 195 bpm" in result.stderr and "185" in result.stderr  # the fitness ceiling
    stop = result.first_event("safety_stop", cause="heart_rate")
    assert 65.0 - 1e-6 <= stop["t"] <= 66.0 + 1e-6  # believed after at most 1 s (a jump), then 5 s
    assert not result.events("estop") and not result.events("fault")
    after = [t for t in result.ticks_between(stop["t"]) if t["command_kmh"] > 0]
    for a, b in zip(after, after[1:]):  # a controlled stop: the normal deceleration
        assert a["command_kmh"] - b["command_kmh"] <= FITNESS_DECEL_KMH_PER_S * 0.02 + 0.0011  # 3 decimals
    assert result.ticks[-1]["state"] == "idle"


def test_max_hr_tightens_and_the_warning_comes_ten_below(retro, program):
    path = program([fwd(3.0, 120)])
    result = retro.run(path, "--max-hr", "140", inject=["hr:125@20", "hr:131@30", "hr:139@40"])
    assert result.returncode == 0, result.describe()  # 139 < 140: a warning, no stop
    warning = result.first_event("hr_warning")
    assert warning["t"] == pytest.approx(30.0, abs=0.05) and warning["limit_bpm"] == 140
    assert len(result.events("hr_warning")) == 1


def test_a_lost_signal_is_announced_and_stops_the_belt_a_minute_later(retro, program):
    path = program([fwd(3.0, 300)])
    result = retro.run(path, inject=["hr-loss@30"])
    assert result.returncode == 3, result.describe()
    lost = result.first_event("hr_lost")
    assert 35.0 - 0.05 <= lost["t"] <= 35.1
    stop = result.first_event("safety_stop")
    assert stop["t"] == pytest.approx(lost["t"] + 60.0, abs=0.05)
    assert "heart rate signal lost" in stop["reason"]
    assert all(t["heart_rate_bpm"] is None for t in result.ticks_between(30.05, stop["t"]))  # never a last value


def test_hr_restore_brings_the_readings_back_and_the_run_completes(retro, program):
    path = program([fwd(3.0, 120)])
    result = retro.run(path, inject=["hr-loss@20", "hr-restore@40"])
    assert result.returncode == 0, result.describe()
    assert result.first_event("hr_restored")["t"] == pytest.approx(40.0, abs=0.05)
    assert result.tick_at(60.0)["heart_rate_bpm"] is not None


@pytest.mark.parametrize("fitness,target_bpm", [("low", 110), ("average", 120), ("high", 100)])
def test_an_hr_guided_step_settles_within_5_bpm_in_3_minutes_and_keeps_its_range(retro, program, fitness,
                                                                                   target_bpm):
    path = program([{"direction": "reverse", "target_hr_bpm": target_bpm, "min_speed_kmh": 1.0,
                     "max_speed_kmh": 5.5, "duration_s": 600}])
    result = retro.run(path, "--allow-reverse", "--driver", f"sim://?fitness={fitness}")
    assert result.returncode == 0, result.describe()
    start = result.first_event("step")["t"]
    running = [t for t in result.ticks_between(start) if t["state"] == "running"]
    assert all(t["direction"] == "reverse" for t in running)  # never the other way
    assert all(1.0 - 1e-6 <= t["target_kmh"] <= 5.5 + 1e-6 for t in running)  # never out of its range
    settled = [t for t in running if t["t"] >= start + 180.0]
    assert settled and all(abs(t["heart_rate_bpm"] - target_bpm) <= 5 for t in settled), \
        max(abs(t["heart_rate_bpm"] - target_bpm) for t in settled)
    assert result.events("hr_adjust") and all(e["cue"] for e in result.events("hr_adjust"))


def test_backward_costs_more_than_forward_in_the_summary_and_the_trace(retro, program):
    forward = retro.run(program([fwd(4.0, 600)]), "--mass-kg", "80")
    backward = retro.run(program([{"direction": "reverse", "speed_kmh": 4.0, "duration_s": 600}]),
                         "--mass-kg", "80", "--allow-reverse")
    for result in (forward, backward):
        assert result.returncode == 0, result.describe()
        assert "estimate" in result.stdout and "kcal" in result.stdout
    kcal = [r.first_event("session_end")["summary"]["energy"]["kcal"] for r in (forward, backward)]
    assert kcal[1] > 1.3 * kcal[0]
    assert forward.first_event("session_end")["summary"]["energy"]["mass_kg"] == 80


@pytest.mark.parametrize("args,needle", [
    (["--hr", "bluetooth://AA:BB:CC:DD:EE:FF"], "--hr"),
    (["--hr", "ble://not-an-address"], "--hr"),
    (["--max-hr", "59"], "--max-hr"),
    (["--max-hr", "231"], "--max-hr"),
    (["--max-hr", "nan"], "--max-hr"),
    (["--mass-kg", "19"], "--mass-kg"),
    (["--mass-kg", "301"], "--mass-kg"),
    (["--hr", "none", "--max-hr", "150"], "needs a heart-rate source"),
    (["--hr", "sim", "--driver", "modbus-tcp://127.0.0.1:9?profile=delta-ms300"], "--hr sim"),
])
def test_bad_heart_rate_input_is_one_line_exit_2_and_nothing_moved(retro, program, args, needle):
    result = retro.run(program([fwd(3.0, 30)]), *args)
    assert result.returncode == 2, result.describe()
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not result.ticks


def test_an_hr_guided_program_without_a_source_is_refused_naming_the_step(retro):
    result = retro.run(CARDIO, "--allow-reverse", "--hr", "none")
    assert result.returncode == 2 and "steps[1].target_hr_bpm" in result.stderr, result.describe()
    assert not result.ticks
