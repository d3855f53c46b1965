"""The drive contract: the one interface between the controller and a motor drive.

Every backend (the simulator, Modbus TCP/RTU, a treadmill's serial line) implements
`Drive`, and the controller imports nothing else from `drivers/`.

Lifecycle
---------
1. ``drive = open_drive(url)``  -- builds the object; no I/O yet.
2. ``await drive.open()``       -- connects and configures the drive: sets and reads back
   the drive's own comm-loss timeout (S9) so that a dead controller still stops the belt.
   Raises `DriveConfigError` if the drive refuses, `DriveCommsError` if it does not answer.
3. ``await drive.read()``       -- one `DriveStatus` per control tick.
4. ``await drive.write(cmd)``   -- one `DriveCommand` per control tick (at least every 200 ms,
   which keeps the drive's watchdog fed).
5. ``await drive.close()``      -- stops and disables the drive if it can, then releases the
   connection. Safe to call more than once and after a failed open.

`read` and `write` raise `DriveCommsError` on a timeout, a garbled or missing reply, or a
lost connection; they never block for longer than about one control period. The
controller treats a failed read as "no news" and latches a comms fault once the drive has
been silent for the comms timeout.

An in-process drive that never waits (the simulator) may also offer `read_now()` and
`write_now(cmd)`: synchronous twins of `read` and `write` with the same results and errors.
The control loop uses them when present, so simulated time costs no event-loop round trips.

Units are in the names. Direction is an enum everywhere, never the sign of a speed
(a negative speed command once made a real treadmill accelerate).
"""

from __future__ import annotations

import abc
import enum
from typing import NamedTuple


class Direction(enum.Enum):
    """Belt direction as the walker sees it: reverse means walking backward."""

    NONE = "none"
    FORWARD = "forward"
    REVERSE = "reverse"


class StopMode(enum.Enum):
    """How the drive stops when `DriveCommand.run` is false (IEC 60204-1 categories)."""

    RAMP = "ramp"  # category 2 -> 1: the drive's normal deceleration ramp
    QUICK = "quick"  # category 1: the drive's quick-stop ramp, then disable
    COAST = "coast"  # category 0: remove motor power at once, the belt coasts


class DriveStatus(NamedTuple):
    """What the drive reports in one read. `belt_kmh` is measured and never negative.

    Immutable; a NamedTuple rather than a frozen dataclass because one is built every tick
    and a frozen dataclass costs four times as much to construct.
    """

    belt_kmh: float
    direction: Direction  # measured direction of belt travel; NONE at standstill
    running: bool  # the drive reports its output enabled / running
    fault_code: int = 0  # 0 = no fault; otherwise the drive's own code
    safety_key: bool = True  # True = the magnetic safety key is in place
    fall_stop: bool | None = True  # True = harness/fall-stop switch OK; None = no sensor fitted
    incline_pct: float = 0.0
    heart_rate_bpm: float | None = None


class DriveCommand(NamedTuple):
    """What the controller asks of the drive in one write. `speed_kmh` is never negative."""

    run: bool
    direction: Direction
    speed_kmh: float
    incline_pct: float = 0.0
    stop_mode: StopMode = StopMode.RAMP
    fault_reset: bool = False  # request a drive fault reset (drivers send it as an edge)


STOPPED = DriveCommand(run=False, direction=Direction.NONE, speed_kmh=0.0)


class DriveError(Exception):
    """Base class for drive errors; the message names the device."""


class DriveCommsError(DriveError):
    """The drive did not answer, answered garbage, or the connection is gone."""


class DriveConfigError(DriveError):
    """The drive refused its configuration (e.g. the comm-loss watchdog did not stick)."""


class DriveUrlError(DriveError):
    """A driver URL that cannot be used: unknown scheme, bad host, bad query parameter."""


class Drive(abc.ABC):
    """A motor drive, real or simulated. See the module docstring for the lifecycle."""

    #: A human name for messages, e.g. ``modbus-tcp://127.0.0.1:5020 (delta-ms300)``.
    name: str = "drive"

    #: True only for the in-process simulator, which accepts injected events and fast time.
    simulated: bool = False

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and configure (including the drive's comm-loss watchdog)."""

    @abc.abstractmethod
    async def read(self) -> DriveStatus:
        """Return the drive's current status, or raise DriveCommsError."""

    @abc.abstractmethod
    async def write(self, command: DriveCommand) -> None:
        """Send one command, or raise DriveCommsError."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop and disable the drive if it can, then release the connection."""
