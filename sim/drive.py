"""`sim://`: the simulated drive, behind the same `Drive` contract as the real ones.

    sim://                              defaults (seed 0, fall-stop fitted, tether 1.1 m,
                                        a person of average fitness)
    sim://?seed=7&fall_stop=none&tether_m=1.2&fitness=low    (fitness: low, average, high)

Time comes from the injected clock (a `SimClock` for `--fast`, else real time): every read
and write first advances the world to `clock.now_s()`. An injected comms loss makes `read`
and `write` raise `DriveCommsError`, and the commands really do not arrive, so the simulated
drive's own watchdog stops the belt as a real one would (S9).

Beyond the contract, a SimDrive is an `ImmediateDrive` (read_now, write_now,
configure_stop_now) and `Injectable` (inject, world): see drivers/base.py.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from controller.clock import Clock, MonotonicClock
from drivers import parse_query
from drivers.base import (Direction, Drive, DriveCommand, DriveCommsError, DriveConfigError, DriveStatus,
                          DriveUrlError, StopMode)
from sim.physiology import DEFAULT_FITNESS, FITNESS
from sim.world import SimWorld

QUERY_KEYS = {"seed", "fall_stop", "tether_m", "fitness"}
FALL_STOP_VALUES = ("fitted", "none")
TETHER_MIN_M = 0.7  # beyond the person's 0.6 m starting spot, or the key is out at once
TETHER_MAX_M = 1.5  # the deck's length


class SimDrive(Drive):
    """The in-process simulated drive. `world` is the simulated treadmill and person."""

    name = "sim://"

    def __init__(self, world: SimWorld | None = None, clock: Clock | None = None,
                 estop_decel_mps2: float | None = None) -> None:
        self.world = world if world is not None else SimWorld()
        self.clock = clock if clock is not None else MonotonicClock()
        self.estop_decel_mps2 = estop_decel_mps2
        self._last_stop_mode = StopMode.RAMP

    async def open(self) -> None:
        """Nothing to connect; the world's watchdog is configured at construction, the quick
        stop here when asked for (as a real driver writes it at connect)."""
        self.world.advance_to(self.clock.now_s())
        if not self.world.comms_ok:
            raise DriveCommsError(f"{self.name}: no reply (injected comms loss)")
        if self.estop_decel_mps2 is not None:
            self.configure_stop_now(self.estop_decel_mps2)

    async def configure_stop(self, decel_mps2: float) -> float | None:
        return self.configure_stop_now(decel_mps2)

    async def check_stop(self, decel_mps2: float) -> None:
        if (reason := self.world.belt.stop_refusal(decel_mps2)) is not None:
            raise DriveConfigError(f"{self.name}: {reason}")

    def configure_stop_now(self, decel_mps2: float) -> float:
        """configure_stop(), synchronously."""
        if not self.world.comms_ok:
            raise DriveCommsError(f"{self.name}: no reply (injected comms loss)")
        try:
            self.stop_decel_mps2 = self.world.belt.configure_stop(decel_mps2)
        except ValueError as exc:
            raise DriveConfigError(f"{self.name}: {exc}") from None
        return self.stop_decel_mps2

    async def read(self) -> DriveStatus:
        return self.read_now()

    async def write(self, command: DriveCommand) -> None:
        self.write_now(command)

    def read_now(self) -> DriveStatus:
        """read(), synchronously (the simulator never waits)."""
        world = self.world
        world.advance_to(self.clock.now_s())
        if not world.comms_ok:
            raise DriveCommsError(f"{self.name}: no reply (injected comms loss)")
        return world.status()

    def write_now(self, command: DriveCommand) -> None:
        """write(), synchronously."""
        world = self.world
        if not world.comms_ok:
            world.advance_to(self.clock.now_s())
            raise DriveCommsError(f"{self.name}: no reply (injected comms loss)")
        self._last_stop_mode = StopMode.RAMP if command.run else command.stop_mode
        world.apply_command(command, self.clock.now_s())

    async def close(self) -> None:
        """Stop the belt if the drive can still hear us, never more gently than the last stop
        commanded (a latched e-stop stays a quick stop, an escalated one a coast); never raises.

        Like a real drive, the simulated one latches FAULT_COMM_LOSS if it is still ramping
        down when its watchdog time runs out with no further commands.
        """
        stop = DriveCommand(run=False, direction=Direction.NONE, speed_kmh=0.0, stop_mode=self._last_stop_mode)
        self.world.apply_command(stop, self.clock.now_s())

    def inject(self, event: str, value: float | None = None) -> None:
        """Forward a world event (fall, key-out, comms-loss, hr, ...) to the world, now.

        The world is first brought up to the clock, so the event happens at this moment and
        not back at the last read (a fall's sensor delay is measured from here).
        """
        self.world.advance_to(self.clock.now_s())
        self.world.inject(event, value)


def from_url(url: str, *, clock: Clock | None = None, seed: int = 0, site=None, site_file=None,
             estop_decel_mps2: float | None = None) -> SimDrive:
    """Build a SimDrive from `sim://[?seed=N&fall_stop=none|fitted&tether_m=M&fitness=F]`.

    `site` (a controller.limits.SiteConfig) supplies the fall-sensor delay and the drive's
    comm-loss timeout; `estop_decel_mps2` is the quick stop that `open()` sets (S5). A `seed`
    in the URL wins over the `seed` argument.
    """
    parts = urlsplit(url)
    if parts.scheme != "sim" or parts.netloc or parts.path or parts.fragment:
        raise DriveUrlError(f"{url}: the simulator takes no host or path, only sim://?seed=N...")
    query = parse_query(url, QUERY_KEYS)

    if "seed" in query:
        try:
            seed = int(query["seed"])
        except ValueError:
            raise DriveUrlError(f"{url}: seed {query['seed']!r} is not a whole number") from None
    fall_stop = query.get("fall_stop", "fitted")
    if fall_stop not in FALL_STOP_VALUES:
        raise DriveUrlError(f"{url}: fall_stop {fall_stop!r} must be one of "
                            f"{', '.join(FALL_STOP_VALUES)}")
    tether_m = 1.1
    if "tether_m" in query:
        try:
            tether_m = float(query["tether_m"])
        except ValueError:
            raise DriveUrlError(f"{url}: tether_m {query['tether_m']!r} is not a number") from None
        if not (math.isfinite(tether_m) and TETHER_MIN_M <= tether_m <= TETHER_MAX_M):
            raise DriveUrlError(f"{url}: tether_m {query['tether_m']!r} must be within "
                                f"{TETHER_MIN_M:g}-{TETHER_MAX_M:g} m")

    fitness = query.get("fitness", DEFAULT_FITNESS)
    if fitness not in FITNESS:
        raise DriveUrlError(f"{url}: fitness {fitness!r} must be one of {', '.join(FITNESS)}")

    options = {}
    if site is not None:
        options = {"fall_sensor_delay_s": site.fall_sensor_delay_s,
                   "comm_loss_timeout_s": site.drive_comm_loss_timeout_s}
    world = SimWorld(seed=seed, fall_stop_fitted=fall_stop == "fitted", tether_reach_m=tether_m,
                     fitness=fitness, **options)
    return SimDrive(world, clock, estop_decel_mps2)
