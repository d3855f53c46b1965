"""The person on the deck: where they stand, how they keep up with the belt, and falls.

`position_m` is measured from the front (console) end of a 1.5 m deck; the person starts at
0.6 m. Velocities are signed like the belt's (> 0 = forward mode). The belt carries the
person toward the rear at `belt_mps` while they walk toward the console at `walk_mps`:

    d(position_m)/dt = belt_mps - walk_mps

Walking speed is a reaction to the belt, not a copy of it: it approaches
    desired_mps = belt_mps + HOME_GAIN_PER_S * (position_m - HOME_M)
                           + DRIFT_GAIN * (belt_mps - walk_mps)
with a first-order reaction lag (tau 0.6 s). The two extra terms are the person steering back
to their usual spot and reacting to feeling themselves carried away; without them every
speed change would leave them displaced by about dv * tau for good. Their legs limit how
fast they can change walking speed: 1.0 m/s^2 to speed up walking forward, 0.6 m/s^2 to
speed up walking backward (backward steps are harder), 2.0 m/s^2 to slow down either way.
So when the belt accelerates harder than they can follow, they drift: toward the rear in
forward mode (and past the safety key's tether), toward the console in reverse. Tuned so
that every profile's ramps, stops and e-stops keep them within about 0.35 m of home (an
athlete e-stopped at 16 km/h in reverse stumbles back ~0.3 m), while a drive that jumps
straight to 6 km/h at 2 m/s^2 pulls the key.

A fallen person stops walking: in a harness they hang where they fell, without one they lie
on the belt and are carried with it. They get up once the belt has been still for 3 s.
"""

from __future__ import annotations

from drivers.units import KMH_PER_MPS

DECK_LENGTH_M = 1.5
START_POSITION_M = 0.6
HOME_M = START_POSITION_M  # where the person steers back to
HOME_GAIN_PER_S = 3.0  # walk this much m/s faster per m behind home
DRIFT_GAIN = 0.5  # ... and react to half of the drift speed they feel
REACTION_TAU_S = 0.6
FORWARD_ACCEL_MPS2 = 1.0  # speeding up walking forward (toward the console)
BACKWARD_ACCEL_MPS2 = 0.6  # speeding up walking backward: harder
SLOWING_DECEL_MPS2 = 2.0  # slowing down either way: easier than speeding up
GET_UP_AFTER_STANDSTILL_S = 3.0
STANDSTILL_MPS = 0.02 / KMH_PER_MPS  # the belt reads 0 below 0.02 km/h

_INV_TAU_PER_S = 1.0 / REACTION_TAU_S


class Person:
    """A walker (or a fallen one) on the deck. Plain floats; `step` allocates nothing."""

    __slots__ = (
        "position_m", "walk_mps", "fallen", "hanging", "fallen_for_s", "still_for_s",
        "distance_forward_m", "distance_reverse_m",
    )

    def __init__(self, position_m: float = START_POSITION_M) -> None:
        self.position_m = position_m
        self.walk_mps = 0.0
        self.fallen = False
        self.hanging = False  # fallen and held by the harness
        self.fallen_for_s = 0.0  # time since the fall (the fall-stop sensor's delay)
        self.still_for_s = 0.0  # belt standstill time while fallen
        self.distance_forward_m = 0.0  # belt distance covered in forward mode
        self.distance_reverse_m = 0.0  # ... and in reverse mode

    def fall(self, harness_clipped: bool) -> None:
        """The person falls: into the harness if clipped, else onto the belt."""
        if self.fallen:
            return
        self.fallen = True
        self.hanging = harness_clipped
        self.fallen_for_s = 0.0
        self.still_for_s = 0.0
        self.walk_mps = 0.0

    def get_up(self) -> None:
        """Back on their feet, standing still."""
        self.fallen = False
        self.hanging = False
        self.walk_mps = 0.0

    def step(self, dt_s: float, belt_mps: float) -> None:
        """Integrate one substep of `dt_s` with the belt at `belt_mps` (signed)."""
        if belt_mps > 0.0:
            self.distance_forward_m += belt_mps * dt_s
        elif belt_mps < 0.0:
            self.distance_reverse_m -= belt_mps * dt_s

        position_m = self.position_m
        if self.fallen:
            self.fallen_for_s += dt_s
            if not self.hanging:
                position_m += belt_mps * dt_s  # lying on the belt, carried with it
            if -STANDSTILL_MPS < belt_mps < STANDSTILL_MPS:
                self.still_for_s += dt_s
                if self.still_for_s >= GET_UP_AFTER_STANDSTILL_S:
                    self.get_up()
            else:
                self.still_for_s = 0.0
        else:
            walk_mps = self.walk_mps
            desired_mps = (belt_mps + HOME_GAIN_PER_S * (position_m - HOME_M)
                           + DRIFT_GAIN * (belt_mps - walk_mps))
            accel_mps2 = (desired_mps - walk_mps) * _INV_TAU_PER_S
            if accel_mps2 > 0.0:
                limit_mps2 = FORWARD_ACCEL_MPS2 if walk_mps >= 0.0 else SLOWING_DECEL_MPS2
                if accel_mps2 > limit_mps2:
                    accel_mps2 = limit_mps2
            else:
                limit_mps2 = BACKWARD_ACCEL_MPS2 if walk_mps <= 0.0 else SLOWING_DECEL_MPS2
                if accel_mps2 < -limit_mps2:
                    accel_mps2 = -limit_mps2
            walk_mps += accel_mps2 * dt_s
            self.walk_mps = walk_mps
            position_m += (belt_mps - walk_mps) * dt_s

        # The console stops them at the front; the rear edge is as far as the deck goes.
        if position_m < 0.0:
            position_m = 0.0
        elif position_m > DECK_LENGTH_M:
            position_m = DECK_LENGTH_M
        self.position_m = position_m
