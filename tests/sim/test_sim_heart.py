"""The simulated person's heart (sim/physiology.py) and its strap reading in the world's status:
the lag, the cost of walking backward, fitness, recovery, hr-loss/hr-restore, determinism.
Simulated time throughout."""

from __future__ import annotations

import pytest

from controller.energy import vo2_ml_kg_min
from drivers.base import Direction, DriveCommand, DriveUrlError
from drivers.profiles import load_profile
from drivers.site import DriveSite
from sim.control import EVENT_CODES, ControlClient
from sim.drive import from_url
from sim.physiology import FITNESS, TAU_S, Heart, fitness_named
from sim.server_modbus import SimServer, make_world
from sim.world import SimWorld

FWD, REV, NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE
STOP = DriveCommand(False, NONE, 0.0)
TICK_S = 0.1  # commands every 0.1 s keep the drive's 0.5 s watchdog fed; the world substeps


def run(world: SimWorld, cmd: DriveCommand, seconds: float) -> list[float | None]:
    """Command `cmd` for `seconds`; the heart-rate reading of every tick."""
    readings = []
    for _ in range(round(seconds / TICK_S)):
        t_s = world.t_s + TICK_S
        world.apply_command(cmd, t_s)
        readings.append(world.status().heart_rate_bpm)
    return readings


def settled_bpm(fitness: str, direction: Direction, speed_kmh: float, seed: int = 0) -> float:
    """The mean reading over the last 30 s of 6 minutes at this speed (12 time constants)."""
    world = SimWorld(seed=seed, fitness=fitness)
    readings = run(world, DriveCommand(True, direction, speed_kmh), 360.0)
    tail = readings[-300:]
    return sum(tail) / len(tail)


def test_the_heart_covers_63_percent_of_a_step_in_about_30_s():
    heart = Heart("average")
    start_bpm = heart.hr_bpm
    target_bpm = FITNESS["average"].steady_bpm(vo2_ml_kg_min(5.0, 0.0, REV))
    t_s = 0.0
    while heart.hr_bpm < start_bpm + 0.632 * (target_bpm - start_bpm):
        t_s += 0.02
        heart.advance(0.02, t_s, 5.0, 0.0, REV)
    assert t_s == pytest.approx(TAU_S, abs=0.5)
    assert TAU_S == 30.0


def test_the_reading_through_the_world_lags_the_belt_by_about_30_s():
    world = SimWorld()
    rest_bpm = world.status().heart_rate_bpm
    readings = run(world, DriveCommand(True, REV, 5.0), 300.0)
    final_bpm = sum(readings[-100:]) / 100
    crossed_s = next(i * TICK_S for i, bpm in enumerate(readings)
                     if bpm >= rest_bpm + 0.632 * (final_bpm - rest_bpm))
    # The belt needs about a second to reach 5 km/h, and the reading is whole bpm with noise.
    assert 27.0 <= crossed_s <= 34.0
    assert readings[0] < rest_bpm + 3  # no jump at the step: the heart lags


def test_walking_backward_at_5_kmh_settles_higher_than_forward():
    backward_bpm = settled_bpm("average", REV, 5.0)
    forward_bpm = settled_bpm("average", FWD, 5.0)
    assert backward_bpm > forward_bpm + 15
    # %HRR = %VO2R with the energy model's costs, to within the reading's noise.
    for bpm, direction in ((backward_bpm, REV), (forward_bpm, FWD)):
        assert bpm == pytest.approx(FITNESS["average"].steady_bpm(vo2_ml_kg_min(5.0, 0.0, direction)),
                                    abs=1.5)


def test_a_fitter_person_settles_lower_at_the_same_speed():
    low, average, high = (settled_bpm(name, REV, 4.0) for name in ("low", "average", "high"))
    assert low > average + 10 and average > high + 10


def test_incline_raises_the_settled_rate():
    world = SimWorld()
    level = run(world, DriveCommand(True, REV, 3.0), 300.0)[-1]
    uphill = run(world, DriveCommand(True, REV, 3.0, incline_pct=10.0), 300.0)[-1]
    assert uphill > level + 10


def test_the_rate_returns_toward_rest_when_the_belt_stops():
    world = SimWorld()
    rest_bpm = FITNESS["average"].rest_bpm
    working_bpm = run(world, DriveCommand(True, REV, 5.0), 300.0)[-1]
    recovery = run(world, STOP, 300.0)
    every_30_s = [recovery[i] for i in range(0, 1201, 300)]  # the first 2 minutes (4 tau)
    assert every_30_s[0] > working_bpm - 5
    assert all(later < earlier for earlier, later in zip(every_30_s, every_30_s[1:]))
    assert recovery[-1] == pytest.approx(rest_bpm, abs=3)


