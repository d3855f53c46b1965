"""Each `--inject` event of DESIGN.md, and its effect as seen in the trace.

Times: the run starts with a 3 s countdown, so `running` begins at t = 3.0. Unless said
otherwise the program is A (3 km/h, 10 s) then B (4 km/h, 10 s): B begins at t = 13.
"""

from __future__ import annotations

import pytest

from scenario_support import EPS, STANDSTILL_KMH, TICK_S, fwd, rev

LONG = [fwd(3.0, 10, "A"), fwd(4.0, 10, "B")]
FIVE = [fwd(5.0, 20, "Walk")]  # fast enough for the underspeed monitor (command - 3.2 km/h > 0)
FWD_REV = [fwd(2.0, 4, "Fwd"), rev(1.5, 4, "Back")]
FALL_SENSOR_DELAY_S = 0.15
COMMS_TIMEOUT_S = 0.25
UNDERSPEED_TIME_S = 2.0
MOVING = ("countdown", "running", "reversing")
FITNESS_START_KMH = 0.8


def _inject_time(result, name: str) -> float:
    return result.first_event("inject", name=name)["t"]


def _stops_and_stays_stopped(result, t0: float, latched: str | None = None) -> None:
    """From t0 on: never commanded faster, ends at standstill, never in a moving state again."""
    after = result.ticks_between(t0)
    assert after, "no ticks after the stop"
    for a, b in zip(after, after[1:]):
        assert b["command_kmh"] <= a["command_kmh"] + EPS, f"command rose after the stop: {a} -> {b}"
    assert all(t["state"] not in MOVING for t in after), "moved again after the stop"
    assert after[-1]["belt_kmh"] <= STANDSTILL_KMH
    assert after[-1]["command_kmh"] == 0.0
    if latched:
        assert all(t["state"] == latched for t in after), {t["state"] for t in after}


# --- safety key ----------------------------------------------------------------------------

def test_key_out_while_running_estops_on_the_next_tick(retro, program):
    result = retro.run(program(LONG), inject=["key-out@8"])
    assert result.returncode == 3, result.describe()
    assert "key" in result.stderr.lower(), result.stderr  # the reason, on stderr
    estop = result.first_event("estop")
    assert "key" in estop["reason"].lower()
    assert 8.0 - EPS <= estop["t"] <= 8.0 + TICK_S + EPS, estop
    assert result.tick_at(estop["t"])["state"] == "estop"
    assert all(not t["interlocks"]["safety_key"] for t in result.ticks_between(estop["t"]))
    assert all(t["interlocks"]["safety_key"] for t in result.ticks_between(0, 7.9))
    _stops_and_stays_stopped(result, estop["t"], latched="estop")


def test_key_out_key_in_reset_start_completes(retro, program):
    result = retro.run(program(LONG), inject=["key-out@8", "key-in@10", "reset@11", "start@12"])
    assert result.returncode == 0, result.describe()
    assert result.first_event("estop")["t"] == pytest.approx(8.0, abs=TICK_S)
    assert all(t["interlocks"]["safety_key"] for t in result.ticks_between(10.0 + TICK_S))
    assert result.tick_at(10.98)["state"] == "estop"  # key-in alone does not clear the latch (S7)
    assert result.tick_at(11.0)["state"] == "idle"
    assert result.tick_at(11.98)["command_kmh"] == 0.0  # reset alone never moves the belt
    assert result.tick_at(12.0)["state"] == "countdown"
    assert len(result.events("program_complete")) == 1


def test_reset_while_the_key_is_out_is_refused_naming_the_key(retro, program):
    result = retro.run(program(LONG), inject=["key-out@8", "reset@10"])
    assert result.returncode == 3, result.describe()
    refused = result.first_event("reset_refused")
    assert refused["t"] == pytest.approx(10.0, abs=TICK_S)
    assert "key" in refused["reason"].lower(), refused
    assert all(t["state"] == "estop" for t in result.ticks_between(8.0 + TICK_S))


def test_key_out_during_countdown_estops_and_nothing_moves(retro, program):
    result = retro.run(program(LONG), inject=["key-out@1"])
    assert result.returncode == 3, result.describe()
    assert result.first_event("estop")["t"] == pytest.approx(1.0, abs=TICK_S)
    assert all(t["command_kmh"] == 0.0 for t in result.ticks)


# --- fall-stop harness ------------------------------------------------------------------

