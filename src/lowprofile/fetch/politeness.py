"""Politeness: one per-host clock for every fetcher of a scan, and the slot scheduler.

A site sees requests, not fetchers: when ``--browser auto`` opens a page in the browser because
the plain request met a bot wall, that second request must wait the host's interval after the
first one like any other. So the rule "at least ``interval_for(host)`` seconds between the
starts of two requests to one host" lives in one ``HostClock``, made once per scan and handed
to the HTTP client and the browser engine alike.

``PrioritySlots`` is the global limit on requests in flight; a freed slot goes to the most
urgent waiter (the host with the most work left), not to whoever asked first.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class HostClock:
    """When each host's last request started, and how long the next one must wait.

    ``interval_for`` gives a host's interval (``Settings.interval_for``); ``clock`` and
    ``sleep`` are the time source, replaced by a virtual clock in tests.
    """

    def __init__(
        self,
        interval_for: Callable[[str], float],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.interval_for = interval_for
        self.clock = clock
        self._sleep = sleep
        self._last_start: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def wait_left(self, host: str) -> float:
        """Seconds until ``host`` may be asked again (zero or less: now)."""
        last = self._last_start.get(host.lower(), float("-inf"))
        return last + self.interval_for(host) - self.clock()

    async def wait_turn(self, host: str) -> None:
        """Sleep until the host's interval since its last start has passed, and take the turn
        (the start is stamped now). Two callers for one host take their turns one at a time."""
        lock = self._locks.setdefault(host.lower(), asyncio.Lock())
        async with lock:
            wait = self.wait_left(host)
            if wait > 0:
                await self._sleep(wait)
            self.started(host)

    def started(self, host: str) -> None:
        """A request to ``host`` really starts now: the interval counts from here (a global
        slot may come long after the turn was taken)."""
        key = host.lower()
        self._last_start[key] = max(self._last_start.get(key, float("-inf")), self.clock())


class PrioritySlots:
    """A counting semaphore that hands a freed slot to the most urgent waiter, not the first.

    Urgency is a tuple compared as usual (bigger goes first); equal urgencies keep their order
    of arrival. A waiter cancelled after being handed a slot passes it on, so none is lost.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[tuple[float, ...], int, asyncio.Future[None]]] = []
        """(negated urgency, arrival, future): heapq pops the most urgent, earliest first."""
        self._arrival = itertools.count()

    async def acquire(self, urgency: tuple[float, ...] = ()) -> None:
        if self._free > 0:  # a free slot means nobody waits: release() hands slots out
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = tuple(-part for part in urgency)
        heapq.heappush(self._waiting, (key, next(self._arrival), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot just as we were cancelled
            raise

    def most_urgent(self) -> tuple[float, ...] | None:
        """The urgency of the first waiter in line, or None when nobody waits."""
        while self._waiting and self._waiting[0][2].done():
            heapq.heappop(self._waiting)  # cancelled
        return tuple(-part for part in self._waiting[0][0]) if self._waiting else None

    def release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter's entry is skipped here
                future.set_result(None)
                return
        self._free += 1
