"""CSV export (DESIGN.md, "Session records"): one row per second of the session.

Columns: elapsed_s, state, direction, speed_kmh, target_kmh, incline_pct, heart_rate_bpm,
distance_forward_m, distance_backward_m, step, step_name. `direction` is the belt's (forward,
reverse, or none at standstill), `speed_kmh` the measured belt speed, the distances the belt's
running totals per direction; an empty heart_rate_bpm or step means none (docs/exports.md).
"""

from __future__ import annotations

import csv
from typing import Any, Iterable

from ui.export.files import replacing
from ui.export.seconds import TraceSeconds

COLUMNS = ("elapsed_s", "state", "direction", "speed_kmh", "target_kmh", "incline_pct", "heart_rate_bpm",
           "distance_forward_m", "distance_backward_m", "step", "step_name")


def write_csv(summary: dict[str, Any], trace: Iterable[dict[str, Any]], path) -> None:
    """Write the session's trace as one CSV row per second; OSError if `path` cannot be written.

    `summary` is not needed for the rows; it is taken for the same signature as write_fit."""
    rows = TraceSeconds(trace)
    with replacing(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow((
                row.elapsed_s, row.state, row.direction, f"{row.speed_kmh:.3f}", f"{row.target_kmh:.3f}",
                f"{row.incline_pct:.2f}", "" if row.heart_rate_bpm is None else row.heart_rate_bpm,
                f"{row.distance_forward_m:.2f}", f"{row.distance_backward_m:.2f}",
                "" if row.step is None else row.step, row.step_name,
            ))
