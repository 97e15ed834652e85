"""The one "network is down" rule on a virtual clock (no wall time measured): offline, a check
ends in seconds; online, a few dead domains among the first requests change nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fetch.test_fetch_schedule import VirtualLoop, run_virtual
from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch.http import NETWORK_DOWN_GRACE, Http

NO_SUCH_NAME = "[Errno -2] Name or service not known"


async def offline(request: httpx.Request) -> httpx.Response:
    """A machine without a network: some names fail at once (``dead*``), the rest after 30 s
    waiting on a resolver that never answers."""
    if request.url.host.startswith("dead"):
        raise httpx.ConnectError(NO_SUCH_NAME)
    await asyncio.sleep(30)
    raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")


OFFLINE = httpx.MockTransport(offline)


async def ask_all(http: Http, hosts: list[str]) -> dict[str, str]:
    """Every host asked at once; what each one ended as: its status code or the failure."""

    async def one(host: str) -> str:
        try:
            return str((await http.get(f"https://{host}/u/x")).status_code)
        except RequestFailed as exc:
            return str(exc)

    return dict(zip(hosts, await asyncio.gather(*(one(h) for h in hosts)), strict=True))


def test_dead_domains_before_the_first_answer_leave_a_working_network_up() -> None:
    """Three names that no longer exist fail in an instant, before a working network's first
    answer (0.5 s): every other site is still asked and answers. Before the grace, the rule
    skipped them all in one cascade of freed slots ("not tried: the network looks down")."""

    async def route(request: httpx.Request) -> httpx.Response:
        if request.url.host.startswith("dead"):
            raise httpx.ConnectError(NO_SUCH_NAME)
        await asyncio.sleep(0.5)
        return httpx.Response(200)

    async def main(loop: VirtualLoop) -> tuple[dict[str, str], bool]:
        settings = Settings(concurrency=4, host_interval=0.0, retries=0)
        async with Http(settings, transport=httpx.MockTransport(route), clock=loop.time) as http:
            hosts = [f"dead{i}.example" for i in range(3)] + [f"live{i}.example" for i in range(20)]
            return await ask_all(http, hosts), http.network_down

    ended, down = run_virtual(main)
    assert [h for h, said in ended.items() if h.startswith("live") and said != "200"] == []
    assert down is False


def test_offline_with_a_resolver_that_waits_ends_at_the_grace() -> None:
    """Offline, some names fail at once and the rest wait 30 s on the resolver: once three
    could not be reached and none answered, the tries still waiting are given up at the end of
    the grace, and the queued ones are not sent. The check ends at the grace, not at 30 s."""

    async def main(loop: VirtualLoop) -> tuple[dict[str, str], float]:
        settings = Settings(concurrency=8, host_interval=0.0, retries=0)
        async with Http(settings, transport=OFFLINE, clock=loop.time) as http:
            hosts = [f"dead{i}.example" for i in range(3)] + [f"slow{i}.example" for i in range(20)]
            ended = await ask_all(http, hosts)
            return ended, loop.time()

    ended, finished = run_virtual(main)
    assert finished == pytest.approx(NETWORK_DOWN_GRACE)
    slow = [said for host, said in ended.items() if host.startswith("slow")]
    assert all("network looks down" in said for said in slow), slow
    assert any("given up" in said for said in slow)  # in flight at the grace
    assert any("not tried" in said for said in slow)  # queued


def test_an_answer_during_the_grace_keeps_the_waiting_tries() -> None:
    """Online but slow: three dead names, then an answer at 2 s; a site answering at 10 s is
    not given up at the grace."""

    async def route(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.startswith("dead"):
            raise httpx.ConnectError(NO_SUCH_NAME)
        await asyncio.sleep(2 if host == "quick.example" else 10)
        return httpx.Response(200)

    async def main(loop: VirtualLoop) -> dict[str, str]:
        settings = Settings(concurrency=8, host_interval=0.0, retries=0)
        async with Http(settings, transport=httpx.MockTransport(route), clock=loop.time) as http:
            hosts = ["dead0.example", "dead1.example", "dead2.example"]
            return await ask_all(http, [*hosts, "quick.example", "slow.example"])

    ended = run_virtual(main)
    assert ended["quick.example"] == "200" and ended["slow.example"] == "200"


@pytest.mark.parametrize("how", ["fetch_page", "play", "tab"])
def test_the_browser_keeps_the_same_rule_and_does_not_start(how: str) -> None:
    """A site the rule skips is not opened in the browser either, and Chromium is not started
    for it (offline, a scan with broker step searches took 11-13 s of browser attempts)."""
    from lowprofile.browser.engine import BrowserEngine
    from lowprofile.browser.locate import Availability

    asked: list[str] = []

    def down(host: str) -> bool:
        asked.append(host)
        return True

    engine = BrowserEngine(
        Settings(), found=Availability(ready=True), network_down=down, profiles=None
    )

    async def main() -> None:
        url = "https://broker.example/search?name=x"
        if how == "fetch_page":
            await engine.fetch_page(url)
        elif how == "play":
            await engine.play(url, [], {})
        else:
            async with engine.tab(url):
                pass

    with pytest.raises(RequestFailed, match="network looks down"):
        asyncio.run(main())
    assert asked == ["broker.example"] and not engine.started


def test_a_request_queued_behind_its_host_is_refused_without_waiting_its_turn() -> None:
    """Offline, a second request to a host whose first one was given up at the grace is
    refused at once, not after the host's 10 s pause (which offline protects no one)."""

    async def main(loop: VirtualLoop) -> tuple[dict[str, str], float]:
        settings = Settings(concurrency=8, host_interval=10.0, retries=0)
        async with Http(settings, transport=OFFLINE, clock=loop.time) as http:
            dead = [f"dead{i}.example" for i in range(3)]
            first, second = await asyncio.gather(
                ask_all(http, [*dead, "same.example"]), ask_all(http, ["same.example"])
            )
            return {**first, "again": second["same.example"]}, loop.time()

    ended, finished = run_virtual(main)
    assert finished == pytest.approx(NETWORK_DOWN_GRACE)
    assert "not tried" in ended["again"]
