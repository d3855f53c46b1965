"""Injected clocks: the controller never reads the wall clock itself.

`MonotonicClock` runs in real time (and `PreciseClock`, whose waits end on time); `SimClock`
is simulated time that jumps to the next tick at once, so a 60-minute program runs in
seconds (`retrotread run --fast`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    def now_s(self) -> float:
        """Seconds since the clock started."""

    async def sleep_until(self, t_s: float) -> None:
        """Return once now_s() >= t_s."""


@runtime_checkable
class SteppedClock(Protocol):
    """A clock that is moved rather than waited for (`SimClock`): the control loop jumps it to
    each tick's time, with no coroutine to "sleep"."""

    def now_s(self) -> float:
        """Seconds since the clock started."""

    def advance_to(self, t_s: float) -> None:
        """Move to `t_s` (never backward)."""


class MonotonicClock:
    """Real time from time.monotonic(), zeroed at construction."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    async def sleep_until(self, t_s: float) -> None:
        delay_s = t_s - self.now_s()
        if delay_s > 0:
            await asyncio.sleep(delay_s)


SPIN_MARGIN_S = 0.002  # the last part of a wait is a precise blocking sleep, not the event loop's


class PreciseClock(MonotonicClock):
    """MonotonicClock whose waits end on time: the event loop's own timer is only as fine as
    epoll's whole milliseconds (a tick starts up to ~1 ms late, and more under load), so the
    last `SPIN_MARGIN_S` is waited with time.sleep (clock_nanosleep; it releases the GIL)."""

    async def sleep_until(self, t_s: float) -> None:
        delay_s = t_s - self.now_s()
        if delay_s > SPIN_MARGIN_S:
            await asyncio.sleep(delay_s - SPIN_MARGIN_S)
        delay_s = t_s - self.now_s()
        if delay_s > 0:
            time.sleep(delay_s)


class SimClock:
    """Simulated time: sleeping jumps straight to the wake-up time."""

    def __init__(self, start_s: float = 0.0) -> None:
        self._t = start_s

    def now_s(self) -> float:
        return self._t

    def advance_to(self, t_s: float) -> None:
        if t_s > self._t:
            self._t = t_s

    async def sleep_until(self, t_s: float) -> None:
        self.advance_to(t_s)
