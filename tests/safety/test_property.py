"""Property-based safety test: random programs, operator actions and faults, every invariant on
every tick.

Hypothesis drives the real controller and simulator (through `Bench`) with a random profile,
a random program (or manual mode), random arming, and then any interleaving of operator
commands (direction keys in manual mode included), injected faults -- also while a stop is
under way -- and runs of ticks, with the drive's own quick stop set at connect or (for a drive
whose stop cannot be set) the controller ramping e-stops; `InvariantChecker` asserts S1-S11,
S14 and the S8 disarming after every tick. Every example ends with the controller killed wherever
it was: the drive, closed as a crashed loop closes it, must bring the belt to rest by itself. The number of examples comes from the hypothesis profile (tests/conftest.py):
`ci` (default, 500) or `long` (`--hypothesis-profile=long`).
"""

import pytest
from hypothesis import event, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from controller import states as S
from controller.commands import Op
from controller.limits import load_site_config
from controller.program import parse_program
from drivers.base import Direction
from safety_harness import DT_S, Bench, run_now
from sim.belt import COAST_DECEL_MPS2, FACTORY_STOP_DECEL_MPS2

SITE = load_site_config()
pytestmark = pytest.mark.timeout(3600)  # the long profile runs for many minutes; 120 s is for the rest
WORLD_EVENTS = ["fall", "key-out", "key-in", "harness-off", "harness-on", "comms-loss", "comms-restore",
                "drive-fault", "overspeed", "stall"]
SIMPLE_OPS = [Op.START, Op.STOP, Op.ESTOP, Op.PAUSE, Op.RESUME, Op.RESET]
STOPPING_STATES = (S.STOPPING, S.REVERSING, S.PAUSED, *S.LATCHED)


@st.composite
def programs(draw, profile_name: str, first_direction: str | None = None):
    """A valid program for the profile: speeds between the start speed and the cap."""
    profile = SITE.profiles[profile_name]
    steps = []
    for i in range(draw(st.integers(1, 4))):
        direction = first_direction if i == 0 and first_direction else draw(st.sampled_from(["forward", "reverse"]))
        cap = profile.reverse_max_kmh if direction == "reverse" else profile.forward_max_kmh
        speed = draw(st.floats(profile.start_speed_kmh, cap))
        step = {"direction": direction, "speed_kmh": speed, "duration_s": draw(st.floats(2.0, 30.0))}
        if draw(st.booleans()):
            step["to_speed_kmh"] = draw(st.floats(profile.start_speed_kmh, cap))
        if draw(st.booleans()):
            step["incline_pct"] = draw(st.floats(0.0, profile.incline_max_pct))
        if draw(st.integers(0, 3)) == 0:  # an HR-guided step (S13) in place of the plain one
            low = draw(st.floats(profile.start_speed_kmh, cap - 0.2))
            step = {"direction": direction, "target_hr_bpm": draw(st.integers(90, 140)), "min_speed_kmh": low,
                    "max_speed_kmh": draw(st.floats(low + 0.1, cap)), "hr_adjust_s": draw(st.floats(7.0, 15.0)),
                    "duration_s": draw(st.floats(10.0, 60.0))}
        steps.append(step)
    return parse_program({"name": "random", "steps": steps}, "<hypothesis>")


