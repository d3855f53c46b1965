"""The injection vocabulary of `retrotread run --inject EVENT@SECONDS` and its schedule.

World events change the simulated treadmill, drive or person (`SimWorld.inject`); operator
events stand for buttons the operator would press and go to the controller's command queue
(their names are the keys of controller.commands.INJECTED_OPS, the one list of them).
`hr:BPM` sets the heart-rate reading (instead of the simulated heart's); `hr-loss` and
`hr-restore` stop and resume the strap's reports. Times are seconds from the start of the run.
`EVENT_NAMES` is the whole vocabulary, for help texts and error messages.

Bad input is refused with one line that names the text and says what is wrong (S12).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from controller.commands import INJECTED_OPS

#: Events that act on the simulated world (see sim/world.py for what each one does).
WORLD_EVENTS = (
    "fall",
    "key-out",
    "key-in",
    "harness-off",
    "harness-on",
    "comms-loss",
    "comms-restore",
    "drive-fault",
    "overspeed",
    "stall",
    "hr-loss",
    "hr-restore",
)

#: Events that stand for the operator's buttons; the runner hands them to the controller.
OPERATOR_EVENTS = tuple(INJECTED_OPS)

#: `hr:BPM` is parsed to event "hr" with the BPM as its value.
HEART_RATE_EVENT = "hr"
HEART_RATE_MIN_BPM = 20.0
HEART_RATE_MAX_BPM = 250.0

#: Every name `--inject` accepts, in the order help texts list them.
EVENT_NAMES = (*WORLD_EVENTS, *OPERATOR_EVENTS, HEART_RATE_EVENT + ":BPM")
_KNOWN = ", ".join(EVENT_NAMES)


@dataclass(frozen=True, slots=True)
class Injection:
    """One scheduled event: at `time_s` (from the start of the run), `event`, optional value."""

    time_s: float
    event: str
    value: float | None = None

    @property
    def is_operator(self) -> bool:
        """True for operator buttons (stop, e-stop, pause, ...), False for world events."""
        return self.event in OPERATOR_EVENTS

    def __str__(self) -> str:
        name = f"hr:{self.value:g}" if self.event == HEART_RATE_EVENT else self.event
        return f"{name}@{self.time_s:g}"


def check_heart_rate_bpm(bpm: float, where: str) -> float:
    """`bpm` if finite and within 20-250, else ValueError prefixed with `where`."""
    if not math.isfinite(bpm) or not HEART_RATE_MIN_BPM <= bpm <= HEART_RATE_MAX_BPM:
        raise ValueError(
            f"{where}: heart rate {bpm:g} is outside "
            f"{HEART_RATE_MIN_BPM:g}-{HEART_RATE_MAX_BPM:g} BPM"
        )
    return bpm


def parse_heart_rate_bpm(text: str, where: str) -> float:
    """A BPM from text, finite and within 20-250; `where` prefixes the error message."""
    try:
        bpm = float(text)
    except ValueError:
        raise ValueError(f"{where}: heart rate {text!r} is not a number") from None
    return check_heart_rate_bpm(bpm, where)


def parse_injection(text: str) -> Injection:
    """Parse `EVENT@SECONDS` (e.g. `fall@30`, `hr:150@12.5`); ValueError with one line if bad."""
    where = f"--inject {text!r}"
    name, at, time_text = text.strip().rpartition("@")
    if not at:
        raise ValueError(f"{where}: expected EVENT@SECONDS, e.g. fall@30")
    name = name.strip()
    time_text = time_text.strip()
    try:
        time_s = float(time_text)
    except ValueError:
        raise ValueError(f"{where}: time {time_text!r} is not a number of seconds") from None
    if not math.isfinite(time_s) or time_s < 0:
        raise ValueError(f"{where}: time {time_text!r} must be a finite number of seconds >= 0")

    if name.startswith(HEART_RATE_EVENT + ":"):
        bpm = parse_heart_rate_bpm(name[len(HEART_RATE_EVENT) + 1:].strip(), where)
        return Injection(time_s, HEART_RATE_EVENT, bpm)
    if name == HEART_RATE_EVENT:
        raise ValueError(f"{where}: heart rate needs a value, e.g. hr:150@{time_text}")
    if name not in WORLD_EVENTS and name not in OPERATOR_EVENTS:
        raise ValueError(f"{where}: unknown event {name!r} (known: {_KNOWN})")
    return Injection(time_s, name, None)


class InjectionSchedule:
    """Injections in time order (stable for equal times), handed out as their time comes."""

    __slots__ = ("_items", "_next")

    def __init__(self, injections: Iterable[Injection] = ()) -> None:
        # sorted() is stable, so `key-out@5 key-in@5` keeps its written order.
        self._items = sorted(injections, key=lambda item: item.time_s)
        self._next = 0

    @classmethod
    def parse(cls, texts: Iterable[str]) -> "InjectionSchedule":
        """A schedule from `EVENT@SECONDS` texts; the first bad one raises ValueError."""
        return cls(parse_injection(text) for text in texts)

    def due(self, now_s: float) -> list[Injection]:
        """Remove and return, in order, every injection whose time is <= `now_s`."""
        items = self._items
        start = self._next
        end = start
        # Called every tick: the common case (nothing due) is one comparison.
        while end < len(items) and items[end].time_s <= now_s:
            end += 1
        if end == start:
            return []
        self._next = end
        return items[start:end]

    @property
    def remaining(self) -> int:
        """How many injections have not been handed out yet."""
        return len(self._items) - self._next

    @property
    def next_time_s(self) -> float | None:
        """When the next injection is due, or None when none is left."""
        if self._next < len(self._items):
            return self._items[self._next].time_s
        return None

    def pending(self) -> list[Injection]:
        """The injections not yet handed out, in order (a copy)."""
        return self._items[self._next:]
