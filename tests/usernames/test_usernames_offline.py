"""Issue 24: offline, a usernames check (or a scan with a username) ends in seconds with one line.

No packet leaves the machine: the autouse respx router answers every public host the way a
machine without a network does (the name does not resolve), after a pause like a resolver's.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch import http as fetch_http
from lowprofile.fetch.http import Http

runner = CliRunner()
DNS_FAILS = "[Errno -3] Temporary failure in name resolution"


@pytest.fixture(autouse=True)
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule at once, as after its grace: these tests are about what it skips and how fast
    the rest ends (the grace itself runs on a virtual clock, tests/fetch/test_network_down.py)."""
    monkeypatch.setattr(fetch_http, "NETWORK_DOWN_GRACE", 0.0)


def offline(router: respx.MockRouter, pause: float = 0.0) -> list[str]:
    """Every host fails as it does offline (after ``pause`` seconds); returns the hosts tried."""
    tried: list[str] = []

    async def no_name(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.host)
        await asyncio.sleep(pause)
        raise httpx.ConnectError(DNS_FAILS)

    router.route().mock(side_effect=no_name)
    return tried


def test_requests_queued_for_a_slot_are_not_sent_once_the_network_is_down(
    no_network: respx.MockRouter,
) -> None:
    """The rule used to be asked only when a request arrived: 700 sites asked at once all
    passed it before the first answer, then each waited its turn to fail on its own."""
    tried = offline(no_network, pause=0.01)
    settings = Settings(concurrency=4, retries=3, backoff=0, host_interval=0)

    async def run() -> list[BaseException | httpx.Response]:
        async with Http(settings) as http:
            asks = (http.get(f"https://site{i}.example/u/x") for i in range(60))
            return await asyncio.gather(*asks, return_exceptions=True)

    outcomes = asyncio.run(run())
    assert all(isinstance(o, RequestFailed) for o in outcomes)
    assert len(tried) <= 8  # the first wave (4 in flight) and no more; never 60
    assert sum("network looks down" in str(o) for o in outcomes) >= 52


def test_sites_behind_a_proxy_are_all_tried(no_network: respx.MockRouter) -> None:
    """Behind a proxy the proxy resolves names: our own resolver failing says nothing."""
    tried = offline(no_network)
    settings = Settings(retries=0, backoff=0, host_interval=0, proxy="http://127.0.0.1:3128")

    async def run() -> None:
        async with Http(settings) as http:
            for i in range(6):
                with pytest.raises(RequestFailed):
                    await http.get(f"https://site{i}.example/")

    asyncio.run(run())
    assert len(tried) == 6


def test_loopback_sites_are_tried_when_the_network_is_down(no_network: respx.MockRouter) -> None:
    """A site on this machine is really asked (here: refused by a closed loopback port)."""
    tried = offline(no_network)
    settings = Settings(retries=0, backoff=0, host_interval=0, allow_loopback=True)

    async def run() -> list[str]:
        messages = []
        async with Http(settings) as http:
            for host in ("a.example", "b.example", "c.example", "d.example", "127.0.0.1"):
                with pytest.raises(RequestFailed) as caught:
                    await http.get(f"http://{host}:9/")
                messages.append(str(caught.value))
        return messages

    messages = asyncio.run(run())
    assert tried == ["a.example", "b.example", "c.example"]
    assert "network looks down" in messages[3]
    assert "network looks down" not in messages[4] and "could not connect" in messages[4]


def test_offline_usernames_check_is_one_line_in_seconds(no_network: respx.MockRouter) -> None:
    """End to end on the shipped list (700+ sites, each lookup failing after 0.5 s, as a
    resolver without a network does): exit 3 and one line, in seconds, not minutes."""
    tried = offline(no_network, pause=0.5)
    start = time.monotonic()
    result = runner.invoke(app, ["usernames", "check", "janeqdoe"])
    elapsed = time.monotonic() - start
    assert result.exit_code == 3, result.output
    assert "no site could be reached: are you offline?" in result.stderr
    assert len(tried) < 100, len(tried)  # the first wave, not every host
    assert elapsed < 10  # a generous bound: before the rule it took 12 s here, minutes for real


def test_offline_scan_with_a_username_ends_in_seconds(no_network: respx.MockRouter) -> None:
    tried = offline(no_network, pause=0.5)
    start = time.monotonic()
    result = runner.invoke(
        app,
        ["scan", "--name", "Jane Doe", "--username", "janeqdoe", "--browser", "never"]
        + ["--no-save", "--quiet"],
    )
    elapsed = time.monotonic() - start
    assert result.exit_code == 3, result.output
    assert "are you offline?" in result.stderr
    assert len(tried) < 100, len(tried)
    assert elapsed < 10
