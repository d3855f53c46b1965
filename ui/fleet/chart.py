"""The detail view's chart: the belt speed and the target over the last minutes, drawn with
braille dots (2 x 4 per cell), one dot column per half second; the heart rate, when there is
one, on its own scale down the right. The measured speed takes the colour of the belt's
direction (green forward, amber reverse), the target is dim, the heart rate pink: the
console's colours (its chart draws from the engine; this one from the telemetry history).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

from ui.braille import Canvas

AXIS = 5
STYLES = {"target": "grey62", "forward": "bold green", "reverse": "bold dark_orange", "none": "bold white",
          "heart": "bold #f06292"}


class FleetChart(Widget):
    """Draws `samples`: (t_s, target_kmh, belt_kmh, direction, heart_rate_bpm or None)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.samples: list[tuple] = []

    def on_mount(self) -> None:
        self.border_title = "Speed km/h: target ┄ measured ━"
        self.border_subtitle = "heart bpm (right)"

    def show(self, samples: list[tuple]) -> None:
        self.samples = samples
        self.refresh()

    def render(self) -> Text:
        width = max(1, self.content_size.width - 2 * AXIS)
        height = max(1, self.content_size.height)
        points = self.samples[-2 * width:]
        top_kmh = math.ceil(max([2.0] + [max(p[1], p[2]) for p in points]))
        beats = [p[4] for p in points if p[4] is not None]
        low_bpm, high_bpm = (10 * (min(beats) // 10), 10 * math.ceil(max(beats) / 10 + 0.01)) if beats else (0, 1)
        grid = Canvas(width, height)  # a shared cell: measured over heart over target
        grid.line([p[2] / top_kmh for p in points], lambda i: STYLES.get(points[i][3], STYLES["none"]), rank=0)
        grid.line([None if p[4] is None else (p[4] - low_bpm) / (high_bpm - low_bpm) for p in points],
                  lambda _i: STYLES["heart"], rank=1)
        grid.line([p[1] / top_kmh for p in points], lambda _i: STYLES["target"], rank=2)
        left = {0: f"{top_kmh:>4} ", height - 1: f"{0:>4} "}
        right = {0: f" {high_bpm:<4}", height - 1: f" {low_bpm:<4}"} if beats else {}
        return grid.text(lambda row: left.get(row, " " * AXIS), lambda row: right.get(row, ""))
