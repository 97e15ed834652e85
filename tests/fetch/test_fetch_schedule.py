"""Scheduling in fetch.http.Http on a virtual clock: politeness holds, the busiest host goes first.

The event loop below never waits: when nothing is ready it jumps its clock to the next timer, so
a "1 s answer" costs no wall time and every instant is exact. No wall time is measured here.
"""

from __future__ import annotations

import asyncio
import selectors
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch.http import Http
from lowprofile.fetch.politeness import PrioritySlots


class _JumpingSelector(selectors.DefaultSelector):
    """Never blocks; instead of sleeping ``timeout`` it moves the loop's clock on by it."""

    def __init__(self, loop: VirtualLoop) -> None:
        super().__init__()
        self.loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if not ready and timeout:
            self.loop.now += timeout
        return ready


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def run_virtual(main: Callable[[VirtualLoop], Awaitable[Any]]) -> Any:
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main(loop))
    finally:
        loop.close()


Log = list[tuple[str, float, float]]


def answering(loop: VirtualLoop, log: Log, seconds: float) -> httpx.MockTransport:
    async def handler(request: httpx.Request) -> httpx.Response:
        start = loop.time()
        await asyncio.sleep(seconds)
        log.append((request.url.host, start, loop.time()))
        return httpx.Response(200)

    return httpx.MockTransport(handler)


def per_host(log: Log) -> dict[str, list[tuple[float, float]]]:
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for host, start, end in log:
        spans[host].append((start, end))
    return {host: sorted(found) for host, found in spans.items()}


def assert_polite(log: Log, interval: float) -> None:
    for host, spans in per_host(log).items():
        for (s1, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            assert s2 >= e1, f"{host}: two requests at once"
            assert s2 - s1 >= interval - 1e-9, f"{host}: starts {s2 - s1} s apart"


async def chain(http: Http, host: str, count: int) -> None:
    """One broker's searches: one after another, as the broker checker sends them."""
    for i in range(count):
        await http.get(f"https://{host}/{i}")


def test_the_busiest_host_starts_first_and_the_scan_ends_at_its_bound() -> None:
    """A chain of six on one host beside six hosts with one request each, two slots: after each
    answer the chain's next request must not queue behind the single ones (first come, first
    served ends at 8 s, not 6 s). The broker checker asks for the busiest host first."""
    log: Log = []

    async def main(loop: VirtualLoop) -> float:
        settings = Settings(concurrency=2, host_interval=1.0, retries=0)
        transport = answering(loop, log, 1.0)
        async with Http(settings, transport=transport, clock=loop.time) as http:
            http.expect(f"https://busy.example/{i}" for i in range(6))
            singles = [chain(http, f"h{i}.example", 1) for i in range(6)]
            await asyncio.gather(chain(http, "busy.example", 6), *singles)
        return loop.time()

    finished = run_virtual(main)
    assert finished == pytest.approx(6.0)  # the bound: the busy host's chain of six 1 s answers
    busy = per_host(log)["busy.example"]
    assert busy[0][0] == pytest.approx(0.0) and len(busy) == 6
    assert_polite(log, 1.0)


def test_politeness_holds_when_a_slot_comes_late_and_answers_are_instant() -> None:
    """A request that waited long for a global slot, then got an instant answer: the next one to
    its host still waits the interval from when the first really started."""
    log: Log = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=1, host_interval=2.0, retries=0)
        slow = answering(loop, log, 3.0)
        instant = answering(loop, log, 0.0)

        async def route(request: httpx.Request) -> httpx.Response:
            handler = slow if request.url.host == "slow.example" else instant
            return await handler.handle_async_request(request)

        transport = httpx.MockTransport(route)
        async with Http(settings, transport=transport, clock=loop.time) as http:
            await asyncio.gather(chain(http, "slow.example", 1), chain(http, "a.example", 3))

    run_virtual(main)
    starts = [start for start, _ in per_host(log)["a.example"]]
    assert starts[0] == pytest.approx(3.0)  # after the slow host's slot came free
    assert_polite(log, 2.0)


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_politeness_with_many_hosts_and_shared_ones(concurrency: int) -> None:
    log: Log = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=concurrency, host_interval=1.5, retries=0)
        async with Http(settings, transport=answering(loop, log, 1.0), clock=loop.time) as http:
            jobs = [chain(http, f"h{i % 4}.example", 1 + i % 3) for i in range(12)]
            await asyncio.gather(*jobs)

    run_virtual(main)
    assert len(log) == sum(1 + i % 3 for i in range(12))
    assert_polite(log, 1.5)


def test_slots_go_to_the_most_urgent_waiter_then_in_arrival_order() -> None:
    order: list[str] = []

    async def main(loop: VirtualLoop) -> None:
        slots = PrioritySlots(1)
        await slots.acquire()

        async def wait(name: str, urgency: tuple[float, ...]) -> None:
            await slots.acquire(urgency)
            order.append(name)
            slots.release()

        waiters = [
            asyncio.ensure_future(wait(name, urgency))
            for name, urgency in [("low", (1.0,)), ("high", (5.0,)), ("low2", (1.0,))]
        ]
        await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(*waiters)

    run_virtual(main)
    assert order == ["high", "low", "low2"]


def test_a_cancelled_waiter_does_not_lose_its_slot() -> None:
    async def main(loop: VirtualLoop) -> bool:
        slots = PrioritySlots(1)
        await slots.acquire()
        cancelled = asyncio.ensure_future(slots.acquire((9.0,)))
        patient = asyncio.ensure_future(slots.acquire((1.0,)))
        await asyncio.sleep(0)
        slots.release()  # handed to the urgent one...
        cancelled.cancel()  # ...which is cancelled before it runs: the slot passes on
        await asyncio.sleep(0)
        await asyncio.wait_for(patient, timeout=1.0)
        return patient.done() and not patient.cancelled()

    assert run_virtual(main)


