"""One real-time clock for many control loops on one event loop (the fleet simulator).

Each loop awaits `sleep_until(due)` as with `PreciseClock`; here one waker task keeps every
waiter in a heap and wakes each on time: it waits on the event loop's timer until a couple
of milliseconds before the earliest due time (the timer is only as fine as epoll's whole
milliseconds), then the rest with a blocking `time.sleep`, which nothing else on this event
loop needs meanwhile (the other loops are asleep, the publishers run on their own threads).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time

from controller.clock import SPIN_MARGIN_S, MonotonicClock


class FleetClock(MonotonicClock):
    """Real time from time.monotonic(); `sleep_until` as precise as PreciseClock's, for many loops."""

    def __init__(self) -> None:
        super().__init__()
        self._heap: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self._kick: asyncio.Event | None = None
        self._waker: asyncio.Task | None = None

    async def sleep_until(self, t_s: float) -> None:
        if t_s <= self.now_s():
            return
        loop = asyncio.get_running_loop()
        if self._waker is None:
            self._kick = asyncio.Event()
            self._waker = loop.create_task(self._wake())
        wake = loop.create_future()
        heapq.heappush(self._heap, (t_s, next(self._order), wake))
        if self._heap[0][2] is wake:
            self._kick.set()  # a new earliest: the waker re-plans its wait
        await wake

    def stop(self) -> None:
        """End the waker task (at the end of the fleet's run)."""
        if self._waker is not None:
            self._waker.cancel()
            self._waker = None

    async def _wake(self) -> None:
        heap, kick = self._heap, self._kick
        while True:
            if not heap:
                kick.clear()
                await kick.wait()
                continue
            delay_s = heap[0][0] - self.now_s()
            if delay_s > SPIN_MARGIN_S:
                kick.clear()
                try:
                    await asyncio.wait_for(kick.wait(), delay_s - SPIN_MARGIN_S)
                except TimeoutError:
                    pass
                continue
            if delay_s > 0.0:
                time.sleep(delay_s)
            now_s = self.now_s()
            while heap and heap[0][0] <= now_s:
                wake = heapq.heappop(heap)[2]
                if not wake.done():
                    wake.set_result(None)
            await asyncio.sleep(0)  # the woken loops tick now
