"""A live chart of target vs measured belt speed, drawn with braille dots (2 x 4 per cell).

The measured line takes the colour of the belt's direction (green forward, amber reverse), the
target is a dim line, so the two can be told apart without a legend. One sample per half
second (the engine's chart rate), one dot column per sample: a cell is one second wide.
"""

from __future__ import annotations

import math
from collections import deque

from rich.text import Text
from textual.widget import Widget

BRAILLE_BASE = 0x2800
#: bit of the dot at (column 0..1, row 0..3) of a braille cell
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
MAX_SAMPLES = 1200
AXIS_WIDTH = 5
STYLES = {"target": "grey62", "forward": "bold green", "reverse": "bold dark_orange", "none": "bold white"}


class SpeedChart(Widget):
    """Keeps the last samples (t_s, target_kmh, belt_kmh, direction) and draws them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.samples: deque[tuple[float, float, float, str]] = deque(maxlen=MAX_SAMPLES)

    def on_mount(self) -> None:
        self.border_title = "Speed km/h: target ┄ measured ━"

    def add(self, samples) -> None:
        if samples:
            self.samples.extend(samples)
            self.refresh()

    def render(self) -> Text:
        width = max(1, self.content_size.width - AXIS_WIDTH)
        height = max(1, self.content_size.height)
        points = list(self.samples)[-2 * width:]
        top_kmh = max([2.0] + [max(p[1], p[2]) for p in points])
        top_kmh = math.ceil(top_kmh)
        rows_px = 4 * height
        cells = [[0] * width for _ in range(height)]
        colour = [[""] * width for _ in range(height)]

        def y_px(kmh: float) -> int:
            return min(rows_px - 1, max(0, round((1 - kmh / top_kmh) * (rows_px - 1))))

        for series, index in (("target", 1), ("measured", 2)):
            previous = None
            for i, point in enumerate(points):
                y = y_px(point[index])
                lo, hi = (y, y) if previous is None else (min(y, previous), max(y, previous))
                previous = y
                col, sub = divmod(i, 2)
                style = STYLES["target"] if series == "target" else STYLES.get(point[3], STYLES["none"])
                for yy in range(lo, hi + 1):
                    row, dot = divmod(yy, 4)
                    cells[row][col] |= DOT_BITS[sub][dot]
                    if series != "target" or not colour[row][col]:
                        colour[row][col] = style
        text = Text(no_wrap=True)
        for row in range(height):
            if row == 0:
                label = f"{top_kmh:>4} "
            elif row == height - 1:
                label = f"{0:>4} "
            else:
                label = "     "
            text.append(label, style="dim")
            for col in range(width):
                bits = cells[row][col]
                text.append(chr(BRAILLE_BASE + bits) if bits else " ", style=colour[row][col] or None)
            if row != height - 1:
                text.append("\n")
        return text
