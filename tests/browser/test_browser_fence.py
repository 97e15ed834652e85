"""Issue 23, defect 2: the browser reaches nothing a page asks for off the fence.

Counted by the other port's own listener socket (its accepts), not by what an interception
hook saw: Chromium, through the engine, opens 0 connections to another port on this machine,
whatever route the page takes, while the page's own origin gets every twin request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
import respx
from fencesite import TWINS, FenceSite, serve

from helpers.connectproxy import connect_proxy
from helpers.listener import CountingListener, counting_listener
from lowprofile.browser.engine import BrowserEngine
from lowprofile.config import Settings

SETTINGS = Settings(host_interval=0, read_timeout=8, retries=0, allow_loopback=True)


@pytest.fixture
def fence_site(chromium: None, no_network: respx.MockRouter) -> Iterator[FenceSite]:
    with serve() as site:
        yield site


@pytest.fixture
def other() -> Iterator[CountingListener]:
    with counting_listener() as listener:
        yield listener


def fetch(url: str, wait_for: list[str], settings: Settings = SETTINGS) -> tuple[str, int | None]:
    async def go() -> tuple[str, int | None]:
        async with BrowserEngine(settings) as engine:
            page = await engine.fetch(url, wait_for)
            await asyncio.sleep(1)  # the iframe reloads and late requests have their chance
            return page.html, engine.blocked_requests(url)

    return asyncio.run(go())


@pytest.mark.browser
def test_no_route_of_a_page_reaches_another_local_port(
    fence_site: FenceSite, other: CountingListener
) -> None:
    html, blocked = fetch(f"{fence_site.base}/pull?other=http://127.0.0.1:{other.port}", [".card"])
    assert "Jane Doe" in html
    missing = [twin for twin in TWINS if not fence_site.hits[twin]]
    assert missing == [], "these routes never ran, so their refusal proves nothing"
    assert other.accepted == 0
    assert (
        blocked is not None and blocked >= 6
    )  # img, fetch, redirect hop, frame (and its reloads), meta, ws


@pytest.mark.browser
def test_a_redirect_of_the_page_itself_to_another_port_is_not_followed(
    fence_site: FenceSite, other: CountingListener
) -> None:
    target = f"http://127.0.0.1:{other.port}/landing"
    with pytest.raises(Exception, match="could not load"):
        fetch(f"{fence_site.base}/go?to={target}", [".card"])
    assert other.accepted == 0
    assert fence_site.hits["/go"] == 1


@pytest.mark.browser
def test_behind_a_configured_proxy_the_browser_goes_through_it_and_never_direct(
    fence_site: FenceSite, other: CountingListener
) -> None:
    """The site's advertised port is a listener that only counts (direct connections); the
    test's CONNECT proxy diverts tunnels for it to the real site. The fence still refuses the
    page's pulls at another local port before they reach the proxy."""
    site_port = int(fence_site.base.rsplit(":", 1)[1])
    with counting_listener() as direct, connect_proxy({direct.port: site_port}) as upstream:
        settings = replace(SETTINGS, proxy=upstream.url)
        url = f"http://127.0.0.1:{direct.port}/pull?other=http://127.0.0.1:{other.port}"
        html, blocked = fetch(url, [".card"], settings)
    assert "Jane Doe" in html
    assert direct.accepted == 0
    assert other.accepted == 0
    assert upstream.tunnels and set(upstream.tunnels) == {f"CONNECT 127.0.0.1:{direct.port}"}
    assert fence_site.hits["/pull"] == 1 and fence_site.hits["/own/img"] == 1
    assert blocked is not None and blocked >= 6