def test_fall_estops_after_the_sensor_delay_and_not_before(retro, program):
    result = retro.run(program(LONG), inject=["fall@8"])
    assert result.returncode == 3, result.describe()
    fell = _inject_time(result, "fall")
    estop = result.first_event("estop")
    assert "fall" in estop["reason"].lower() or "harness" in estop["reason"].lower(), estop
    delay = estop["t"] - fell
    assert delay >= FALL_SENSOR_DELAY_S - EPS, (
        f"e-stop {delay:.3f} s after the fall: before the {FALL_SENSOR_DELAY_S} s sensor delay had passed")
    assert delay <= FALL_SENSOR_DELAY_S + TICK_S + EPS, f"e-stop {delay:.3f} s after the fall: too late"
    assert result.tick_at(estop["t"])["interlocks"]["fall_stop"] is False
    assert all(t["interlocks"]["fall_stop"] for t in result.ticks_between(0, fell))
    _stops_and_stays_stopped(result, estop["t"], latched="estop")


def test_fall_reset_start_completes(retro, program):
    result = retro.run(program(LONG), inject=["fall@8", "reset@14", "start@15"])
    assert result.returncode == 0, result.describe()
    assert result.events("estop") and len(result.events("program_complete")) == 1


def test_harness_off_while_running_clipped_estops_on_the_next_tick(retro, program):
    result = retro.run(program(LONG), inject=["harness-off@8"])
    assert result.returncode == 3, result.describe()
    estop = result.first_event("estop")
    assert estop["t"] == pytest.approx(8.0, abs=TICK_S + EPS)
    assert result.tick_at(estop["t"])["interlocks"]["fall_stop"] is False


def test_forward_run_started_unclipped_is_not_tripped_by_the_harness(retro, program):
    """S8: a forward run that starts with the harness unclipped is allowed ("forward only")."""
    result = retro.run(program(LONG), inject=["harness-off@0"])
    assert result.returncode == 0, result.describe()
    assert not result.events("estop")
    assert all(t["interlocks"]["fall_stop"] is False for t in result.ticks)


def test_harness_on_closes_the_switch_and_arms_it(retro, program):
    """Started unclipped (forward only); clipped at 5 s; unclipped again at 9 s: now it trips."""
    result = retro.run(program(LONG), inject=["harness-off@0", "harness-on@5", "harness-off@9"])
    assert result.returncode == 3, result.describe()
    assert all(t["interlocks"]["fall_stop"] is False for t in result.ticks_between(0, 4.98))
    assert all(t["interlocks"]["fall_stop"] is True for t in result.ticks_between(5.0 + TICK_S, 8.98))
    estop = result.first_event("estop")
    assert estop["t"] == pytest.approx(9.0, abs=TICK_S + EPS)


def test_reverse_program_unclipped_is_refused_then_harness_on_and_start_completes(retro, program):
    path = program([rev(1.5, 5, "Back")])
    refused = retro.run(path, "--allow-reverse", inject=["harness-off@0"])
    assert refused.returncode == 3, refused.describe()
    assert "harness" in refused.first_event("refused")["reason"].lower()
    assert all(t["command_kmh"] == 0.0 for t in refused.ticks)

    result = retro.run(path, "--allow-reverse", inject=["harness-off@0", "harness-on@1", "start@2"])
    assert result.returncode == 0, result.describe()
    assert result.tick_at(2.0)["state"] == "countdown"
    assert any(t["direction"] == "reverse" and t["belt_kmh"] > 1.0 for t in result.ticks)


def test_unclipped_harness_never_lets_the_belt_run_in_reverse(retro, program):
    result = retro.run(program(FWD_REV), "--allow-reverse", inject=["harness-off@0"])
    assert result.returncode == 3, result.describe()
    assert not any(t["direction"] == "reverse" for t in result.ticks)
    assert not result.events("program_complete")


def test_harness_off_in_reverse_estops(retro, program):
    result = retro.run(program(FWD_REV), "--allow-reverse", inject=["harness-off@15"])
    assert result.returncode == 3, result.describe()
    assert result.tick_at(14.98)["direction"] == "reverse"
    estop = result.first_event("estop")
    assert estop["t"] == pytest.approx(15.0, abs=TICK_S + EPS)
    _stops_and_stays_stopped(result, estop["t"], latched="estop")


# --- comms ----------------------------------------------------------------------------------

def test_comms_loss_faults_after_the_comms_timeout(retro, program):
    result = retro.run(program(LONG), inject=["comms-loss@8"])
    assert result.returncode == 3, result.describe()
    lost = _inject_time(result, "comms-loss")
    fault = result.first_event("fault")
    assert "silent" in fault["reason"].lower() or "comm" in fault["reason"].lower(), fault
    after = fault["t"] - lost
    # the last good exchange was the tick before the loss; the watchdog trips once silence > 0.25 s
    assert COMMS_TIMEOUT_S - TICK_S - EPS <= after <= COMMS_TIMEOUT_S + TICK_S + EPS, after
    assert all(e["t"] >= lost for e in result.events("fault"))
    assert result.tick_at(fault["t"])["interlocks"]["drive_comms"] is False
    assert all(t["interlocks"]["drive_comms"] for t in result.ticks_between(0, lost - TICK_S))
    assert all(t["state"] == "fault" for t in result.ticks_between(fault["t"]))


