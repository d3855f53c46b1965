"""Braille plotting, 2 x 4 dots per terminal cell: the console's chart and the fleet's detail view
draw their lines on this one canvas.

A line is a sequence of levels 0..1, one per dot column (two per cell); None is a gap (a lost
heart-rate signal is a gap, never a low value). Consecutive dots are joined vertically. Where
lines share a cell it takes the colour of the line with the lowest rank; on equal ranks, the
one drawn first.
"""

from __future__ import annotations

from typing import Callable, Sequence

from rich.text import Text

BRAILLE_BASE = 0x2800
#: bit of the dot at (column 0..1, row 0..3) of a braille cell
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


class Canvas:
    """`width` x `height` cells of braille dots, each cell with one colour."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[0] * width for _ in range(height)]
        self.colour = [[""] * width for _ in range(height)]
        self.rank = [[1 << 30] * width for _ in range(height)]

    def line(self, levels: Sequence[float | None], style_of: Callable[[int], str], rank: int = 0) -> None:
        """Draw levels (0 bottom, 1 top; None a gap); `style_of(i)` is dot column i's colour."""
        rows_px = 4 * self.height
        previous = None
        for i, level in enumerate(levels[: 2 * self.width]):
            if level is None:
                previous = None
                continue
            y = min(rows_px - 1, max(0, round((1 - level) * (rows_px - 1))))
            lo, hi = (y, y) if previous is None else (min(y, previous), max(y, previous))
            previous = y
            col, sub = divmod(i, 2)
            for yy in range(lo, hi + 1):
                row, dot = divmod(yy, 4)
                self.cells[row][col] |= DOT_BITS[sub][dot]
                if rank < self.rank[row][col]:
                    self.rank[row][col] = rank
                    self.colour[row][col] = style_of(i)

    def text(self, left: Callable[[int], str], right: Callable[[int], str], right_style: str | None = "dim") -> Text:
        """The cells as rich Text, each row between its `left(row)` and `right(row)` labels."""
        text = Text(no_wrap=True)
        for row in range(self.height):
            text.append(left(row), style="dim")
            for col in range(self.width):
                bits = self.cells[row][col]
                text.append(chr(BRAILLE_BASE + bits) if bits else " ", style=self.colour[row][col] or None)
            label = right(row)
            text.append(label, style=right_style if label.strip() else None)
            if row != self.height - 1:
                text.append("\n")
        return text