class SafetyMachine(RuleBasedStateMachine):
    @initialize(data=st.data(), profile=st.sampled_from(["rehab", "fitness", "athlete"]),
                allow_reverse=st.booleans(), fitted=st.booleans(), manual=st.booleans(),
                seed=st.integers(0, 2**16), reverse_ready=st.booleans(),
                drive_stops_itself=st.sampled_from([True, True, True, False]),
                hr_input=st.sampled_from(["status", "fed"]),
                max_hr_bpm=st.one_of(st.none(), st.integers(100, 200).map(float)))
    def setup(self, data, profile, allow_reverse, fitted, manual, seed, reverse_ready, drive_stops_itself,
              hr_input, max_hr_bpm):
        # Half the examples start with everything a backward start needs (reverse allowed, a
        # fall-stop fitted and armed, reverse first): left to chance, only ~3 % ran in reverse.
        if reverse_ready:
            allow_reverse = fitted = True
        prog = None if manual else data.draw(programs(profile, "reverse" if reverse_ready else None))
        url = "sim://" if fitted else "sim://?fall_stop=none"
        self.bench = Bench(prog, profile, allow_reverse=allow_reverse, seed=seed, url=url,
                           drive_stops_itself=drive_stops_itself, hr_input=hr_input, max_hr_bpm=max_hr_bpm)
        self.bench.strap_bpm = 90.0
        if reverse_ready:
            self.bench.submit(Op.ARM_REVERSE, True)
            if manual:
                self.bench.submit(Op.SET_DIRECTION, Direction.REVERSE)
        self.bench.submit(Op.START)

    @rule(ticks=st.integers(1, 50))
    def run_ticks(self, ticks):
        for _ in range(ticks):
            self.bench.tick()

    @rule(seconds=st.integers(2, 20))
    def run_seconds(self, seconds):
        self.bench.run_s(seconds)

    @rule(op=st.sampled_from(SIMPLE_OPS))
    def operator(self, op):
        self.bench.submit(op)

    @rule(delta=st.floats(-3.0, 3.0))
    def adjust_speed(self, delta):
        self.bench.submit(Op.ADJUST_SPEED, delta)

    @rule(delta=st.floats(-5.0, 5.0))
    def adjust_incline(self, delta):
        self.bench.submit(Op.ADJUST_INCLINE, delta)

    @rule(armed=st.booleans())
    def arm_reverse(self, armed):
        self.bench.submit(Op.ARM_REVERSE, armed)

    @rule(direction=st.sampled_from(["forward", "reverse"]))
    def set_direction(self, direction):
        self.bench.submit(Op.SET_DIRECTION, Direction(direction))

    @rule(event=st.sampled_from(WORLD_EVENTS))
    def inject(self, event):
        self.bench.inject(event)

    @rule(bpm=st.one_of(st.none(), st.integers(0, 260).map(float)))
    def heart_rate(self, bpm):
        """A reading from the simulated person (20-250 there) or the strap: any value, or none."""
        bench = self.bench
        if bench.controller.hr_input == "fed":
            bench.strap_bpm = bpm
        elif bpm is not None and 20 <= bpm <= 250:
            bench.inject("hr", bpm)

    @precondition(lambda self: hasattr(self, "bench") and self.bench.controller.hr_input == "fed")
    @rule(start=st.integers(60, 180), end=st.integers(60, 230), seconds=st.integers(5, 40),
          dropouts=st.lists(st.integers(0, 2000), max_size=4), spikes=st.lists(st.integers(0, 2000), max_size=4))
    def heart_rate_trace(self, start, end, seconds, dropouts, spikes):
        """A strap's trace: a slow drift (over the limit, or not), with dropouts and spikes."""
        bench = self.bench
        ticks = seconds * 50
        for n in range(ticks):
            bpm = start + (end - start) * n / ticks
            if any(d <= n < d + 300 for d in dropouts):  # 6 s without a reading
                bpm = None
            elif n in spikes:
                bpm = bpm + 80  # one tick of nonsense
            bench.strap_bpm = bpm
            bench.tick()

    @precondition(lambda self: hasattr(self, "bench") and self.bench.state in STOPPING_STATES)
    @rule(fault=st.sampled_from(WORLD_EVENTS), ticks=st.integers(0, 30))
    def fault_during_a_stop(self, fault, ticks):
        event(f"fault while {self.bench.state}")
        self.bench.inject(fault)
        for _ in range(ticks):
            self.bench.tick()

    @precondition(lambda self: hasattr(self, "bench"))
    @invariant()
    def state_is_known(self):
        assert self.bench.state in S.STATES

    def teardown(self):
        if not hasattr(self, "bench"):
            return
        # what the example reached, for --hypothesis-show-statistics
        for state in sorted({e["to"] for e in self.bench.events_of("state")}):
            event(f"reached {state}")
        if self.bench.max_reverse_kmh > 0.0:
            event("belt ran in reverse")
        self._controller_dies()

    def _controller_dies(self):
        """The loop crashes: the drive is closed as a crashed loop leaves it, nobody writes
        again, and the drive alone (its stop, or its comm-loss watchdog) brings the belt to rest
        (S5, S9). A runaway speed loop (injected overspeed) is the one thing only a category-0
        stop ends: with the controller dead that is the hardware e-stop's job (docs/safety.md)."""
        bench = self.bench
        world = bench.drive.world
        if world.belt.overspeed and world.belt.enabled:
            return
        run_now(bench.drive.close())
        slowest_mps2 = min(FACTORY_STOP_DECEL_MPS2, COAST_DECEL_MPS2)
        limit_s = bench.site.drive_comm_loss_timeout_s + bench.true_kmh / 3.6 / slowest_mps2 + 1.0
        t0_s = world.t_s
        while bench.true_kmh > 0.0:
            assert world.t_s - t0_s <= limit_s, f"belt still at {bench.true_kmh:.2f} km/h with the controller gone"
            world.advance_to(world.t_s + DT_S)


TestSafetyProperties = SafetyMachine.TestCase
