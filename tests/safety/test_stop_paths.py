"""S5 over a real bus: an e-stop finishes on the drive itself, whatever happens after the trip.

`retrotread run` in its own process drives the simulator served as a Modbus TCP drive at each
profile's top reverse speed and e-stops there; 0.1 s after the trip the bus goes
silent, or the controller process is killed. Judged on the simulated belt's true speed
(sim/stop_trial.py): each reaches standstill within 10 % of the undisturbed stop's time. The
same in process, for every profile, is in test_invariants.py.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from controller.limits import load_site_config
from sim.stop_trial import stop_trial

pytestmark = pytest.mark.timeout(240)
SITE = load_site_config()


@pytest.mark.parametrize("profile", list(SITE.profiles))
def test_an_estop_over_modbus_finishes_without_the_bus_or_the_controller(profile):
    speeds = SITE.profiles[profile]
    # the three trials at once, each its own served drive and controller process: they spend
    # their time waiting on real time (the ramp up, the stop), and each is judged on its own
    # simulated belt, so running them side by side takes a third of the time and judges the same
    cases = ("intact", "bus-lost", "killed")
    with ThreadPoolExecutor(len(cases)) as pool:
        results = dict(zip(cases, pool.map(lambda case: stop_trial(profile, "reverse", case), cases)))
    intact = results["intact"]
    assert intact.from_kmh == pytest.approx(speeds.reverse_max_kmh, abs=0.1)
    ideal_s = intact.from_kmh / 3.6 / speeds.estop_decel_mps2
    assert ideal_s <= intact.time_s <= ideal_s + 0.4  # + the belt's 0.1 s lag settling to the encoder's zero
    for case in ("bus-lost", "killed"):
        assert results[case].time_s <= intact.time_s * 1.1, results
        assert results[case].distance_m <= intact.distance_m * 1.1, results
