"""The trace sink: JSON Lines, DESIGN.md's `--trace FILE` format.

One object per tick and one per event. Tick lines are formatted by hand rather than with
json.dumps: a 60-minute run writes 180,000 of them and this is most of the cost of --fast.
Events are rare and go through json.dumps.
"""

from __future__ import annotations

import json
from typing import IO, Any

_BOOL = {True: "true", False: "false"}
# Per tick, `Direction._value_` (a plain attribute) stands in for `.value` (a slow descriptor)
# and for a dict lookup (Enum.__hash__ is Python code).


def _jsonable(value: Any) -> Any:
    return getattr(value, "value", value)  # enums -> their value


class TraceSink:
    """Writes one session's trace to `stream`; times relative to `t0_s`. Closes the stream if it owns it."""

    def __init__(self, stream: IO[str], t0_s: float = 0.0, *, owns_stream: bool = False) -> None:
        self.stream = stream
        self.t0_s = t0_s
        self._write = stream.write
        self._owns_stream = owns_stream
        # The interlocks' part of a tick line, formatted again only when a flag changes (rare)
        self._flags: list[bool] | None = None
        self._flags_text = ""

    def on_event(self, event: dict[str, Any]) -> None:
        record = {key: _jsonable(value) for key, value in event.items()}
        record["t"] = round(record["t"] - self.t0_s, 4)
        self._write(json.dumps(record, separators=(",", ":")) + "\n")

    def on_tick(self, v) -> None:
        state, target_kmh, step_index, step_count, flags, last = v.trace_values
        command = v.command
        if flags != self._flags:
            key, fall, comms_ok, drive_ok = flags
            self._flags = list(flags)
            self._flags_text = (f'"interlocks":{{"safety_key":{_BOOL[key]},"fall_stop":{_BOOL[fall]},'
                                f'"drive_comms":{_BOOL[comms_ok]},"drive_ok":{_BOOL[drive_ok]}}}}}\n')
        belt_kmh = last.belt_kmh if last is not None else 0.0
        hr = v.heart_rate_bpm  # a valid reading (S13), else null
        hr_text = "null" if hr is None else f"{hr:.0f}"
        self._write(
            f'{{"t":{v.now_s - self.t0_s:.3f},"state":"{state}","direction":"{command.direction._value_}",'
            f'"target_kmh":{target_kmh:.3f},"command_kmh":{command.speed_kmh:.3f},'
            f'"belt_kmh":{belt_kmh:.3f},"incline_pct":{command.incline_pct:.2f},'
            f'"step":{step_index if step_index < step_count else "null"},'
            f'"heart_rate_bpm":{hr_text},{self._flags_text}'
        )

    def close(self) -> None:
        if self._owns_stream:
            self.stream.close()
