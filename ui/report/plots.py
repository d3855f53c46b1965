"""The report's progress plots: matplotlib figures (no pyplot, so no GUI backend and no global
figure state), each rendered to SVG and embedded in the page as a data: URI."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import Any

# A4 portrait at 15 mm margins leaves 180 mm: two plots side by side at 88 mm each
WIDTH_IN, HEIGHT_IN = 3.45, 2.35
MAX_LABELS = 7  # session labels on the x axis; more sessions get every n-th label
FORWARD_COLOUR, BACKWARD_COLOUR = "#4d7ea8", "#c0504d"
_RC = {"svg.hashsalt": "retrotread", "font.size": 7.5, "axes.titlesize": 8.5, "axes.spines.top": False,
       "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 7,
       "legend.frameon": False}


@dataclass(frozen=True)
class Plot:
    """One rendered plot: its title, its SVG as a data: URI, its size in CSS pixels."""

    title: str
    data_uri: str
    width_px: int
    height_px: int


def progress_plots(rows: list[dict[str, Any]]) -> list[Plot]:
    """The progress plots for `rows` (one per session, oldest first; keys of page.progress_row)."""
    from matplotlib import rc_context

    with rc_context(_RC):
        return [
            _series_plot(rows, "Minutes walked backward", "min", [("backward_min", "backward", BACKWARD_COLOUR)]),
            _series_plot(rows, "Mean speed backward", "km/h", [("backward_kmh", "backward", BACKWARD_COLOUR)]),
            _distance_plot(rows),
            _series_plot(rows, "Heart rate", "bpm", [("hr_avg_bpm", "average", "#8064a2"),
                                                     ("hr_max_bpm", "maximum", "#c0504d")]),
            _series_plot(rows, "Effort (RPE, Borg CR10) and pain (0-10)", "0-10",
                         [("rpe", "RPE", "#f79646"), ("pain", "pain", "#7f7f7f")], y_range=(0, 10)),
        ]


def _figure():
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")


def _series_plot(rows, title: str, unit: str, series, y_range: tuple[float, float] | None = None) -> Plot:
    """Lines with markers over the sessions; a session without a value leaves a gap."""
    figure = _figure()
    axes = figure.add_subplot()
    positions = range(len(rows))
    for key, label, colour in series:
        values = [math.nan if row[key] is None else row[key] for row in rows]
        axes.plot(positions, values, marker="o", markersize=3.5, linewidth=1.4, color=colour, label=label)
    axes.set_ylabel(unit)
    if y_range:
        axes.set_ylim(y_range[0] - 0.3, y_range[1] + 0.3)
    else:  # from 0, with room above the highest point (autoscale puts equal values on the edge)
        highest = max((row[key] for key, _, _ in series for row in rows if row[key] is not None), default=0)
        axes.set_ylim(0, highest * 1.15 if highest > 0 else 1)
    if len(series) > 1:
        axes.legend(loc="best")
    return _finish(figure, axes, rows, title)


def _distance_plot(rows) -> Plot:
    """Distance per session, forward and backward stacked."""
    figure = _figure()
    axes = figure.add_subplot()
    positions = range(len(rows))
    forward = [row["forward_m"] for row in rows]
    axes.bar(positions, forward, color=FORWARD_COLOUR, label="forward", width=0.7)
    axes.bar(positions, [row["backward_m"] for row in rows], bottom=forward, color=BACKWARD_COLOUR,
             label="backward", width=0.7)
    axes.set_ylabel("m")
    axes.legend(loc="best")
    return _finish(figure, axes, rows, "Distance (belt, both directions)")


def _finish(figure, axes, rows, title: str) -> Plot:
    axes.set_title(title, loc="left")
    step = max(1, math.ceil(len(rows) / MAX_LABELS))
    ticks = list(range(0, len(rows), step))
    axes.set_xticks(ticks, [rows[i]["label"] for i in ticks])
    axes.set_xlim(-0.6, len(rows) - 0.4)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue().encode("utf-8")
    return Plot(title, "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
                round(WIDTH_IN * 96), round(HEIGHT_IN * 96))
