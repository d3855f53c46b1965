"""A past session's speed and heart rate against time, in block characters.

Each column is an equal slice of the session. The speed band's bar is the slice's mean belt
speed, green forward and amber backward (the majority of its moving seconds); the heart-rate
band below is the slice's mean heart rate, pink, left blank where there was no reading (a lost
signal is a gap, never a low value). Scales are in the border title.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ui.session.records.samples import Sample

BLOCKS = " ▁▂▃▄▅▆▇█"
STYLES = {"forward": "bold green", "reverse": "bold dark_orange", "none": "grey50", "heart": "#f06292"}
HR_ROWS = 3


class HistoryPlot(Widget):
    """`show(samples)` draws them; `show_error(text)` says why there is nothing to draw."""

    DEFAULT_CSS = "HistoryPlot { height: 12; border: round $panel; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.samples: list[Sample] = []
        self.message = "reading the trace..."

    def show(self, samples: list[Sample]) -> None:
        self.samples = samples
        self.message = "" if samples else "no ticks in the trace"
        top_kmh = max((s.belt_kmh for s in samples), default=0.0)
        hr = [s.heart_rate_bpm for s in samples if s.heart_rate_bpm is not None]
        minutes = samples[-1].t_s / 60 if samples else 0.0
        self.border_title = (f"speed 0-{top_kmh:.1f} km/h (forward green, backward amber)"
                             + (f"; heart {min(hr):.0f}-{max(hr):.0f} bpm" if hr else "; no heart rate"))
        self.border_subtitle = f"0 to {minutes:.1f} min"
        self.refresh()

    def show_error(self, text: str) -> None:
        self.samples = []
        self.message = text
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        if not self.samples or width < 2 or height < HR_ROWS + 2:
            return Text(self.message, style="italic")
        columns = columns_of(self.samples, width)
        speed_rows = height - HR_ROWS
        top_kmh = max((c[0] for c in columns), default=0.0) or 1.0
        hr_values = [c[2] for c in columns if c[2] is not None]
        hr_low, hr_high = (min(hr_values), max(hr_values)) if hr_values else (0.0, 1.0)
        text = Text()
        for row in range(speed_rows):
            for kmh, direction, _ in columns:
                text.append(_block(kmh / top_kmh, speed_rows, row), STYLES[direction])
            text.append("\n")
        for row in range(HR_ROWS):
            for _, _, bpm in columns:
                if bpm is None:
                    text.append(" ")
                else:  # the band's floor is the lowest heart rate shown, so the bars show its changes
                    share = 0.1 + 0.9 * (bpm - hr_low) / (hr_high - hr_low) if hr_high > hr_low else 0.5
                    text.append(_block(share, HR_ROWS, row), STYLES["heart"])
            if row < HR_ROWS - 1:
                text.append("\n")
        return text


def columns_of(samples: list[Sample], width: int) -> list[tuple[float, str, float | None]]:
    """(mean km/h, direction, mean bpm or None) for `width` equal slices of the samples."""
    columns = []
    for column in range(width):
        part = samples[column * len(samples) // width: (column + 1) * len(samples) // width]
        if not part:
            columns.append((0.0, "none", None))
            continue
        moving = [s.direction for s in part if s.direction != "none"]
        direction = max(set(moving), key=moving.count) if moving else "none"
        bpm = [s.heart_rate_bpm for s in part if s.heart_rate_bpm is not None]
        columns.append((sum(s.belt_kmh for s in part) / len(part), direction, sum(bpm) / len(bpm) if bpm else None))
    return columns


def _block(share: float, rows: int, row: int) -> str:
    """The character of `row` (0 at the top) of a bar filling `share` of `rows` rows."""
    eighths = round(max(0.0, min(1.0, share)) * rows * 8)
    filled_below = (rows - 1 - row) * 8
    return BLOCKS[max(0, min(8, eighths - filled_below))]