def test_reset_without_comms_is_refused(retro, program):
    result = retro.run(program(LONG), inject=["comms-loss@8", "reset@12"])
    assert result.returncode == 3, result.describe()
    refused = result.first_event("reset_refused")
    assert refused["t"] == pytest.approx(12.0, abs=TICK_S)
    assert all(t["state"] == "fault" for t in result.ticks_between(8.3))


def test_comms_restore_reset_start_completes(retro, program):
    result = retro.run(program(LONG), inject=["comms-loss@8", "comms-restore@9", "reset@12", "start@13"])
    assert result.returncode == 0, result.describe()
    assert result.first_event("fault")["t"] == pytest.approx(8.25, abs=0.03)
    assert all(t["interlocks"]["drive_comms"] for t in result.ticks_between(9.0 + TICK_S))
    assert len(result.events("program_complete")) == 1


# --- drive ----------------------------------------------------------------------------------

def test_drive_fault_faults_at_once_and_the_belt_stops(retro, program):
    result = retro.run(program(LONG), inject=["drive-fault@8"])
    assert result.returncode == 3, result.describe()
    fault = result.first_event("fault")
    assert fault["t"] == pytest.approx(8.0, abs=TICK_S + EPS)
    assert fault["reason"]
    assert result.tick_at(fault["t"])["interlocks"].get("drive_ok", False) is False
    _stops_and_stays_stopped(result, fault["t"], latched="fault")


def test_drive_fault_reset_start_completes(retro, program):
    result = retro.run(program(LONG), inject=["drive-fault@8", "reset@12", "start@13"])
    assert result.returncode == 0, result.describe()
    assert len(result.events("program_complete")) == 1


def test_overspeed_estops_then_escalates_to_category_0(retro, program):
    result = retro.run(program(FIVE), inject=["overspeed@10"])
    assert result.returncode == 3, result.describe()
    estops = result.events("estop")
    assert len(estops) >= 2, result.event_log()
    first, escalation = estops[0], estops[1]
    assert "overspeed" in first["reason"].lower(), first
    # S10: > command + 3.2 km/h for 0.2 s (the runaway adds 3.5 km/h within a few tenths)
    assert 10.2 - EPS <= first["t"] <= 11.0 + EPS, first
    # S11: an e-stop that does not slow the belt escalates; checked from 1 s after the e-stop
    assert escalation["t"] >= first["t"] + 1.0 - EPS, escalation
    assert escalation.get("cause") == "estop_not_slowing" or "category 0" in escalation["reason"], escalation
    # after escalation the belt coasts to a standstill
    ticks = result.ticks_between(escalation["t"])
    assert ticks[-1]["belt_kmh"] <= STANDSTILL_KMH
    assert all(t["command_kmh"] == 0.0 for t in ticks[1:])


def test_stall_faults_for_underspeed_about_2_s_later(retro, program):
    result = retro.run(program(FIVE), inject=["stall@10"])
    assert result.returncode == 3, result.describe()
    fault = result.first_event("fault")
    assert "underspeed" in fault["reason"].lower() or "stall" in fault["reason"].lower(), fault
    assert UNDERSPEED_TIME_S - EPS <= fault["t"] - 10.0 <= UNDERSPEED_TIME_S + 0.3, fault
    assert result.tick_at(10.5)["belt_kmh"] < 1.0  # the belt is jammed
    _stops_and_stays_stopped(result, fault["t"], latched="fault")


def test_heart_rate_injection_shows_up_in_the_trace(retro, program):
    """hr:150 sets the heart-rate reading; the trace should carry the reading, not just echo
    the injection."""
    result = retro.run(program(LONG), inject=["hr:150@5"])
    assert result.returncode == 0, result.describe()

    def carries_150(obj) -> bool:
        if isinstance(obj, dict):
            for key, value in obj.items():
                k = key.lower()
                if ("heart" in k or k == "hr" or k.startswith("hr_")) and value == 150:
                    return True
                if carries_150(value):
                    return True
        return False

    after = [line for line in result.lines if line["t"] >= 5.0 - EPS and line.get("event") != "inject"]
    assert any(carries_150(line) for line in after), (
        "no tick or event after hr:150@5 carries a heart rate of 150 (only the inject echo names it)")


# --- operator buttons ----------------------------------------------------------------------

