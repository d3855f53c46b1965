"""The control loop: read -> update -> write at a fixed rate on an injected clock.

Tick n is due at n / rate_hz. A late tick is run at once and the schedule is kept (no
catch-up burst, no drift). A failed read hands the controller `None` (no news); a failed
write is reported so that it counts against the comms watchdog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable

from controller.clock import Clock, SteppedClock
from controller.core import Controller
from drivers.base import Drive, DriveCommand, DriveCommsError, DriveStatus, ImmediateDrive

TickHook = Callable[[Controller, DriveStatus | None, DriveCommand, float], None]


@dataclass
class LoopStats:
    """What the loop measured: ticks run and how late each started (seconds)."""

    ticks: int = 0
    lateness_s: list[float] = field(default_factory=list)
    keep_lateness: bool = False


async def run_loop(controller: Controller, drive: Drive, clock: Clock, rate_hz: float, *,
                   before_tick: Callable[[float], Awaitable[None] | None] | None = None,
                   after_tick: TickHook | None = None,
                   should_stop: Callable[[Controller], bool] | None = None,
                   stats: LoopStats | None = None) -> LoopStats:
    """Run ticks until `should_stop(controller)` is true after a tick."""
    stats = stats or LoopStats()
    period_s = 1.0 / rate_hz
    start_s = clock.now_s()
    tick = 0
    jump_to = clock.advance_to if isinstance(clock, SteppedClock) else None
    immediate = isinstance(drive, ImmediateDrive)  # the simulator: no event-loop round trips
    read_now = drive.read_now if immediate else None
    write_now = drive.write_now if immediate else None
    while True:
        due_s = start_s + tick * period_s
        if jump_to is not None:
            jump_to(due_s)
        else:
            await clock.sleep_until(due_s)
        now_s = clock.now_s()
        if stats.keep_lateness:
            stats.lateness_s.append(now_s - due_s)
        if before_tick is not None and (pending := before_tick(now_s)) is not None:
            await pending  # e.g. injections sent to a served simulator
        try:
            status = read_now() if read_now is not None else await drive.read()
        except DriveCommsError:
            status = None
        command = controller.update(status, now_s)
        try:
            if write_now is not None:
                write_now(command)
            else:
                await drive.write(command)
        except DriveCommsError:
            controller.report_write_failure()
        if after_tick is not None:
            after_tick(controller, status, command, now_s)
        tick += 1
        stats.ticks = tick
        if should_stop is not None and should_stop(controller):
            return stats
        if jump_to is None:
            late_ticks = int((clock.now_s() - start_s) / period_s) - tick
            if late_ticks > 0:  # overran: skip the missed slots rather than bursting through them
                tick += late_ticks
