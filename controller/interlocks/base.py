"""The one shape every interlock has, and the verdict it gives (`Trip`).

An interlock is a class in its own module, listed once in `controller/interlocks/registry.py`.
Its class attributes say what it is (name, console label, causes and their severities, trace
key, when it is checked, whether it blocks a start or a reset); `from_setup` builds the
session's instance from the config, or returns None where it is not fitted. Each tick the
controller calls `check(view)` on a read-only view of itself; reset and start ask
`still_present(view)`; the console's panel shows `panel(view)`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Mapping, Protocol

if TYPE_CHECKING:
    from controller.limits import SiteConfig
    from drivers.base import Direction, DriveStatus


class Severity(enum.Enum):
    ESTOP = "estop"  # a person may be at risk: category-1 stop, latched
    FAULT = "fault"  # the machine is not trustworthy: same stop, latched as a fault
    STOP = "safety_stop"  # the person needs a rest (S13): a controlled stop, normal deceleration, not latched


@dataclass(frozen=True, slots=True)
class Trip:
    """One interlock's verdict: which cause, how severe, and a sentence for the operator."""

    cause: str  # stable id: "safety_key", "fall_stop", "drive_comms", "drive_fault", ...
    severity: Severity
    reason: str


class Phase(enum.Enum):
    """When in the tick an interlock is checked; within a phase, in the order of the registry."""

    EXCHANGE = "exchange"  # every tick, before the fresh status is taken: it judges the exchange itself
    STATUS = "status"  # every tick that brought a status, before the operator commands
    AFTER_COMMANDS = "after_commands"  # after this tick's operator commands, which feed it


class Reset(enum.Enum):
    """What a reset (S7) asks of an interlock's `still_present`."""

    NEVER = "never"  # nothing outlives the latch (timers are cleared with it)
    IF_LATCHED = "if_latched"  # asked when one of its causes is latched, in order of arrival
    ALWAYS = "always"  # asked at every reset: exchange-phase ones first, the others last


@dataclass(frozen=True, slots=True)
class Setup:
    """What an interlock may be built from: the site's config and the session's options."""

    site: SiteConfig
    now_s: float
    ui_heartbeat_timeout_s: float | None = None
    #: Where the heart rate comes from (S13): "status" (the drive's, e.g. the simulated person),
    #: "fed" (a strap the session host reads, `Controller.feed_heart_rate`) or "none".
    hr_input: str = "status"


class TickView(Protocol):
    """What an interlock reads of the controller on a tick. It never writes to it."""

    @property
    def now_s(self) -> float: ...
    @property
    def status(self) -> DriveStatus | None:  # this tick's, or the last one before it
        ...
    @property
    def exchange_ok(self) -> bool:  # this tick's read and the last write both succeeded
        ...
    @property
    def state(self) -> str:  # now (a trip earlier in the tick may have changed it)
        ...
    @property
    def interlock_state(self) -> str:  # as this tick's status checks began: what each one judges
        ...
    @property
    def direction(self) -> Direction: ...
    @property
    def travel_direction(self) -> Direction: ...
    @property
    def command_kmh(self) -> float: ...
    @property
    def latched(self) -> Mapping[str, str]:  # cause -> reason, in order of arrival
        ...
    @property
    def raw_heart_rate_bpm(self) -> float | None:  # this tick's reading, not yet judged (S13)
        ...
    @property
    def hr_input(self) -> str:  # where the heart rate comes from: "status", "fed" or "none"
        ...
    @property
    def max_hr_bpm(self) -> float | None:  # the effective heart-rate limit, or None
        ...
    @property
    def hr_guided(self) -> bool:  # the current step is HR-guided
        ...


class Interlock:
    """The shape of every interlock. Subclasses set the class attributes and `check`."""

    name: ClassVar[str]  # the key of the snapshot's `interlocks` and of the console's label
    label: ClassVar[str | None] = None  # the console's words; None: not shown on the panel
    causes: ClassVar[Mapping[str, Severity]]  # every cause id it trips with, and how severe
    trace_key: ClassVar[str | None] = None  # its flag in the trace's `interlocks`, if any
    phase: ClassVar[Phase] = Phase.STATUS
    blocks_start: ClassVar[bool] = False  # a start is refused while `still_present`
    blocks_reset: ClassVar[Reset] = Reset.NEVER
    #: The drive's own fault-reset can clear it: while it alone is left, a reset pulses that.
    cleared_by_drive_reset: ClassVar[bool] = False
    #: The states (as the tick's status checks began, `interlock_state`) in which `check` can
    #: do anything; None: all. In the others `check` must return None and change nothing, so
    #: the controller skips the call there (the order of the rest is unchanged).
    acts_in: ClassVar[tuple[str, ...] | None] = None
    #: It reports events of its own (e.g. hr_warning): the controller binds `bind_events(emit)`.
    emits_events: ClassVar[bool] = False

    __slots__ = ("trace_flags", "trace_slot")

    def __init__(self) -> None:
        self.trace_flags: list[bool] = []  # Controller.interlock_flags, bound by `bind_trace`
        self.trace_slot = 0

    @classmethod
    def from_setup(cls, setup: Setup) -> Interlock | None:
        """This session's instance, or None where the interlock is not fitted."""
        return cls()

    def bind_trace(self, flags: list[bool], slot: int) -> None:
        """`check` writes its flag to flags[slot] every tick it runs (no allocation). Until
        then the flag reads False: no status, nothing known to be OK."""
        self.trace_flags = flags
        self.trace_slot = slot
        flags[slot] = False

    def check(self, view: TickView) -> Trip | None:
        """This tick's verdict: None when all is well."""
        raise NotImplementedError

    def still_present(self, view: TickView) -> str | None:
        """Why a start or a reset must wait (what to do about it), or None."""
        return None

    def panel(self, view: TickView) -> tuple[bool, str]:
        """(ok, why not) for the console's interlock panel."""
        if self.phase is Phase.STATUS and view.status is None:
            return (False, "no status")
        reason = self.still_present(view)
        return (reason is None, reason or "")

    def clear(self) -> None:
        """The latch was cleared: forget the timers of the stop that is over."""
