"""A live chart of target vs measured belt speed, and the heart rate, drawn with braille dots
(2 x 4 per cell).

The measured line takes the colour of the belt's direction (green forward, amber reverse; blue
and orange in the colour-blind-safe theme), the target is a dim line, so the two can be told
apart without a legend. The heart rate is a pink line on its own scale (right axis), broken
where there was no valid reading (a lost signal is a gap, never a low value), with its
reference dotted: an HR-guided step's target, else the limit. One sample per half second (the
engine's chart rate), one dot column per sample: a cell is one second wide. The border's title
names the speed lines, its subtitle the heart's.
"""

from __future__ import annotations

import math
from collections import deque

from rich.text import Text
from textual.widget import Widget

from ui.braille import Canvas

MAX_SAMPLES = 1200
AXIS_WIDTH = 5  # left: km/h
HR_AXIS_WIDTH = 4  # right: bpm
HR_SPAN_MIN_BPM = 40  # the heart's scale spans at least this, in steps of HR_STEP_BPM
HR_STEP_BPM = 10
LIMIT_NEAR_BPM = 30  # the limit's line is drawn once the heart rate comes this close to it
STYLES = {"target": "grey62", "forward": "bold green", "reverse": "bold dark_orange", "none": "bold white",
          "heart": "bold #f06292", "reference": "#f06292"}
#: the colour-blind-safe theme's (the App's class -colour-safe): blue forward, orange reverse
SAFE_STYLES = {**STYLES, "forward": "bold #56b4e9", "reverse": "bold #e69f00"}
#: where two lines share a cell, the colour of the first here
PRIORITY = ("measured", "heart", "target", "reference")
RANK = {series: rank for rank, series in enumerate(PRIORITY)}
TITLE = "Speed km/h: target ┄ measured ━"


class SpeedChart(Widget):
    """Keeps the last samples (t_s, target_kmh, belt_kmh, direction, heart_rate_bpm|None) and
    draws them; `reference(bpm, what)` sets the heart's dotted line (None: none)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.samples: deque[tuple] = deque(maxlen=MAX_SAMPLES)
        self.reference_bpm: float | None = None
        self.reference_what = ""

    def on_mount(self) -> None:
        self.border_title = TITLE
        self._subtitle()

    def add(self, samples) -> None:
        if samples:
            self.samples.extend(samples)
            self._subtitle()
            self.refresh()

    def reference(self, bpm: float | None, what: str) -> None:
        """The heart's dotted line: 'limit' or 'target' at `bpm`, or None."""
        if (bpm, what) != (self.reference_bpm, self.reference_what):
            self.reference_bpm, self.reference_what = bpm, what
            self._subtitle()
            self.refresh()

    def _drawn_reference(self, values: list[float]) -> float | None:
        """The reference to draw: a target always, a limit once the heart rate comes within
        LIMIT_NEAR_BPM of it (before that it would only flatten the heart's line)."""
        ref = self.reference_bpm
        if ref is None or not values:
            return None
        if self.reference_what == "limit" and max(values) < ref - LIMIT_NEAR_BPM:
            return None
        return ref

    def _subtitle(self) -> None:
        values = [bpm for p in self.samples if (bpm := _hr(p)) is not None]
        ref = self._drawn_reference(values[-2 * self.size.width:] if self.size.width else values)
        note = f" · {self.reference_what} ┈ {ref:.0f}" if ref is not None else ""
        self.border_subtitle = f"heart bpm ━ right{note}"

    def render(self) -> Text:
        width = max(1, self.content_size.width - AXIS_WIDTH - HR_AXIS_WIDTH)
        height = max(1, self.content_size.height)
        points = list(self.samples)[-2 * width:]
        top_kmh = math.ceil(max([2.0] + [max(p[1], p[2]) for p in points]))
        hr_lo, hr_hi = self._hr_scale(points)
        plot = Canvas(width, height)
        plot.line([p[1] / top_kmh for p in points], lambda i: STYLES["target"], RANK["target"])
        styles = SAFE_STYLES if self.app.has_class("-colour-safe") else STYLES
        plot.line([p[2] / top_kmh for p in points], lambda i: styles.get(points[i][3], styles["none"]),
                  RANK["measured"])
        if hr_lo is not None:
            span = hr_hi - hr_lo
            plot.line([None if _hr(p) is None else (_hr(p) - hr_lo) / span for p in points],
                      lambda i: STYLES["heart"], RANK["heart"])
            ref = self._drawn_reference([bpm for p in points if (bpm := _hr(p)) is not None])
            if ref is not None:
                level = (ref - hr_lo) / span
                plot.line([level if i % 4 < 2 else None for i in range(2 * width)],
                          lambda i: STYLES["reference"], RANK["reference"])
        return plot.text(lambda row: _left(row, height, top_kmh), lambda row: _right(row, height, hr_lo, hr_hi),
                         STYLES["heart"])

    def _hr_scale(self, points) -> tuple[int | None, int | None]:
        """The heart's scale in whole tens around what is shown, its reference included."""
        values = [bpm for p in points if (bpm := _hr(p)) is not None]
        if not values:
            return None, None
        if (ref := self._drawn_reference(values)) is not None:
            values.append(ref)
        lo = math.floor((min(values) - 5) / HR_STEP_BPM) * HR_STEP_BPM
        hi = math.ceil((max(values) + 5) / HR_STEP_BPM) * HR_STEP_BPM
        return lo, max(hi, lo + HR_SPAN_MIN_BPM)


def _hr(point) -> float | None:
    return point[4] if len(point) > 4 else None


def _left(row: int, height: int, top_kmh: int) -> str:
    return f"{top_kmh:>4} " if row == 0 else f"{0:>4} " if row == height - 1 else " " * AXIS_WIDTH


def _right(row: int, height: int, lo: int | None, hi: int | None) -> str:
    if lo is None or row not in (0, height - 1):
        return " " * HR_AXIS_WIDTH
    return f" {hi if row == 0 else lo:<3}"