def test_one_clock_spaces_the_http_client_and_another_fetcher() -> None:
    """The browser takes its turns on the HTTP client's clock: a page opened after a plain
    request waits the host's interval, and a plain request after a page waits too."""
    log: Log = []
    turns: list[float] = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(host_interval=5.0, retries=0)
        async with Http(settings, transport=answering(loop, log, 1.0), clock=loop.time) as http:
            other = http.politeness  # what scan.open_browser hands the engine
            await http.get("https://walled.example/search")
            await other.wait_turn("walled.example")
            turns.append(loop.time())
            await http.get("https://walled.example/again")
            await other.wait_turn("WALLED.example")  # one host, however it is written
            turns.append(loop.time())

    run_virtual(main)
    plain = [start for start, _ in per_host(log)["walled.example"]]
    assert plain[0] == pytest.approx(0.0)
    assert turns[0] == pytest.approx(5.0)
    assert plain[1] == pytest.approx(10.0)
    assert turns[1] == pytest.approx(15.0)


def test_a_control_request_goes_ahead_of_first_requests() -> None:
    """One slot, five first requests queued: a made-up-name control asked later (it continues a
    hit) takes the next free slot, instead of waiting behind all of them."""
    log: Log = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=1, host_interval=0.0, retries=0)
        async with Http(settings, transport=answering(loop, log, 1.0), clock=loop.time) as http:

            async def control() -> None:
                await asyncio.sleep(0.5)
                await http.get("https://control.example/made-up", continues=True)

            firsts = [chain(http, f"h{i}.example", 1) for i in range(6)]
            await asyncio.gather(*firsts, control())

    run_virtual(main)
    starts = {host: spans[0][0] for host, spans in per_host(log).items()}
    assert starts["control.example"] == pytest.approx(1.0)  # right after the first answer
    assert sorted(starts.values()) == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_a_retry_goes_ahead_of_first_requests() -> None:
    """A 503 with ``Retry-After: 0``: its retry is sent next, not after every queued first
    request (first come, first served would send it last, at 6 s)."""
    log: Log = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=1, host_interval=0.0, retries=1)
        tries = answering(loop, log, 1.0)

        async def route(request: httpx.Request) -> httpx.Response:
            await tries.handle_async_request(request)
            first = (
                request.url.host == "flaky.example" and len(per_host(log)[request.url.host]) == 1
            )
            if first:
                return httpx.Response(503, headers={"Retry-After": "0"})
            return httpx.Response(200)

        async with Http(settings, transport=httpx.MockTransport(route), clock=loop.time) as http:
            jobs = [chain(http, "flaky.example", 1)]
            jobs += [chain(http, f"h{i}.example", 1) for i in range(5)]
            await asyncio.gather(*jobs)

    run_virtual(main)
    flaky = [start for start, _ in per_host(log)["flaky.example"]]
    assert flaky == pytest.approx([0.0, 2.0])  # after the one first request already handed the slot


def test_one_deadline_covers_every_try_of_a_hanging_site() -> None:
    """A site that accepts and never answers (each try ends at a 20 s read timeout): with four
    tries and backoff it would cost about 87 s; the request's one deadline ends it at 60 s, and
    the other sites are answered meanwhile."""
    log: Log = []
    ended: list[float] = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=4, host_interval=0.0, retries=3, backoff=1.0)
        quick = answering(loop, log, 1.0)

        async def route(request: httpx.Request) -> httpx.Response:
            if request.url.host == "hang.example":
                await asyncio.sleep(20.0)
                raise httpx.ReadTimeout("read timed out", request=request)
            return await quick.handle_async_request(request)

        transport = httpx.MockTransport(route)
        async with Http(settings, transport=transport, clock=loop.time, deadline=60.0) as http:

            async def hanging() -> None:
                with pytest.raises(RequestFailed, match="overall deadline") as caught:
                    await http.get("https://hang.example/u/jane")
                ended.append(loop.time())
                assert "all its tries" in str(caught.value)

            others = [chain(http, f"h{i}.example", 3) for i in range(5)]
            await asyncio.gather(hanging(), *others)

    run_virtual(main)
    assert ended == [pytest.approx(60.0)]
    assert sum(len(spans) for spans in per_host(log).values()) == 15


def test_a_hanging_site_queued_for_a_slot_ends_one_deadline_after_its_turn() -> None:
    """Issue 24: the hanging site is listed last, and every slot is busy with the others for
    its first 10 s. Its deadline used to start only with its first try (at 10 s), so the check
    ended at 70 s; the wait for one of our own slots is our lateness, not the site's, so it
    counts, and the check ends at 60 s."""
    ended: list[float] = []

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=1, host_interval=0.0, retries=3, backoff=1.0)
        quick = answering(loop, [], 1.0)

        async def route(request: httpx.Request) -> httpx.Response:
            if request.url.host == "hang.example":
                await asyncio.sleep(20.0)
                raise httpx.ReadTimeout("read timed out", request=request)
            return await quick.handle_async_request(request)

        transport = httpx.MockTransport(route)
        async with Http(settings, transport=transport, clock=loop.time, deadline=60.0) as http:

            async def hanging() -> None:
                await asyncio.sleep(0)  # asks after the others
                with pytest.raises(RequestFailed, match="overall deadline"):
                    await http.get("https://hang.example/u/jane")
                ended.append(loop.time())

            others = [chain(http, f"h{i}.example", 1) for i in range(10)]
            await asyncio.gather(*others, hanging())

    run_virtual(main)
    assert ended == [pytest.approx(60.0)]
