"""The heart rate (S13) on the main screen: one line with the limit and a zone colour, and an
alert bar that cannot be missed while the heart rate is near the limit or the signal is lost.

Colour is never the only sign: the zone is a number, a warning says so in words with ⚠, a
lost signal says LOST with ✖ and never shows a number (not even the last one).

Zones are by % of the effective limit (S13's max_hr_bpm, text.ZONE_FROM_PCT); in an HR-guided
step the colour says instead where the heart rate is against the step's target.
"""

from __future__ import annotations

from rich.text import Text

from ui.console.text import ZONE_WORDS, hr_versus_target, hr_zone, mmss
from ui.console.widgets.base import Readout

HEART = "♥"
HEART_MODES = ("-none", "-waiting", "-lost", "-warning", "-plain", "-zone1", "-zone2", "-zone3", "-zone4",
               "-zone5", "-on-target", "-below", "-above")
ALERT_MODES = ("-warning", "-lost")
IN_USE = ("countdown", "running", "paused", "reversing")  # where S13's stops act
TARGET_MODES = {"on target": "-on-target", "below": "-below", "above": "-above"}


def heart_line(snap, wide: bool) -> tuple[str, str]:
    """The heart-rate line and its mode (a CSS class of console.tcss)."""
    state, bpm, limit = snap.hr_state, snap.heart_rate_bpm, snap.max_hr_bpm
    limit_text = f"limit {limit:.0f}" if limit is not None else "no limit set"
    if state == "none":
        return f"{HEART} --   no heart-rate source" + (" (H chooses a strap)" if wide else " (H)"), "-none"
    if state == "lost" or bpm is None:  # never a number while there is no valid reading
        if state == "lost":
            return f"{HEART} ---  ✖ SIGNAL LOST ✖" + (" check the strap" if wide else ""), "-lost"
        return f"{HEART} --   waiting for a reading" + (f" · {limit_text}" if wide else ""), "-waiting"
    value = f"{HEART} {bpm:.0f} bpm  "
    if state == "warning" and limit is not None:
        over = "OVER THE LIMIT" if bpm >= limit else "NEAR THE LIMIT"
        pct = f" ({100 * bpm / limit:.0f} %)" if wide else ""
        return value + f"⚠ {over} {limit:.0f}{pct}", "-warning"
    if snap.target_hr_bpm is not None:
        where = hr_versus_target(bpm, snap.target_hr_bpm)
        target = f" {snap.target_hr_bpm:.0f}" if wide else ""
        return value + f"{where if where == 'on target' else where + ' target'}{target} · {limit_text}", \
            TARGET_MODES[where]
    if limit is None:
        return value + limit_text, "-plain"
    zone = hr_zone(bpm, limit)
    if wide:
        return value + f"zone {zone} {ZONE_WORDS[zone - 1]} · {100 * bpm / limit:.0f} % of the {limit_text}", \
            f"-zone{zone}"
    return value + f"Z{zone} · {limit_text}", f"-zone{zone}"


class HeartReadout(Readout):
    """One line: the valid heart rate with the limit and its zone, or why there is none."""

    def show(self, snap, wide: bool) -> None:
        line, mode = heart_line(snap, wide)
        self.show_content(Text(line, no_wrap=True, overflow="ellipsis"))
        self.set_modes(mode, HEART_MODES)


class HeartAlert(Readout):
    """A full-width bar, shown only while the heart rate is near the limit or its signal is
    lost, with the controller's cue; it flashes once a second (of controller time)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.cues = {"warning": "Heart rate near the limit: ease off",  # until the controller's cue arrives
                     "lost": "Heart-rate signal lost: check the strap"}
        self.lost_at_s: float | None = None

    def show(self, frame, lost_stop_after_s: float) -> None:
        for event in frame.events:
            if event["event"] == "hr_warning":
                self.cues["warning"] = event["cue"]
            elif event["event"] == "hr_lost":
                self.cues["lost"] = event["cue"]
                self.lost_at_s = event["t"]
        snap = frame.snapshot
        state = snap.hr_state
        self.display = state in ("warning", "lost")
        if not self.display:
            return
        if state == "warning":
            line = f"⚠ HEART RATE ⚠  {self.cues['warning']}"
        else:
            line = f"✖ SIGNAL LOST ✖  {self.cues['lost']}"
            stops = snap.max_hr_bpm is not None or snap.target_hr_bpm is not None
            if stops and snap.state in IN_USE and self.lost_at_s is not None:
                line += f" · belt stops in {mmss(self.lost_at_s + lost_stop_after_s - snap.t_s)}"
        self.show_content(Text(line, no_wrap=True, overflow="ellipsis"))
        self.set_modes("-" + state, ALERT_MODES)
        self.set_class(int(snap.t_s * 2) % 2 == 1, "-flash")
