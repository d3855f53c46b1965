"""A stored session's trace thinned for a plot: one sample a second of the measured belt.

Only one tick line in `every` is parsed (a recorded hour is 180,000 lines; a plot wants a few
thousand points at most), and events are skipped unparsed. A belt still turning after its
drive let go (ramping down after an e-stop, a reversal's dwell: the trace's direction `none`)
keeps the direction it was last driven in, as the exports count it.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ui.session.records.store import Store

TICKS_PER_SAMPLE = 50  # one a second at 50 Hz
MOVING_KMH = 0.05  # the summary's standstill


class Sample(NamedTuple):
    t_s: float
    belt_kmh: float
    direction: str  # forward, reverse or none (at rest)
    heart_rate_bpm: float | None


def trace_samples(store: Store, session_id: str, every: int = TICKS_PER_SAMPLE) -> list[Sample]:
    """The session's belt (and heart rate) every `every` ticks, in order."""
    samples: list[Sample] = []
    driven = "none"
    n = 0
    for line in store.trace(session_id).lines():
        if '"event"' in line:
            continue
        # the direction by a look at the text (every tick); the rest parsed for the samples only
        if '"direction":"forward"' in line:
            driven = "forward"
        elif '"direction":"reverse"' in line:
            driven = "reverse"
        if n % every == 0:
            tick = json.loads(line)
            belt_kmh = tick["belt_kmh"]
            samples.append(Sample(tick["t"], belt_kmh, driven if belt_kmh > MOVING_KMH else "none",
                                  tick.get("heart_rate_bpm")))
        n += 1
    return samples
