"""The simulated motor drive and the belt it turns.

Inside, the belt velocity is SIGNED (`velocity_mps` > 0 = forward mode: the belt surface
moves toward the rear while the person walks toward the console; < 0 = reverse mode). The
contract outward never is: `status()` reports an unsigned speed and a `Direction`.

Model, per substep of `dt_s` (at most 0.02 s, explicit Euler):
- The drive ramps its reference `ref_mps` toward its target at its own rate: 2.0 m/s^2 when
  running (quicker than any profile, so the controller's ramp dominates), and for a stop the
  drive's own stop deceleration parameters: `ramp_stop_decel_mps2` for RAMP and
  `quick_stop_decel_mps2` for QUICK. Like a real drive's they start at the factory values
  (10 s from the maximum frequency to 0: about 0.67 m/s^2, far gentler than any e-stop) until
  a driver writes them (S5); `configure_stop` refuses a deceleration beyond what the motor
  can brake (`MAX_STOP_DECEL_MPS2`). The reference may pass through zero (forward <->
  reverse); the controller is what enforces the standstill dwell (S3).
- While the drive output is enabled the belt follows the reference with a first-order lag
  (tau 0.1 s): dv = (ref - v) * dt / tau. With power removed (COAST, drive fault) the belt
  coasts down at 0.8 m/s^2 (friction and the person's load).
- A RAMP/QUICK stop disables the output once the reference is at 0 and the belt is still.
- Watchdog: enabled and no command for `comm_loss_timeout_s` -> latch FAULT_COMM_LOSS and
  stop as `comm_loss_stop` says (RAMP at the factory, QUICK once a driver configured it: the
  comm-loss reaction is then the same stop as an e-stop). Injected drive fault -> latch FAULT_DRIVE and coast. A latched fault ignores
  run commands (stops are always accepted) and clears only on `fault_reset` once its cause
  is gone: for comm loss the reset command itself shows that commands are back; for a drive
  fault (an overcurrent trip) the motor must have come to rest.
- Injected overspeed (a runaway speed loop: belt = reference + 3.5 km/h) and stall (the belt
  jams) act while the output is enabled and clear when it is disabled. A RAMP/QUICK stop
  cannot finish while overspeed holds the belt moving, so only a category-0 stop (COAST)
  ends it: that is what the controller's e-stop escalation (S11) is for.
"""

from __future__ import annotations

import math
import random

from drivers.base import Direction, DriveCommand, DriveStatus, StopMode
from drivers.units import KMH_PER_MPS

SQRT6 = math.sqrt(6.0)  # scales (u1 + u2 - 1), variance 1/6, to unit variance


FAULT_DRIVE = 0x07  # overcurrent trip (injected `drive-fault`)
FAULT_COMM_LOSS = 0x0E  # the drive's own comm-loss watchdog fired

DRIVE_ACCEL_MPS2 = 2.0  # drive's own ramp while running
DRIVE_MAX_KMH = 25.0  # the drive's own maximum output
#: Factory stop deceleration: 10 s from the maximum output to 0, as drives ship.
FACTORY_STOP_DECEL_MPS2 = DRIVE_MAX_KMH / KMH_PER_MPS / 10.0
MAX_STOP_DECEL_MPS2 = 2.0  # what the motor (and its braking resistor) can brake the loaded belt at
COAST_DECEL_MPS2 = 0.8  # power removed: friction + person load
BELT_TAU_S = 0.1  # belt lag behind the drive reference
STALL_TAU_S = 0.05  # a jammed belt stops within a few tenths of a second
OVERSPEED_KMH = 3.5  # injected runaway: belt runs this much above the reference
INCLINE_RATE_PCT_S = 1.0
INCLINE_MAX_PCT = 25.0

#: Below this the encoder reads exactly 0 (the controller's standstill test is <= 0.05 km/h).
ENCODER_ZERO_KMH = 0.02
NOISE_SIGMA_KMH = 0.02  # measurement noise: sigma = 0.02 km/h + 0.3 % of speed
NOISE_SIGMA_FRACTION = 0.003

_STANDSTILL_MPS = ENCODER_ZERO_KMH / KMH_PER_MPS
_SETTLED_MPS = 1e-9  # snap the lag onto its goal: no creeping, no denormal arithmetic
_FORWARD = Direction.FORWARD
_REVERSE = Direction.REVERSE
_NONE = Direction.NONE