def test_a_fallen_person_is_not_walking_so_the_heart_relaxes():
    world = SimWorld()
    working_bpm = run(world, DriveCommand(True, REV, 5.0), 200.0)[-1]
    world.inject("fall")
    # The harness holds them while the belt keeps running (no controller here to stop it).
    readings = run(world, DriveCommand(True, REV, 5.0), 120.0)
    assert readings[-1] < working_bpm - 20


def test_readings_are_whole_bpm_once_a_second():
    world = SimWorld()
    readings = run(world, DriveCommand(True, REV, 5.0), 60.0)
    assert all(bpm == round(bpm) for bpm in readings)
    changes = sum(1 for a, b in zip(readings, readings[1:]) if a != b)
    assert 30 <= changes <= 60  # at most one new reading a second


def test_hr_loss_reads_none_every_tick_until_hr_restore():
    world = SimWorld()
    run(world, DriveCommand(True, REV, 4.0), 60.0)
    world.inject("hr-loss")
    lost = run(world, DriveCommand(True, REV, 4.0), 30.0)
    assert lost == [None] * len(lost)
    world.inject("hr-restore")
    back = run(world, DriveCommand(True, REV, 4.0), 5.0)
    # The model kept running while the strap was silent: the rate went on rising.
    assert all(bpm is not None and bpm > FITNESS["average"].rest_bpm + 20 for bpm in back)


def test_an_injected_rate_overrides_the_model_and_survives_a_loss():
    world = SimWorld()
    world.inject("hr:150")
    assert set(run(world, DriveCommand(True, REV, 4.0), 10.0)) == {150.0}
    world.inject("hr-loss")
    world.inject("hr:120")  # the person's value changes while the strap is silent...
    assert set(run(world, DriveCommand(True, REV, 4.0), 2.0)) == {None}
    world.inject("hr-restore")  # ...and is what it reports when it comes back
    assert set(run(world, DriveCommand(True, REV, 4.0), 2.0)) == {120.0}


def test_the_same_seed_gives_the_same_readings_and_another_seed_others():
    def readings(seed: int) -> list[float | None]:
        return run(SimWorld(seed=seed), DriveCommand(True, REV, 4.0), 120.0)

    assert readings(3) == readings(3)
    assert readings(3) != readings(4)


def test_the_heart_leaves_the_belt_speed_noise_as_it_was():
    # Its own random stream: the speeds a seed gives do not depend on the heart being there.
    def speeds(fitness: str) -> list[float]:
        world = SimWorld(seed=5, fitness=fitness)
        out = []
        for _ in range(300):
            world.apply_command(DriveCommand(True, REV, 4.0), world.t_s + 0.02)
            out.append(world.status().belt_kmh)
        return out

    assert speeds("low") == speeds("high")


def test_fitness_presets_and_the_sim_url_option():
    assert [(f.vo2max_ml_kg_min, f.rest_bpm, f.max_bpm) for f in FITNESS.values()] == [
        (25.0, 75.0, 180.0), (38.0, 68.0, 185.0), (52.0, 55.0, 190.0)]
    assert from_url("sim://").world.sensors.heart.fitness.name == "average"
    assert from_url("sim://?fitness=high&seed=2").world.sensors.heart.fitness.name == "high"
    assert from_url("sim://?fitness=low").world.status().heart_rate_bpm == 75.0
    with pytest.raises(ValueError, match="fitness 'elite' must be one of low, average, high"):
        fitness_named("elite")


def test_the_sim_url_refuses_an_unknown_fitness_with_one_line():
    url = "sim://?fitness=elite"
    with pytest.raises(DriveUrlError) as info:
        from_url(url)
    message = str(info.value)
    assert url in message and "fitness 'elite' must be one of low, average, high" in message
    assert "\n" not in message


def test_steady_state_is_capped_at_the_maximum():
    low = FITNESS["low"]
    assert low.steady_bpm(vo2_ml_kg_min(16.0, 15.0, REV)) == low.max_bpm
    assert low.steady_bpm(3.5) == low.rest_bpm


async def test_the_served_control_unit_loses_and_restores_the_strap():
    site = DriveSite()
    server = SimServer(make_world(drive_site=site, fitness="low"), load_profile("delta-ms300"), site)
    await server.start_tcp("127.0.0.1", 0)
    try:
        async with ControlClient(*server.address) as control:
            assert EVENT_CODES["hr-loss"] == 11 and EVENT_CODES["hr-restore"] == 12
            assert server.world.status().heart_rate_bpm == 75.0
            await control.inject("hr-loss")
            assert server.world.status().heart_rate_bpm is None
            await control.inject("hr", 130)  # the HEART_RATE_BPM register: set, still silent
            assert server.world.status().heart_rate_bpm is None
            await control.inject("hr-restore")
            assert server.world.status().heart_rate_bpm == 130.0
    finally:
        await server.close()
