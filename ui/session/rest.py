"""The one at-rest rule: when nothing moves and nothing is about to.

Used by `run` (to end), by the console's engine (to close the drive after a stop) and by the
console's screens (to allow a lock or a quit). At rest means all of:
- the state is not one that moves the belt (countdown, running, reversing, stopping) and no
  reset is pulsing the drive;
- nothing queued could move it (operator commands; a caller's scheduled injections);
- the belt reads at or below standstill and nothing is commanded; or, with the drive silent,
  long enough has passed for the drive's own comm-loss stop to bring it to rest (S9).
"""

from __future__ import annotations

from controller import states as S
from controller.ramps import stopping_time_s

#: The controller's standstill (config/default.toml `standstill_kmh`): at or below it the belt
#: stands still. For screens, which see snapshots rather than the site.
AT_REST_KMH = 0.05
MOVING_STATES = (S.COUNTDOWN, S.RUNNING, S.REVERSING, S.STOPPING)
SETTLED_STATES = (S.IDLE, *S.LATCHED)  # neither moving nor holding a program's place (paused)
SILENT_MARGIN_S = 1.0  # beyond the drive's comm-loss timeout and stopping time


def belt_still(belt_kmh: float, command_kmh: float, standstill_kmh: float = AT_REST_KMH) -> bool:
    """The belt reads standstill and nothing is commanded."""
    return belt_kmh <= standstill_kmh and command_kmh == 0.0


def belt_at_rest(snap) -> bool:
    """For a snapshot: nothing moves and nothing is about to (idle, or a latched stop run down)."""
    return snap.state in SETTLED_STATES and snap.belt_kmh <= AT_REST_KMH


class RestRule:
    """The rule on a session's per-tick view; holds when the drive went silent (so call it every tick)."""

    def until(self, v, schedule=None):
        """A `should_stop` for the loop: once at rest (it runs every tick, so it is kept lean)."""
        moving, rule = MOVING_STATES, self

        def at_rest(_controller) -> bool:
            if v.state in moving:  # the usual tick, answered here: __call__'s first rule, one call less
                rule._silent_since_s = None
                return False
            return rule(v, schedule)
        return at_rest

    def __init__(self, site) -> None:
        self.standstill_kmh = site.standstill_kmh
        self.comm_loss_timeout_s = site.drive_comm_loss_timeout_s
        self._silent_since_s: float | None = None

    def __call__(self, v, schedule=None) -> bool:
        """At rest now? `schedule`: what is still scheduled (injections) may yet move the belt."""
        state = v.state
        if state in MOVING_STATES or v.reset_pending:
            self._silent_since_s = None
            return False
        if state == S.IDLE and v.program_complete:
            return True  # the program is done: what is still scheduled after it does not matter
        if (schedule is not None and schedule.remaining) or v.commands_pending:
            return False
        if v.comms_ok:
            last = v.last_status
            return last is not None and belt_still(last.belt_kmh, v.command_kmh, self.standstill_kmh)
        # The drive is silent: its own watchdog stops the belt. Wait as long as that takes.
        if self._silent_since_s is None:
            self._silent_since_s = v.now_s
        last = v.last_status
        last_kmh = last.belt_kmh if last is not None else v.profile.forward_max_kmh
        wait_s = self.comm_loss_timeout_s + stopping_time_s(last_kmh, v.profile.decel_mps2) + SILENT_MARGIN_S
        return v.now_s - self._silent_since_s >= wait_s
