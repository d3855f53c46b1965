"""S13: heart rate, when a sensor is in play.

Each tick's raw reading (the drive's status, or a strap fed by the session host) is judged:
readings outside the plausible range, or jumping more than `max_jump_bpm` from a valid reading
less than 1 s old, count as no reading -- never as a trip, and a lost signal never reads as a
low heart rate. With a limit (the lowest of profile, program, person and --max-hr):
- `warning_margin_bpm` below it: an `hr_warning` event with a cue (again only after the
  heart rate has come back down by a few beats);
- at or above it for `limit_hold_s`: a controlled stop at the normal deceleration (not a
  latch), its reason naming the heart rate and the limit.
No valid reading for `lost_after_s`: `hr_lost` (an HR-guided step slows to its minimum, in
core.py); still lost `lost_stop_after_s` later, with a limit set or in an HR-guided step: a
controlled stop naming the lost signal. A valid reading again: `hr_restored`.
Stops act only while the belt is in use (countdown, running, paused, reversing).
"""

from __future__ import annotations

from typing import Callable

from controller.interlocks.base import Interlock, Phase, Setup, Severity, Trip, TickView
from controller.states import COUNTDOWN, PAUSED, REVERSING, RUNNING

CAUSE = "heart_rate"
IN_USE = (COUNTDOWN, RUNNING, PAUSED, REVERSING)
JUMP_WINDOW_S = 1.0  # a jump is judged against a valid reading at most this old
WARNING_REARM_BPM = 3.0  # a second warning only after the rate fell this far below the warning line


