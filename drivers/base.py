"""The drive contract: the one interface between the controller and a motor drive.

Every backend (the simulator, Modbus TCP/RTU, a treadmill's serial line) implements
`Drive`, and the controller imports nothing else from `drivers/`.

Lifecycle
---------
1. ``drive = open_drive(url)``  -- builds the object; no I/O yet.
2. ``await drive.open()``       -- connects and configures the drive: sets and reads back
   the drive's own comm-loss timeout (S9) so that a dead controller still stops the belt,
   and, when built with ``estop_decel_mps2``, the deceleration of the drive's own quick stop
   (S5: the stop of an e-stop, and of the comm-loss reaction), read back into
   `stop_decel_mps2`. A comm-loss fault the drive latched after the previous session is
   reset here if the belt stands still (noted in `notices`); any other fault is left for
   the controller to refuse. Raises `DriveConfigError` if the drive refuses (or cannot reach
   the wanted deceleration), `DriveCommsError` if it does not answer.
3. ``await drive.read()``       -- one `DriveStatus` per control tick.
4. ``await drive.write(cmd)``   -- one `DriveCommand` per control tick (at least every 200 ms,
   which keeps the drive's watchdog fed).
5. ``await drive.close()``      -- stops and disables the drive if it can, then releases the
   connection. The stop is the one the last command asked for when that was a quick stop or
   coast (a latched e-stop is never softened into a ramp stop), else a ramp stop. Safe to
   call more than once and after a failed open.

`read` and `write` raise `DriveCommsError` on a timeout, a garbled or missing reply, or a
lost connection; they never block for longer than about one control period. The
controller treats a failed read as "no news" and latches a comms fault once the drive has
been silent for the comms timeout.

Beyond the contract, and declared here as protocols that callers check with `isinstance`:
an in-process drive that never waits (the simulator) is an `ImmediateDrive`, with synchronous
twins of `read`, `write` and `configure_stop`, which the control loop uses so that simulated
time costs no event-loop round trips; a drive with a simulated world behind it is
`Injectable`: world events can be injected and the world looked at.

Units are in the names. Direction is an enum everywhere, never the sign of a speed
(a negative speed command once made a real treadmill accelerate).
"""

from __future__ import annotations

import abc
import enum
from typing import Any, NamedTuple, Protocol, runtime_checkable


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

    #: The deceleration (m/s^2) of the drive's own quick stop as configured at `open()` and
    #: read back (S5, S11); None when this drive's stop deceleration cannot be written (its
    #: profile says so, and the driver logged it at open).
    stop_decel_mps2: float | None = None

    #: Things the driver did at `open()` that the session should record (one line each),
    #: e.g. the reset of a comm-loss fault left latched by the previous session.
    notices: tuple[str, ...] = ()

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and configure (including the drive's comm-loss watchdog)."""

    @abc.abstractmethod
    async def read(self) -> DriveStatus:
        """Return the drive's current status, or raise DriveCommsError."""

    @abc.abstractmethod
    async def write(self, command: DriveCommand) -> None:
        """Send one command, or raise DriveCommsError."""

    async def configure_stop(self, decel_mps2: float) -> float | None:
        """Write the deceleration of the drive's own quick stop (and comm-loss reaction) and
        read it back (S5); returns it as the drive now holds it (m/s^2, after the drive's
        rounding), also kept in `stop_decel_mps2`. Call only while the belt stands still.

        Raises `DriveConfigError` when the drive refuses the value, cannot reach it (naming the
        most it can do) or reads back something else. A drive whose stop deceleration cannot be
        written returns None (its profile says so; the driver logs it once).
        """
        return None

    async def check_stop(self, decel_mps2: float) -> None:
        """Raise `DriveConfigError` (as `configure_stop` would) if the drive's quick stop could
        not be set to `decel_mps2`; writes nothing. A drive whose stop cannot be written has
        nothing to check."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop and disable the drive if it can, then release the connection."""


@runtime_checkable
class ImmediateDrive(Protocol):
    """A drive that never waits (the in-process simulator): synchronous twins of `read`,
    `write` and `configure_stop`, with the same results and errors."""

    def read_now(self) -> DriveStatus:
        """read(), synchronously."""

    def write_now(self, command: DriveCommand) -> None:
        """write(), synchronously."""

    def configure_stop_now(self, decel_mps2: float) -> float | None:
        """configure_stop(), synchronously."""


@runtime_checkable
class Injectable(Protocol):
    """A drive with a simulated world behind it: events (fall, key-out, comms-loss, hr, ...;
    the names are sim/faults.py's) can be injected, and the world looked at."""

    #: The simulated treadmill and person (a sim.world.SimWorld; drivers/ does not import sim/).
    world: Any

    def inject(self, event: str, value: float | None = None) -> None:
        """Make `event` happen in the world now; `value` for events that take one (hr)."""