class Belt:
    """Drive + belt dynamics and a seeded speed measurement; `step` allocates nothing."""

    __slots__ = (
        "velocity_mps", "ref_mps", "enabled", "fault_code", "incline_pct",
        "drive_accel_mps2", "comm_loss_timeout_s", "overspeed", "stall",
        "ramp_stop_decel_mps2", "quick_stop_decel_mps2", "comm_loss_stop",
        "_target_mps", "_rate_mps2", "_stopping", "_dir_sign", "_incline_target_pct",
        "_last_command_s", "_rng", "_uniform",
    )

    def __init__(self, seed: int = 0, comm_loss_timeout_s: float = 0.5) -> None:
        self.velocity_mps = 0.0  # signed belt surface velocity
        self.ref_mps = 0.0  # signed drive reference
        self.enabled = False  # drive output on (reported as `running`)
        self.fault_code = 0
        self.incline_pct = 0.0
        self.drive_accel_mps2 = DRIVE_ACCEL_MPS2
        self.comm_loss_timeout_s = comm_loss_timeout_s
        self.ramp_stop_decel_mps2 = FACTORY_STOP_DECEL_MPS2  # the drive's stop parameters (S5)
        self.quick_stop_decel_mps2 = FACTORY_STOP_DECEL_MPS2
        self.comm_loss_stop = StopMode.RAMP  # the watchdog's reaction
        self.overspeed = False  # injected runaway speed loop
        self.stall = False  # injected jam
        self._target_mps = 0.0  # where the reference is heading
        self._rate_mps2 = FACTORY_STOP_DECEL_MPS2
        self._stopping = True  # target is a stop: disable once there
        self._dir_sign = 1.0  # sign of the last run direction (for the overspeed offset)
        self._incline_target_pct = 0.0
        self._last_command_s = 0.0
        self._rng = random.Random(seed)
        self._uniform = self._rng.random

    # -- parameters ----------------------------------------------------------------------

    @staticmethod
    def stop_refusal(decel_mps2: float) -> str | None:
        """Why the quick stop cannot be set to `decel_mps2`, or None."""
        if 0.0 < decel_mps2 <= MAX_STOP_DECEL_MPS2:
            return None
        return (f"quick-stop deceleration {decel_mps2:g} m/s^2 is beyond what the drive can brake the "
                f"belt at (at most {MAX_STOP_DECEL_MPS2:g} m/s^2)")

    def configure_stop(self, decel_mps2: float) -> float:
        """Set the quick stop (and the comm-loss reaction) to `decel_mps2`, as a driver does at
        connect (S5); returns the deceleration now held. ValueError beyond what it can brake."""
        if (reason := self.stop_refusal(decel_mps2)) is not None:
            raise ValueError(reason)
        self.quick_stop_decel_mps2 = decel_mps2
        self.comm_loss_stop = StopMode.QUICK
        return decel_mps2

    def stop_decel_mps2(self, mode: StopMode) -> float:
        """The deceleration of a stop in `mode` (coast: friction alone)."""
        if mode is StopMode.QUICK:
            return self.quick_stop_decel_mps2
        if mode is StopMode.RAMP:
            return self.ramp_stop_decel_mps2
        return COAST_DECEL_MPS2

    @property
    def stopping(self) -> bool:
        """The drive is carrying out a stop of its own (output still on, reference to 0)."""
        return self._stopping and self.enabled

    # -- commands and faults -------------------------------------------------------------

    def command(self, cmd: DriveCommand, t_s: float) -> None:
        """Apply one DriveCommand received at `t_s` (this also feeds the watchdog)."""
        self._last_command_s = t_s
        if cmd.fault_reset and self.fault_code:
            self._try_reset()
        incline_pct = cmd.incline_pct
        if not incline_pct >= 0.0:  # also catches NaN
            incline_pct = 0.0
        self._incline_target_pct = min(incline_pct, INCLINE_MAX_PCT)

        if cmd.run and not self.fault_code:
            speed_kmh = cmd.speed_kmh
            if not speed_kmh >= 0.0:  # never trust a negative (or NaN) speed
                speed_kmh = 0.0
            speed_mps = min(speed_kmh, DRIVE_MAX_KMH) / KMH_PER_MPS
            if cmd.direction is _REVERSE:
                self._dir_sign = -1.0
                self._target_mps = -speed_mps
            elif cmd.direction is _FORWARD:
                self._dir_sign = 1.0
                self._target_mps = speed_mps
            else:
                self._target_mps = 0.0
            self._rate_mps2 = self.drive_accel_mps2
            self._stopping = False
            if not self.enabled:
                # Flying start: the drive picks the belt up at whatever speed it coasts at.
                self.ref_mps = self.velocity_mps
                self.enabled = True
        elif not cmd.run:
            self._stop(cmd.stop_mode)

    def trip(self, fault_code: int) -> None:
        """Latch a drive fault: a drive fault removes power, a comm loss stops as configured."""
        self.fault_code = fault_code
        if fault_code != FAULT_COMM_LOSS:
            self._disable()
        elif not self._stopping or self.stop_decel_mps2(self.comm_loss_stop) > self._rate_mps2:
            self._stop(self.comm_loss_stop)  # a quicker stop already under way keeps its ramp

    def _try_reset(self) -> None:
        at_rest = -_STANDSTILL_MPS < self.velocity_mps < _STANDSTILL_MPS
        if self.fault_code == FAULT_DRIVE and not at_rest:
            return  # an overcurrent trip resets only once the motor is at rest
        self.fault_code = 0

    def _stop(self, mode: StopMode) -> None:
        if mode is StopMode.COAST:
            self._disable()
            return
        self._target_mps = 0.0
        self._rate_mps2 = self.quick_stop_decel_mps2 if mode is StopMode.QUICK else self.ramp_stop_decel_mps2
        self._stopping = True

    def _disable(self) -> None:
        """Remove motor power; the injected runaway and jam end with it."""
        self.enabled = False
        self.overspeed = False
        self.stall = False
        self._target_mps = 0.0
        self._stopping = True

    # -- dynamics ------------------------------------------------------------------------

    def step(self, dt_s: float, t_s: float) -> None:
        """Integrate one substep of `dt_s` ending at `t_s`."""
        v = self.velocity_mps
        if self.enabled:
            if not self.fault_code and t_s - self._last_command_s > self.comm_loss_timeout_s:
                self.trip(FAULT_COMM_LOSS)
            ref = self.ref_mps
            target = self._target_mps
            if ref != target:
                dv = self._rate_mps2 * dt_s
                if ref < target:
                    ref = ref + dv if ref + dv < target else target
                else:
                    ref = ref - dv if ref - dv > target else target
                self.ref_mps = ref
            if self.stall:
                v -= v * dt_s / STALL_TAU_S
                if -_SETTLED_MPS < v < _SETTLED_MPS:
                    v = 0.0
            else:
                goal = ref + OVERSPEED_KMH / KMH_PER_MPS * self._dir_sign if self.overspeed else ref
                v += (goal - v) * dt_s / BELT_TAU_S
                if -_SETTLED_MPS < goal - v < _SETTLED_MPS:
                    v = goal
            if self._stopping and ref == 0.0 and -_STANDSTILL_MPS < v < _STANDSTILL_MPS:
                v = 0.0
                self._disable()
        elif v != 0.0:
            # Coasting: friction decelerates the belt; nothing drives it.
            dv = COAST_DECEL_MPS2 * dt_s
            if v > dv:
                v -= dv
            elif v < -dv:
                v += dv
            else:
                v = 0.0
            self.ref_mps = v
        self.velocity_mps = v

        incline = self.incline_pct
        target_pct = self._incline_target_pct
        if incline != target_pct:
            d_pct = INCLINE_RATE_PCT_S * dt_s
            if incline < target_pct:
                self.incline_pct = incline + d_pct if incline + d_pct < target_pct else target_pct
            else:
                self.incline_pct = incline - d_pct if incline - d_pct > target_pct else target_pct

    # -- measurement ---------------------------------------------------------------------

    def status(self, safety_key: bool, fall_stop: bool | None,
               heart_rate_bpm: float | None) -> DriveStatus:
        """One measurement: |v| plus seeded noise of standard deviation sigma, exactly 0 at rest.

        The noise is triangular, (u1 + u2 - 1) * sqrt(6) * sigma with u uniform in [0, 1): the
        same sigma as a gaussian at a tenth of the cost of random.gauss, which matters at
        180,000 readings per simulated hour.
        """
        v_kmh = self.velocity_mps * KMH_PER_MPS
        speed_kmh = v_kmh if v_kmh >= 0.0 else -v_kmh
        if speed_kmh < ENCODER_ZERO_KMH:
            measured_kmh = 0.0
            direction = _NONE
        else:
            sigma_kmh = NOISE_SIGMA_KMH + NOISE_SIGMA_FRACTION * speed_kmh
            uniform = self._uniform
            measured_kmh = speed_kmh + (uniform() + uniform() - 1.0) * SQRT6 * sigma_kmh
            if measured_kmh <= 0.0:
                measured_kmh = 0.0
                direction = _NONE
            else:
                direction = _FORWARD if v_kmh > 0.0 else _REVERSE
        return DriveStatus(measured_kmh, direction, self.enabled, self.fault_code,
                           safety_key, fall_stop, self.incline_pct, heart_rate_bpm)

    @property
    def velocity_kmh_signed(self) -> float:
        """The true signed belt velocity in km/h (internal; the contract never signs speed)."""
        return self.velocity_mps * KMH_PER_MPS