class HeartRate(Interlock):
    """Validates the heart rate each tick, and stops the belt on the limit or a lost signal."""

    name = CAUSE
    label = "Heart rate"
    causes = {CAUSE: Severity.STOP}
    #: Every tick, after the commands: a strap is read whether or not the drive answered, and a
    #: tick without a fresh status has no heart rate from the drive (never its last value).
    phase = Phase.AFTER_COMMANDS
    blocks_start = True  # not while at or above the limit (a lost signal alone does not block)
    emits_events = True
    __slots__ = ("cfg", "bpm", "bpm_last", "valid_s", "lost", "lost_since_s", "above_since_s", "warned", "emit")

    def __init__(self, setup: Setup) -> None:
        super().__init__()
        self.cfg = setup.site.heart_rate
        self.bpm: float | None = None  # the valid reading of this tick, or None
        self.bpm_last: float | None = None  # the last valid reading
        self.valid_s = setup.now_s  # when the last valid reading came (the session's start, before any)
        self.lost = False
        self.lost_since_s = 0.0  # when hr_lost was announced
        self.above_since_s: float | None = None
        self.warned = False
        self.emit: Callable[..., None] = lambda kind, **fields: None

    @classmethod
    def from_setup(cls, setup: Setup) -> HeartRate:
        return cls(setup)  # always: a strap may be chosen between sessions (hr_input "none" -> "fed")

    def restart(self, now_s: float) -> None:
        """A new source: no reading yet, nothing lost yet, nothing to compare a jump with."""
        self.bpm = self.bpm_last = self.above_since_s = None
        self.valid_s = now_s
        self.lost = self.warned = False

    def bind_events(self, emit: Callable[..., None]) -> None:
        self.emit = emit

    # ---- judging a reading ------------------------------------------------------------
    def _valid(self, raw_bpm: float | None, now_s: float) -> float | None:
        cfg = self.cfg
        if raw_bpm is None or not cfg.plausible_min_bpm <= raw_bpm <= cfg.plausible_max_bpm:
            return None
        last = self.bpm_last
        if last is not None and now_s - self.valid_s <= JUMP_WINDOW_S and abs(raw_bpm - last) > cfg.max_jump_bpm:
            return None
        return raw_bpm

    def check(self, view: TickView) -> Trip | None:
        now_s = view.now_s
        if view.hr_input == "none":  # no source in this session: nothing to judge, nothing to miss
            self.bpm = None
            self.valid_s = now_s
            self.lost = False
            return None
        cfg = self.cfg
        bpm = self.bpm = self._valid(view.raw_heart_rate_bpm, now_s)
        if bpm is not None:
            self.bpm_last = bpm
            self.valid_s = now_s
            if self.lost:
                self.lost = False
                self.emit("hr_restored", heart_rate_bpm=round(bpm))
        elif not self.lost and now_s - self.valid_s >= cfg.lost_after_s:
            self.lost = True
            self.lost_since_s = now_s
            self.emit("hr_lost", reason=f"no valid heart-rate reading for {cfg.lost_after_s:g} s",
                      cue="Heart-rate signal lost: check the strap")
        limit_bpm = view.max_hr_bpm
        in_use = view.state in IN_USE
        if bpm is not None and limit_bpm is not None:
            trip = self._judge_limit(bpm, limit_bpm, now_s, in_use)
            if trip is not None:
                return trip
        elif not in_use:
            self.above_since_s = None
        # a moment without a valid reading (a spike, a dropout) neither confirms nor ends a spell
        # over the limit: only a valid reading below it does, else spikes could hold off the stop
        if (self.lost and in_use and (limit_bpm is not None or view.hr_guided)
                and now_s - self.lost_since_s >= cfg.lost_stop_after_s):
            lost_s = now_s - self.valid_s
            return Trip(CAUSE, Severity.STOP, f"heart rate signal lost for {lost_s:.0f} s: stopped; "
                                              "check the strap and the person")
        return None

    def _judge_limit(self, bpm: float, limit_bpm: float, now_s: float, in_use: bool) -> Trip | None:
        cfg = self.cfg
        warn_bpm = limit_bpm - cfg.warning_margin_bpm
        if bpm >= warn_bpm:
            if not self.warned:
                self.warned = True
                self.emit("hr_warning", heart_rate_bpm=round(bpm), limit_bpm=round(limit_bpm),
                          cue=f"Heart rate {bpm:.0f}, near the limit of {limit_bpm:.0f}: ease off")
        elif bpm < warn_bpm - WARNING_REARM_BPM:
            self.warned = False
        if bpm < limit_bpm or not in_use:
            self.above_since_s = None
            return None
        if self.above_since_s is None:
            self.above_since_s = now_s
        if now_s - self.above_since_s >= cfg.limit_hold_s:
            self.above_since_s = None
            return Trip(CAUSE, Severity.STOP, f"heart rate {bpm:.0f} bpm at or above the limit of "
                                              f"{limit_bpm:.0f} bpm for {cfg.limit_hold_s:g} s: stopped")
        return None

    def still_present(self, view: TickView) -> str | None:
        limit_bpm = view.max_hr_bpm
        if limit_bpm is not None and self.bpm is not None and self.bpm >= limit_bpm:
            return f"heart rate {self.bpm:.0f} bpm is at or above the limit of {limit_bpm:.0f} bpm: rest first"
        if (self.lost and (limit_bpm is not None or view.hr_guided)
                and view.now_s - self.lost_since_s >= self.cfg.lost_stop_after_s):
            return "no valid heart-rate reading: check the strap"
        return None

    def panel(self, view: TickView) -> tuple[bool, str]:
        if view.hr_input == "none":
            return (True, "no heart-rate source")
        if self.bpm is None:
            return (False, "no valid heart-rate reading" + (": check the strap" if self.lost else ""))
        limit_bpm = view.max_hr_bpm
        if limit_bpm is not None and self.bpm >= limit_bpm - self.cfg.warning_margin_bpm:
            return (False, f"{self.bpm:.0f} bpm, limit {limit_bpm:.0f}")
        return (True, "")

    @property
    def state_word(self) -> str:
        """For the console: 'lost', 'warning' or 'ok'."""
        if self.bpm is None:
            return "lost" if self.lost else "waiting"
        return "warning" if self.warned else "ok"
