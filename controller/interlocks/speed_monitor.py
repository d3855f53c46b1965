"""S10: plausibility of the measured belt against the command.

Each condition must hold continuously for its time before it trips (a timer per condition,
reset the moment the condition is false), so measurement noise and the drive's lag behind a
ramped command do not trip it:
- overspeed: measured > command + 1.6 km/h for 1 s, or > command + 3.2 km/h for 0.2 s -> e-stop
- direction mismatch: measured direction differs while measured > 0.3 km/h for 0.2 s -> e-stop
- underspeed/stall: measured < command - 3.2 km/h for 2 s -> fault
- stall at walking speeds (an addition to DESIGN.md's rule, which cannot see a jam at
  3.2 km/h or less): measured < 40 % of a command of at least 0.5 km/h for 2 s -> fault
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controller.interlocks.base import Interlock, Setup, Severity, Trip, TickView
from controller.states import LATCHED, UNLATCHED

if TYPE_CHECKING:
    from controller.limits import Monitor
    from drivers.base import Direction

OVERSPEED = "overspeed"
DIRECTION = "direction_mismatch"
UNDERSPEED = "underspeed"
STALL_MIN_COMMAND_KMH = 0.5


class SpeedMonitor(Interlock):
    """Holds one since-when timer per condition; `check` runs once per tick, unless latched
    (then `estop_escalation` watches the belt instead)."""

    name = "speed_monitor"
    label = "Speed monitor"
    causes = {OVERSPEED: Severity.ESTOP, DIRECTION: Severity.ESTOP, UNDERSPEED: Severity.FAULT}
    acts_in = tuple(UNLATCHED)  # latched, it returns at once
    __slots__ = ("limits", "_over_s", "_hard_s", "_dir_s", "_under_s",
                 "_over_kmh", "_hard_kmh", "_dir_kmh", "_under_kmh", "_stall_fraction")

    def __init__(self, limits: Monitor) -> None:
        super().__init__()
        self.limits = limits
        # plain floats: this runs every tick, and a model attribute costs more than a slot
        self._over_kmh = limits.overspeed_margin_kmh
        self._hard_kmh = limits.overspeed_hard_margin_kmh
        self._dir_kmh = limits.direction_mismatch_kmh
        self._under_kmh = limits.underspeed_margin_kmh
        self._stall_fraction = limits.stall_fraction
        self.clear()

    @classmethod
    def from_setup(cls, setup: Setup) -> SpeedMonitor:
        return cls(setup.site.monitor)

    def clear(self) -> None:
        self._over_s = self._hard_s = self._dir_s = self._under_s = None

    def check(self, view: TickView) -> Trip | None:
        if view.interlock_state in LATCHED:
            return None
        command_kmh = view.command_kmh
        # while a stop runs the command down, the belt still goes the way it went
        command_dir = view.direction if command_kmh > 0 else view.travel_direction
        status = view.status
        belt_kmh = status.belt_kmh
        belt_dir = status.direction
        now_s = view.now_s
        excess_kmh = belt_kmh - command_kmh
        # the since-when timers (see `_since`), inline: this runs every tick
        if excess_kmh > self._over_kmh:
            if self._over_s is None:
                self._over_s = now_s
        else:
            self._over_s = None
        if excess_kmh > self._hard_kmh:
            if self._hard_s is None:
                self._hard_s = now_s
        else:
            self._hard_s = None
        if belt_kmh > self._dir_kmh and belt_dir is not command_dir:
            if self._dir_s is None:
                self._dir_s = now_s
        else:
            self._dir_s = None
        if -excess_kmh > self._under_kmh or (
                command_kmh >= STALL_MIN_COMMAND_KMH and belt_kmh < command_kmh * self._stall_fraction):
            if self._under_s is None:
                self._under_s = now_s
        else:
            self._under_s = None
        if self._over_s is None and self._hard_s is None and self._dir_s is None and self._under_s is None:
            return None  # the usual case: nothing abnormal
        return self._verdict(command_kmh, command_dir, belt_kmh, belt_dir, now_s)

    def _verdict(self, command_kmh: float, command_dir: Direction, belt_kmh: float,
                 belt_dir: Direction, now_s: float) -> Trip | None:
        lim = self.limits
        if self._hard_s is not None and now_s - self._hard_s >= lim.overspeed_hard_time_s:
            return Trip(OVERSPEED, Severity.ESTOP,
                        f"overspeed: belt {belt_kmh:.1f} km/h against {command_kmh:.1f} commanded")
        if self._over_s is not None and now_s - self._over_s >= lim.overspeed_time_s:
            return Trip(OVERSPEED, Severity.ESTOP,
                        f"overspeed: belt {belt_kmh:.1f} km/h against {command_kmh:.1f} commanded")
        if self._dir_s is not None and now_s - self._dir_s >= lim.direction_mismatch_time_s:
            return Trip(DIRECTION, Severity.ESTOP,
                        f"belt runs {belt_dir.value}, commanded {command_dir.value}")
        if self._under_s is not None and now_s - self._under_s >= lim.underspeed_time_s:
            return Trip(UNDERSPEED, Severity.FAULT,
                        f"underspeed/stall: belt {belt_kmh:.1f} km/h against {command_kmh:.1f} commanded")
        return None

    def panel(self, view: TickView) -> tuple[bool, str]:
        """OK unless one of its causes is latched: the reason of the first."""
        causes = self.causes
        reason = next((r for cause, r in view.latched.items() if cause in causes), None)
        return (reason is None, reason or "")


def _since(started_s: float | None, condition: bool, now_s: float) -> float | None:
    """The time a condition became true, kept while it stays true, None once false."""
    if not condition:
        return None
    return now_s if started_s is None else started_s
