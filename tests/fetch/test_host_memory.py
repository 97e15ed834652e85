"""The host memory (``fetch.memory``): what each host cost the last run starts the slow first.

Scheduling runs on test_fetch_schedule's virtual clock (no wall time is measured); the file is
read and written in the test's own data folder.
"""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import httpx
import pytest

from fetch.test_fetch_schedule import Log, VirtualLoop, answering, chain, per_host, run_virtual
from lowprofile.checkers.base import ScanOptions
from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch.http import Http
from lowprofile.fetch.memory import DAY, KEEP_DAYS, MAX_HOSTS, HostMemory, memory_path
from lowprofile.scan import open_session


def slow_last(memory: HostMemory | None) -> tuple[float, Log]:
    """Two slots, four hosts answering in 1 s and one in 3 s listed last: when the run ends."""
    log: Log = []

    async def main(loop: VirtualLoop) -> float:
        settings = Settings(concurrency=2, host_interval=1.0, retries=0)
        quick = answering(loop, log, 1.0)
        slow = answering(loop, log, 3.0)

        async def route(request: httpx.Request) -> httpx.Response:
            chosen = slow if request.url.host == "slow.example" else quick
            return await chosen.handle_async_request(request)

        transport = httpx.MockTransport(route)
        async with Http(settings, transport=transport, clock=loop.time, memory=memory) as http:
            jobs = [chain(http, f"h{i}.example", 1) for i in range(4)]
            await asyncio.gather(*jobs, chain(http, "slow.example", 1))
        return loop.time()

    return run_virtual(main), log


def test_a_host_slow_last_run_starts_before_the_quick_and_the_run_ends_sooner(
    tmp_path: Path,
) -> None:
    """First come, first served sends the 3 s host last and ends at 5 s; remembered, it takes
    the first slot that frees up and the run ends at 4 s, the bound of two slots."""
    unknown, _ = slow_last(None)
    assert unknown == pytest.approx(5.0)
    memory = HostMemory(tmp_path / "hosts.json", kept={"slow.example": (3.0, 0.0)})
    remembered, log = slow_last(memory)
    assert remembered == pytest.approx(4.0)
    assert per_host(log)["slow.example"][0][0] == pytest.approx(1.0)
    # What this run saw is noted for the next: each host's request, first try to answer.
    assert memory.noted["slow.example"] == pytest.approx(3.0)
    assert memory.noted["h0.example"] == pytest.approx(1.0)


def test_a_host_quick_last_run_keeps_its_place(tmp_path: Path) -> None:
    """Only a host that took longer than an interval gets a head start: a host remembered as
    quick (0.2 s) keeps the place it asked for, ahead of unknown hosts that asked after it,
    instead of falling behind them (and behind every control)."""
    log: Log = []
    memory = HostMemory(tmp_path / "hosts.json", kept={"quick.example": (0.2, 0.0)})

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=1, host_interval=1.0, retries=0)
        transport = answering(loop, log, 1.0)
        async with Http(settings, transport=transport, clock=loop.time, memory=memory) as http:
            names = ["h0.example", "quick.example", "h1.example", "h2.example"]
            await asyncio.gather(*(chain(http, name, 1) for name in names))

    run_virtual(main)
    assert per_host(log)["quick.example"][0][0] == pytest.approx(1.0)


def test_the_pause_a_site_asked_for_counts_in_what_it_cost(tmp_path: Path) -> None:
    """A 429 with ``Retry-After: 1`` and then an answer: the host's request took 3 s from its
    first try (1 s answer, 1 s pause, 1 s answer), and that is what the next run starts from."""
    log: Log = []
    memory = HostMemory(tmp_path / "hosts.json")

    async def main(loop: VirtualLoop) -> None:
        settings = Settings(concurrency=4, host_interval=0.0, retries=2)
        tries = answering(loop, log, 1.0)

        async def route(request: httpx.Request) -> httpx.Response:
            await tries.handle_async_request(request)
            if len(per_host(log)[request.url.host]) == 1:
                return httpx.Response(429, headers={"Retry-After": "1"})
            return httpx.Response(200)

        transport = httpx.MockTransport(route)
        async with Http(settings, transport=transport, clock=loop.time, memory=memory) as http:
            await http.get("https://limits.example/u/x")

    run_virtual(main)
    assert memory.noted == {"limits.example": pytest.approx(3.0)}
    kept = HostMemory.load(tmp_path / "hosts.json")
    assert kept.took("LIMITS.example") == pytest.approx(3.0)


def test_the_kept_file_is_private_and_holds_hosts_and_times_only(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "hosts.json"
    memory = HostMemory(path)
    memory.note("Slow.Example", 2.5)
    memory.note("slow.example", 1.0)  # the longest request of the run is kept
    memory.save(now=1_000_000.0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text("utf-8")) == {
        "form": 1,
        "hosts": {"slow.example": [2.5, 1_000_000]},
    }


def test_hosts_not_seen_for_long_are_forgotten_and_the_file_stays_bounded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hosts.json"
    now = 10_000 * DAY
    old = now - (KEEP_DAYS + 1) * DAY
    hosts = {f"h{i}.example": [1.0, now - i] for i in range(MAX_HOSTS + 10)}
    hosts["old.example"] = [9.0, old]
    path.write_text(json.dumps({"form": 1, "hosts": hosts}), "utf-8")
    memory = HostMemory.load(path, now=now)
    assert memory.took("old.example") is None
    assert memory.took("h0.example") == 1.0
    memory.note("new.example", 2.0)
    memory.save(now=now)
    saved = json.loads(path.read_text("utf-8"))["hosts"]
    assert len(saved) == MAX_HOSTS
    assert "new.example" in saved and f"h{MAX_HOSTS + 9}.example" not in saved


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"form": 1, "hosts": []}',
        '{"form": 1, "hosts": {"a.example": "fast"}}',
        '{"form": 1, "hosts": {"a.example": [1.0]}}',
        '{"form": 99, "hosts": {"a.example": [1.0, 0]}}',
    ],
)
def test_a_memory_that_cannot_be_read_is_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hosts.json"
    path.write_text(text, "utf-8")
    assert HostMemory.load(path, now=0.0).kept == {}


def test_a_scan_session_starts_from_and_keeps_the_data_folder_memory() -> None:
    """The scan's one client (``scan.open_session``) reads the memory from the person's data
    folder and keeps what the run saw there (the conftest points it into the test's folder)."""
    memory_path().parent.mkdir(parents=True, exist_ok=True)
    memory_path().write_text(json.dumps({"form": 1, "hosts": {"old.example": [4.0, 9e9]}}))

    async def main() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(404))
        async with open_session(Settings(), ScanOptions(), transport=transport) as session:
            assert session.http.memory is not None
            assert session.http.memory.took("old.example") == 4.0
            await session.http.get("https://a.example/u/x")

    asyncio.run(main())
    kept = HostMemory.load()
    assert kept.took("a.example") is not None and kept.took("old.example") == 4.0


def test_a_host_never_reached_is_not_remembered(tmp_path: Path) -> None:
    """Offline, every host fails to connect: none of them is slow, and none is kept (the next
    run online would otherwise start hundreds of hosts "first")."""
    memory = HostMemory(tmp_path / "hosts.json")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    async def main() -> None:
        settings = Settings(retries=0)
        transport = httpx.MockTransport(refuse)
        async with Http(settings, transport=transport, memory=memory) as http:
            with pytest.raises(RequestFailed):
                await http.get("https://gone.example/u/x")

    asyncio.run(main())
    assert memory.noted == {}
    assert not (tmp_path / "hosts.json").exists()
