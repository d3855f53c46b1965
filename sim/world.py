"""The simulated world: drive + belt, the person on it, and the sensors, on one time base.

`advance_to(t_s)` integrates from the world's last time in substeps of at most 0.02 s, so a
50 Hz controller costs one substep per tick. Commands arrive through `apply_command` and
feed the drive's watchdog, unless comms are lost (injected `comms-loss`), in which case the
command never reaches the drive and its own watchdog stops the belt (S9).

What each injected event does:
    fall           the person falls (into the harness if clipped, else onto the belt)
    key-out/in     the safety key is pulled / put back
    harness-off/on the harness is unclipped / clipped (the fall-stop switch reads it)
    comms-loss     commands stop reaching the drive, and the drive stops answering ...
    comms-restore  ... until this
    drive-fault    the drive trips (FAULT_DRIVE) and removes power: the belt coasts; a
                   fault_reset clears it once the belt is at rest
    overspeed      runaway speed loop: belt = reference + 3.5 km/h while the drive is enabled,
                   until its power is removed (injected while stopped: waits for the next run)
    stall          the belt jams while the drive is enabled, until it is disabled
    hr             heart rate reading, value in BPM (also accepted as event "hr:BPM"): the
                   strap reports that value from then on instead of the heart model's
    hr-loss        the heart-rate strap stops reporting (None) ...
    hr-restore     ... until this: the model again, or the injected value if one was set

The person's heart (sim/physiology.py) follows the true belt speed, incline and direction,
at rest while fallen; `fitness` picks its preset (low, average, high).
"""

from __future__ import annotations

from drivers.base import Direction, DriveCommand, DriveStatus
from drivers.units import KMH_PER_MPS
from sim.belt import FAULT_DRIVE, Belt
from sim.faults import (HEART_RATE_EVENT, OPERATOR_EVENTS, WORLD_EVENTS, check_heart_rate_bpm,
                        parse_heart_rate_bpm)
from sim.person import Person
from sim.physiology import DEFAULT_FITNESS, Heart
from sim.sensors import Sensors

MAX_SUBSTEP_S = 0.02
_FORWARD, _REVERSE, _NONE = Direction.FORWARD, Direction.REVERSE, Direction.NONE


