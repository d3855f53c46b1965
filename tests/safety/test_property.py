"""Property-based safety test: random programs, operator actions and faults, every invariant on
every tick.

Hypothesis drives the real controller and simulator (through `Bench`) with a random profile,
a random program (or manual mode), random arming, and then any interleaving of operator
commands, injected faults and runs of ticks; `InvariantChecker` asserts S1-S11 after every
tick. The number of examples comes from the hypothesis profile (tests/conftest.py):
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
from safety_harness import Bench

SITE = load_site_config()
pytestmark = pytest.mark.timeout(3600)  # the long profile runs for many minutes; 120 s is for the rest
WORLD_EVENTS = ["fall", "key-out", "key-in", "harness-off", "harness-on", "comms-loss", "comms-restore",
                "drive-fault", "overspeed", "stall"]
SIMPLE_OPS = [Op.START, Op.STOP, Op.ESTOP, Op.PAUSE, Op.RESUME, Op.RESET]


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
        steps.append(step)
    return parse_program({"name": "random", "steps": steps}, "<hypothesis>")


class SafetyMachine(RuleBasedStateMachine):
    @initialize(data=st.data(), profile=st.sampled_from(["rehab", "fitness", "athlete"]),
                allow_reverse=st.booleans(), fitted=st.booleans(), manual=st.booleans(),
                seed=st.integers(0, 2**16), reverse_ready=st.booleans())
    def setup(self, data, profile, allow_reverse, fitted, manual, seed, reverse_ready):
        # Half the examples start with everything a backward start needs (reverse allowed, a
        # fall-stop fitted and armed, reverse first): left to chance, only ~3 % ran in reverse.
        if reverse_ready:
            allow_reverse = fitted = True
        prog = None if manual else data.draw(programs(profile, "reverse" if reverse_ready else None))
        url = "sim://" if fitted else "sim://?fall_stop=none"
        self.bench = Bench(prog, profile, allow_reverse=allow_reverse, seed=seed, url=url)
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

    @rule(bpm=st.integers(40, 220))
    def heart_rate(self, bpm):
        self.bench.inject("hr", float(bpm))

    @precondition(lambda self: hasattr(self, "bench"))
    @invariant()
    def state_is_known(self):
        assert self.bench.state in S.STATES

    def teardown(self):
        if hasattr(self, "bench"):  # what the example reached, for --hypothesis-show-statistics
            reached = {e["to"] for e in self.bench.events_of("state")}
            for state in sorted(reached):
                event(f"reached {state}")
            if self.bench.max_reverse_kmh > 0.0:
                event("belt ran in reverse")


TestSafetyProperties = SafetyMachine.TestCase
