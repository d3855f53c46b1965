"""S11: an e-stop that does not slow the belt escalates to a category-0 stop (coast).

From the moment of the e-stop the belt should follow the stop ramp
    expected_kmh(t) = max(0, v0 - a_stop * 3.6 * (t - t0)),
where a_stop is the deceleration the drive's own quick stop was configured for and read
back at connect (S5), or the profile's e-stop deceleration where the controller ramps the
stop itself. Judging against the drive's real setting means a working stop is never
replaced by a slower coast. The drive lags a little, so the check starts `check_after_s`
(1 s) after the e-stop and allows `margin_kmh` above the ramp; beyond that, power is removed.
"""

from __future__ import annotations

from controller.interlocks.base import Interlock, Setup, Severity, Trip, TickView
from drivers.units import KMH_PER_MPS
from controller.states import LATCHED

CAUSE = "estop_not_slowing"


class EstopEscalation(Interlock):
    """Watches a latched stop slow the belt; not shown on the console's panel."""

    name = "estop_escalation"
    causes = {CAUSE: Severity.ESTOP}
    acts_in = LATCHED  # before a latched stop there is nothing to watch
    __slots__ = ("check_after_s", "margin_kmh", "decel_kmh_s", "t0_s", "v0_kmh", "escalated")

    def __init__(self, check_after_s: float, margin_kmh: float) -> None:
        super().__init__()
        self.check_after_s = check_after_s
        self.margin_kmh = margin_kmh
        self.decel_kmh_s = 0.0
        self.t0_s: float | None = None
        self.v0_kmh = 0.0
        self.escalated = False

    @classmethod
    def from_setup(cls, setup: Setup) -> EstopEscalation:
        return cls(setup.site.monitor.estop_check_after_s, setup.site.monitor.estop_margin_kmh)

    def begin(self, now_s: float, belt_kmh: float, stop_decel_mps2: float) -> None:
        """Called on entry to estop/fault, with the deceleration the stop really has."""
        self.t0_s = now_s
        self.v0_kmh = belt_kmh
        self.decel_kmh_s = stop_decel_mps2 * KMH_PER_MPS
        self.escalated = False

    def clear(self) -> None:
        """Called when the latch is cleared: nothing to watch until the next e-stop."""
        self.t0_s = None
        self.escalated = False

    def check(self, view: TickView) -> Trip | None:
        if self.t0_s is None or self.escalated or view.interlock_state not in LATCHED:
            return None
        now_s = view.now_s
        belt_kmh = view.status.belt_kmh
        elapsed_s = now_s - self.t0_s
        if elapsed_s < self.check_after_s:
            return None
        expected_kmh = max(0.0, self.v0_kmh - self.decel_kmh_s * elapsed_s)
        if belt_kmh > expected_kmh + self.margin_kmh:
            self.escalated = True
            return Trip(CAUSE, Severity.ESTOP,
                        f"e-stop not slowing the belt ({belt_kmh:.1f} km/h after {elapsed_s:.1f} s): "
                        "motor power removed (category 0)")
        return None