class SimWorld:
    """Belt, person and sensors, advanced together. Plain floats and __slots__."""

    __slots__ = ("belt", "person", "sensors", "tether_reach_m", "comms_ok", "t_s", "_heart_advance")

    def __init__(self, seed: int = 0, fall_stop_fitted: bool = True,
                 fall_sensor_delay_s: float = 0.15, comm_loss_timeout_s: float = 0.5,
                 tether_reach_m: float = 1.1, fitness: str = DEFAULT_FITNESS) -> None:
        self.belt = Belt(seed=seed, comm_loss_timeout_s=comm_loss_timeout_s)
        self.person = Person()
        self.sensors = Sensors(fall_stop_fitted, fall_sensor_delay_s, Heart(fitness, seed))
        self.tether_reach_m = tether_reach_m  # the key's tether, measured from the console
        self.comms_ok = True
        self.t_s = 0.0  # world time the state belongs to
        self._heart_advance = self.sensors.heart.advance  # bound once: it runs every tick

    # -- time ----------------------------------------------------------------------------

    def advance_to(self, t_s: float) -> None:
        """Integrate from the world's last time to `t_s` (earlier times are ignored)."""
        span_s = t_s - self.t_s
        if span_s <= 0.0:
            return
        # Equal substeps of at most MAX_SUBSTEP_S; the 1e-9 keeps a 0.02 s span that float
        # arithmetic made 0.020000000000000018 from costing two substeps.
        n = int((span_s - 1e-9) / MAX_SUBSTEP_S) + 1
        dt_s = span_s / n
        belt = self.belt
        person = self.person
        t0_s = self.t_s
        tether_m = self.tether_reach_m
        for i in range(1, n + 1):
            belt.step(dt_s, t0_s + i * dt_s)
            person.step(dt_s, belt.velocity_mps)
            if person.position_m > tether_m:
                self.sensors.safety_key = False  # the tether pulled the magnet off
        self.t_s = t_s
        # The heart's 30 s lag needs no substeps: one exact step over the span.
        v_kmh = 0.0 if person.fallen else belt.velocity_mps * KMH_PER_MPS
        if v_kmh > 0.0:
            self._heart_advance(span_s, t_s, v_kmh, belt.incline_pct, _FORWARD)
        elif v_kmh < 0.0:
            self._heart_advance(span_s, t_s, -v_kmh, belt.incline_pct, _REVERSE)
        else:
            self._heart_advance(span_s, t_s, 0.0, 0.0, _NONE)

    # -- the drive's side ----------------------------------------------------------------

    def apply_command(self, cmd: DriveCommand, t_s: float) -> None:
        """The drive receives `cmd` at `t_s` (the world is advanced there first).

        While comms are lost the command is dropped on the way, so it does not feed the
        drive's watchdog.
        """
        self.advance_to(t_s)
        if self.comms_ok:
            self.belt.command(cmd, self.t_s)

    def status(self) -> DriveStatus:
        """What the drive would report now (regardless of comms; SimDrive checks those)."""
        person = self.person
        sensors = self.sensors
        return self.belt.status(sensors.safety_key,
                                sensors.fall_stop(person.hanging, person.fallen_for_s),
                                sensors.heart_rate_bpm)

    # -- injection -----------------------------------------------------------------------

    def inject(self, event: str, value: float | None = None) -> None:
        """Apply one world event now (see the module docstring); ValueError if unknown."""
        if event.startswith(HEART_RATE_EVENT + ":") and value is None:
            value = parse_heart_rate_bpm(event[len(HEART_RATE_EVENT) + 1:], event)
            event = HEART_RATE_EVENT
        match event:
            case "fall":
                self.person.fall(self.sensors.harness_clipped)
            case "key-out" | "key-in":
                self.sensors.safety_key = event == "key-in"
            case "harness-off" | "harness-on":
                clipped = event == "harness-on"
                self.sensors.harness_clipped = clipped
                if not clipped:
                    self.person.hanging = False  # unclipped while hanging: down onto the belt
            case "comms-loss" | "comms-restore":
                self.comms_ok = event == "comms-restore"
            case "drive-fault":
                self.belt.trip(FAULT_DRIVE)
            case "overspeed":
                self.belt.overspeed = True
            case "stall":
                self.belt.stall = True
            case "hr":
                if value is None:
                    raise ValueError("hr: needs a heart rate in BPM")
                self.sensors.hr_injected_bpm = check_heart_rate_bpm(float(value), "hr")
            case "hr-loss" | "hr-restore":
                self.sensors.hr_reporting = event == "hr-restore"
            case _ if event in OPERATOR_EVENTS:
                raise ValueError(f"{event!r} is an operator event: it goes to the controller, "
                                 "not the simulated world")
            case _:
                known = ", ".join((*WORLD_EVENTS, HEART_RATE_EVENT))
                raise ValueError(f"unknown world event {event!r} (known: {known})")

    # -- read-only views for a UI --------------------------------------------------------

    @property
    def person_position_m(self) -> float:
        """Person's distance from the console end of the deck."""
        return self.person.position_m

    @property
    def person_fallen(self) -> bool:
        return self.person.fallen

    @property
    def distance_forward_m(self) -> float:
        """Belt distance covered in forward mode."""
        return self.person.distance_forward_m

    @property
    def distance_reverse_m(self) -> float:
        """Belt distance covered in reverse mode (walked backward)."""
        return self.person.distance_reverse_m

    @property
    def belt_velocity_kmh_signed(self) -> float:
        """True signed belt velocity (internal: > 0 forward mode, < 0 reverse)."""
        return self.belt.velocity_mps * KMH_PER_MPS