def test_op_stop_ramps_to_a_standstill_and_ends_with_exit_3(retro, program):
    result = retro.run(program(LONG), inject=["op-stop@8"])
    assert result.returncode == 3, result.describe()
    stop = result.first_event("operator_stop")
    assert stop["t"] == pytest.approx(8.0, abs=TICK_S)
    assert result.tick_at(8.0)["state"] == "stopping"
    assert result.states_visited()[-2:] == ["stopping", "idle"]
    _stops_and_stays_stopped(result, 8.0)


def test_op_stop_then_start_resumes_at_the_step_where_it_stopped(retro, program):
    result = retro.run(program(LONG), inject=["op-stop@16", "start@20"])
    assert result.returncode == 0, result.describe()
    restart = [e for e in result.events("step") if e["t"] >= 20.0 - EPS]
    assert restart and restart[0]["index"] == 1, result.event_log()
    assert result.tick_at(20.0)["state"] == "countdown"


def test_op_estop_latches_and_ends_with_exit_3(retro, program):
    result = retro.run(program(LONG), inject=["op-estop@8"])
    assert result.returncode == 3, result.describe()
    estop = result.first_event("estop")
    assert estop["t"] == pytest.approx(8.0, abs=TICK_S)
    _stops_and_stays_stopped(result, 8.0, latched="estop")


def test_op_estop_reset_start_resumes_at_the_step_and_completes(retro, program):
    """Stopped in step B (index 1): reset, then start resumes at B with a countdown and the start
    speed (S6, S7), and the program completes with exit 0."""
    result = retro.run(program(LONG), inject=["op-estop@16", "reset@19", "start@20"])
    assert result.returncode == 0, result.describe()
    assert result.tick_at(19.0)["state"] == "idle"
    assert result.tick_at(19.98)["command_kmh"] == 0.0
    restart_steps = [e for e in result.events("step") if e["t"] >= 20.0 - EPS]
    assert [e["index"] for e in restart_steps] == [1], result.event_log()
    assert all(t["step"] == 1 for t in result.ticks_between(20.0, 22.9))
    countdown = result.ticks_between(20.0, 22.98)
    assert all(t["state"] == "countdown" and t["command_kmh"] == 0.0 for t in countdown)
    first_running = next(t for t in result.ticks_between(20.0) if t["state"] == "running")
    assert first_running["command_kmh"] == pytest.approx(FITNESS_START_KMH, abs=1e-3), first_running  # S6
    assert len(result.events("program_complete")) == 1


def test_reset_alone_never_moves_the_belt(retro, program):
    result = retro.run(program(LONG), inject=["op-estop@8", "reset@10"])
    assert result.returncode == 3, result.describe()
    assert all(t["command_kmh"] == 0.0 for t in result.ticks_between(10.0))
    assert result.ticks[-1]["state"] == "idle"


def test_pause_ramps_to_zero_and_without_resume_ends_with_exit_3(retro, program):
    result = retro.run(program(LONG), inject=["pause@8"])
    assert result.returncode == 3, result.describe()
    paused = result.ticks_between(8.0)
    assert paused and all(t["state"] == "paused" for t in paused)
    assert paused[-1]["belt_kmh"] <= STANDSTILL_KMH and paused[-1]["command_kmh"] == 0.0
    for a, b in zip(paused, paused[1:]):
        assert b["command_kmh"] <= a["command_kmh"] + EPS
    assert not result.events("program_complete")


def test_pause_resume_holds_the_program_clock_and_completes(retro, program):
    result = retro.run(program(LONG), inject=["pause@8", "resume@12"])
    assert result.returncode == 0, result.describe()
    assert result.tick_at(8.0)["state"] == "paused"
    assert result.tick_at(12.0)["state"] == "countdown"
    assert result.tick_at(15.0)["state"] == "running"
    # A ran 5 s before the pause; it has 5 s left after running resumes at 15
    step_b = result.first_event("step", index=1)
    assert step_b["t"] == pytest.approx(20.0, abs=3 * TICK_S), step_b
    first_running = result.tick_at(15.0)
    assert first_running["command_kmh"] == pytest.approx(FITNESS_START_KMH, abs=1e-3)  # from the start speed
    assert len(result.events("program_complete")) == 1


def test_resume_without_pause_and_start_while_running_are_refused(retro, program):
    result = retro.run(program(LONG), inject=["resume@5", "start@6"])
    assert result.returncode == 0, result.describe()
    refused = result.events("refused")
    assert [e["t"] for e in refused] == pytest.approx([5.0, 6.0], abs=TICK_S)
    assert all(t["state"] == "running" for t in result.ticks_between(5.0, 12.9))
