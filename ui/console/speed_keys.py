"""The console's speed presets, larger speed steps and colour theme (issue 13, points 4 and 5).

A mixin of ConsoleApp (ui/console/app.py). Every speed key is an ADJUST_SPEED command: the
controller applies its caps and ramps as for any other; a key that can change nothing says why.
"""

from __future__ import annotations

from controller.commands import Op
from ui.console.settings import THEMES, save_theme
from ui.console.text import WORDS_UPPER

BIG_STEP_KMH = 0.5


class SpeedKeys:
    """Mixed into ConsoleApp: ↑/↓ with a word at the limits, Shift+↑/↓, the presets, the theme."""

    _asked: tuple[int, float] | None = None  # (frame seq, the target asked for) of the last speed key

    def action_faster(self) -> None:
        self._speed_by(0.1)

    def action_slower(self) -> None:
        self._speed_by(-0.1)

    def action_much_faster(self) -> None:
        self._speed_by(BIG_STEP_KMH)

    def action_much_slower(self) -> None:
        self._speed_by(-BIG_STEP_KMH)

    def action_preset(self, speed_kmh: float) -> None:
        """Go to `speed_kmh`: a change by the difference, so the controller's caps and ramps hold."""
        snap = self._snap()
        if snap is None or snap.state != "running":
            self._send(Op.ADJUST_SPEED, 0.0)  # the controller refuses it, and says why
            return
        self._speed_by(float(speed_kmh) - self._base_kmh(snap))

    def _base_kmh(self, snap) -> float:
        """The target the next change starts from: what this console last asked for while no newer
        frame has come (keys pressed within one frame add up, and a preset is not computed twice
        from the same stale target), else the frame's."""
        asked = self._asked
        return asked[1] if asked is not None and asked[0] == self.frame.seq else snap.target_kmh

    def _speed_by(self, delta_kmh: float) -> None:
        """A speed change; one that cannot change anything (at the cap, at the start speed) says why."""
        self._send(Op.ADJUST_SPEED, delta_kmh)
        snap = self._snap()
        if snap is None or snap.state != "running" or snap.hr_speed_range_kmh is not None:
            self._asked = None
            return
        way = snap.direction if snap.direction in WORDS_UPPER else snap.upcoming_direction
        cap = snap.max_reverse_kmh if way == "reverse" else snap.max_forward_kmh
        wanted = self._base_kmh(snap) + delta_kmh
        self._asked = (self.frame.seq, min(max(wanted, snap.start_speed_kmh), cap))  # as the controller clamps
        if delta_kmh > 0 and wanted > cap + 1e-6:
            self.say(f"Speed held at {cap:.1f} km/h: the {snap.profile} profile's cap {WORDS_UPPER.get(way, '')}"
                     .rstrip() + ".", "warn")
        elif delta_kmh < 0 and wanted < snap.start_speed_kmh - 1e-6:
            self.say(f"Speed held at {snap.start_speed_kmh:.1f} km/h: the lowest the belt runs ({snap.profile} "
                     "profile). X stops.", "warn")

    def action_theme(self) -> None:
        """Switch between the standard colours and the colour-blind-safe ones; remembered."""
        self.colours = THEMES[(THEMES.index(self.colours) + 1) % len(THEMES)]
        self.set_class(self.colours == "colour-safe", "-colour-safe")
        problem = save_theme(self.settings_path, self.colours)
        self.say(f"Colours: {self.colours}" + (f" (not remembered: {problem})" if problem else "."), "info")
