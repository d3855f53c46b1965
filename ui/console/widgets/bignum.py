"""Large numbers for across-the-room reading: a 3 x 5 pixel font drawn with half blocks and
scaled to the room the widget has (3, 5 or 10 rows tall), with optional lines beside it."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FONT = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ".": (".", ".", ".", ".", "#"),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("..", "..", "..", "..", ".."),
}
HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
SCALES = (4, 2, 1)  # pixel size in half-block rows: 10, 5 or 3 text rows tall


def rows_for(scale: int) -> int:
    return (5 * scale + 1) // 2


def render_number(value: str, scale: int) -> list[str]:
    """`value` as text rows: each font pixel is `scale` half-rows tall and `scale` columns wide."""
    pixels: list[str] = [""] * (5 * scale)
    for i, char in enumerate(value):
        glyph = FONT.get(char, FONT[" "])
        for row in range(5):
            line = "".join(px * scale for px in glyph[row]) + ("." * scale if i < len(value) - 1 else "")
            for sub in range(scale):
                pixels[row * scale + sub] += line
    if len(pixels) % 2:
        pixels.append("." * len(pixels[0]))
    return ["".join(HALF[(top[c] == "#", bottom[c] == "#")] for c in range(len(top)))
            for top, bottom in zip(pixels[0::2], pixels[1::2], strict=True)]


def width_for(value: str, scale: int) -> int:
    return sum(len(FONT.get(c, FONT[" "])[0]) * scale for c in value) + scale * (len(value) - 1)


class BigNumber(Widget):
    """`value` in the largest scale that fits; `side` lines are drawn to its right."""

    value: reactive[str] = reactive("")
    side: reactive[tuple] = reactive(())

    def render(self) -> Text:
        height, width = self.content_size.height, self.content_size.width
        side_width = max((len(line) for line in self.side), default=0) + 2
        scale = next((s for s in SCALES if rows_for(s) <= height and width_for(self.value, s) + side_width <= width),
                     1)
        rows = render_number(self.value, scale)
        text = Text(no_wrap=True, overflow="crop")
        style = self.rich_style
        for i in range(max(len(rows), len(self.side))):
            if i:
                text.append("\n")
            text.append(rows[i] if i < len(rows) else " " * len(rows[0]), style=style)
            if i < len(self.side):
                side = self.side[i]
                text.append("  ")
                text.append(side if isinstance(side, Text) else Text(side))
        return text
