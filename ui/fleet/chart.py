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

BRAILLE_BASE = 0x2800
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))  # (column, row) of a braille cell
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
        grid = _Grid(width, height)
        grid.line([(i, p[1] / top_kmh) for i, p in enumerate(points)], lambda _i: STYLES["target"])
        grid.line([(i, (p[4] - low_bpm) / (high_bpm - low_bpm)) if p[4] is not None else (i, None)
                   for i, p in enumerate(points)], lambda _i: STYLES["heart"])
        grid.line([(i, p[2] / top_kmh) for i, p in enumerate(points)],
                  lambda i: STYLES.get(points[i][3], STYLES["none"]))
        left = {0: f"{top_kmh:>4} ", height - 1: f"{0:>4} "}
        right = {0: f" {high_bpm:<4}", height - 1: f" {low_bpm:<4}"} if beats else {}
        return grid.text(left, right)


class _Grid:
    """Braille cells; a line is drawn dot column by dot column, joined vertically."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.style = [[""] * width for _ in range(height)]

    def line(self, points: list[tuple[int, float | None]], style_of) -> None:
        rows_px, previous = 4 * self.height, None
        for i, fraction in points:
            if fraction is None:  # no valid reading: a gap, never a low value
                previous = None
                continue
            y = min(rows_px - 1, max(0, round((1 - fraction) * (rows_px - 1))))
            low, high = (y, y) if previous is None else (min(y, previous), max(y, previous))
            previous = y
            column, sub = divmod(i, 2)
            for yy in range(low, high + 1):
                row, dot = divmod(yy, 4)
                self.bits[row][column] |= DOT_BITS[sub][dot]
                self.style[row][column] = style_of(i)

    def text(self, left: dict[int, str], right: dict[int, str]) -> Text:
        text = Text(no_wrap=True)
        for row in range(self.height):
            text.append(left.get(row, " " * AXIS), style="dim")
            for column in range(self.width):
                bits = self.bits[row][column]
                text.append(chr(BRAILLE_BASE + bits) if bits else " ", style=self.style[row][column] or None)
            text.append(right.get(row, ""), style="dim")
            if row != self.height - 1:
                text.append("\n")
        return text
