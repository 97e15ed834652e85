"""The browser fence's rule itself, over addresses and URLs (no packet is sent anywhere but
127.0.0.1), and the filtering proxy spoken to directly over a socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fencesite import FenceSite, serve

from helpers.connectproxy import connect_proxy
from helpers.listener import CountingListener, counting_listener
from lowprofile.browser.fence import BrowserFence
from lowprofile.browser.proxy import FilteringProxy

PRIVATE_TARGETS = [
    ("10.255.255.1", 80),
    ("169.254.169.254", 80),
    ("192.168.1.1", 443),
    ("172.16.0.1", 443),
    ("100.64.0.1", 80),
    ("0.0.0.0", 80),  # noqa: S104 - a target the fence refuses, never bound
    ("fd00::1", 443),
    ("fe80::1", 443),
    ("::ffff:10.0.0.1", 80),
    ("::ffff:169.254.169.254", 80),
    ("64:ff9b::a00:1", 80),
    ("2002:a00:1::", 80),
    ("224.0.0.1", 80),
]


@pytest.mark.parametrize(("host", "port"), PRIVATE_TARGETS)
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_private_and_link_local_targets_are_refused(
    host: str, port: int, allow_loopback: bool
) -> None:
    fence = BrowserFence(allow_loopback)
    fence.admit(f"http://{host}:{port}/")  # admitting an origin never opens a private one
    assert fence.target_problem(host, port, tls=False) is not None
    assert fence.target_problem(host, port, tls=True) is not None


@pytest.mark.parametrize("address", [h for h, _ in PRIVATE_TARGETS])
def test_a_public_name_resolving_to_a_private_address_is_refused(address: str) -> None:
    fence = BrowserFence(allow_loopback=True)
    assert fence.target_problem("broker.example", 443, tls=True) is None
    assert fence.address_problem("broker.example", 443, address) is not None


def test_loopback_only_for_the_pages_own_host_and_port() -> None:
    shut = BrowserFence(allow_loopback=False)
    shut.admit("http://127.0.0.1:8000/")
    assert shut.target_problem("127.0.0.1", 8000, tls=False) is not None
    fence = BrowserFence(allow_loopback=True)
    assert fence.target_problem("127.0.0.1", 8000, tls=False) is not None  # nothing admitted
    fence.admit("http://127.0.0.1:8000/search?q=1")
    assert fence.target_problem("127.0.0.1", 8000, tls=False) is None
    assert fence.target_problem("127.0.0.1", 8001, tls=False) is not None
    assert fence.target_problem("127.0.0.2", 8000, tls=False) is not None
    assert fence.target_problem("localhost", 8000, tls=False) is not None  # another origin
    assert fence.target_problem("::1", 8000, tls=True) is not None
    assert fence.address_problem("127.0.0.1", 8000, "127.0.0.1") is None
    assert fence.address_problem("rebind.example", 8000, "127.0.0.1") is not None
    assert fence.address_problem("127.0.0.1", 8001, "127.0.0.1") is not None


def test_the_public_internet_stays_open() -> None:
    fence = BrowserFence()
    assert fence.target_problem("www.spokeo.com", 443, tls=True) is None
    assert fence.target_problem("93.184.216.34", 80, tls=False) is None
    assert fence.address_problem("www.spokeo.com", 443, "93.184.216.34") is None
    assert fence.address_problem("www.spokeo.com", 443, "2606:2800:220:1::1") is None


def test_refusals_are_counted_and_the_first_ones_named() -> None:
    fence = BrowserFence()
    for n in range(60):
        fence.refuse(f"10.0.0.{n}:80", "a private address")
    assert fence.blocked == 60
    assert len(fence.refused) == 50
    assert fence.refused[0] == "10.0.0.0:80: a private address"


@pytest.fixture
def site() -> Iterator[FenceSite]:
    with serve() as running:
        yield running


@pytest.fixture
def other() -> Iterator[CountingListener]:
    with counting_listener() as listener:
        yield listener


async def _ask(proxy_url: str, raw: bytes) -> bytes:
    host, port = proxy_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


def test_the_proxy_refuses_off_fence_and_serves_the_pages_own_origin(
    site: FenceSite, other: CountingListener
) -> None:
    own_port = site.base.rsplit(":", 1)[1]

    async def scenario() -> list[bytes]:
        fence = BrowserFence(allow_loopback=True)
        fence.admit(site.base)
        proxy = FilteringProxy(fence, timeout=5)
        url = await proxy.start()
        try:
            return [
                await _ask(url, f"CONNECT 127.0.0.1:{other.port} HTTP/1.1\r\n\r\n".encode()),
                await _ask(url, f"GET http://127.0.0.1:{other.port}/x HTTP/1.1\r\n\r\n".encode()),
                await _ask(url, b"CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n"),
                await _ask(url, f"GET http://u:p@127.0.0.1:{own_port}/ HTTP/1.1\r\n\r\n".encode()),
                # one request to the page's own site, then a second on the same connection to
                # another port: only the first is answered, the second never leaves
                await _ask(
                    url,
                    f"GET http://127.0.0.1:{own_port}/card HTTP/1.1\r\nHost: x\r\n\r\n"
                    f"GET http://127.0.0.1:{other.port}/y HTTP/1.1\r\nHost: y\r\n\r\n".encode(),
                ),
            ]
        finally:
            await proxy.close()

    answers = asyncio.run(scenario())
    assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 403 Forbidden"] * 4 + [
        b"HTTP/1.0 200 OK"
    ]
    assert b"Jane Doe" in answers[-1] and b"\r\nConnection: close\r\n" in answers[-1]
    assert other.accepted == 0
    assert site.hits["/card"] == 1


def test_the_browsers_own_fence_refuses_everything() -> None:
    """Chromium's calls home (updates, account checks) arrive on the browser-level proxy."""
    own = BrowserFence(allow_loopback=True, closed=True)
    own.admit("http://127.0.0.1:8000/")
    assert own.target_problem("update.googleapis.com", 443, tls=True) is not None
    assert own.target_problem("127.0.0.1", 8000, tls=False) is not None


@pytest.mark.parametrize("socks", [False, True])
def test_the_proxy_tunnels_through_the_configured_upstream_and_never_direct(
    site: FenceSite, other: CountingListener, socks: bool
) -> None:
    """Plain requests and tunnels alike go through the upstream (HTTP CONNECT or SOCKS5): the
    advertised port counts 0 direct connections; the fence still refuses another local port."""
    site_port = int(site.base.rsplit(":", 1)[1])
    with (
        counting_listener() as direct,
        connect_proxy({direct.port: site_port}, socks=socks) as upstream,
    ):

        async def scenario() -> list[bytes]:
            fence = BrowserFence(allow_loopback=True)
            fence.admit(f"http://127.0.0.1:{direct.port}/")
            proxy = FilteringProxy(fence, upstream=upstream.url, timeout=5)
            url = await proxy.start()
            try:
                return [
                    await _ask(
                        url, f"GET http://127.0.0.1:{direct.port}/card HTTP/1.1\r\n\r\n".encode()
                    ),
                    await _ask(url, f"CONNECT 127.0.0.1:{other.port} HTTP/1.1\r\n\r\n".encode()),
                ]
            finally:
                await proxy.close()

        answers = asyncio.run(scenario())
    assert b"Jane Doe" in answers[0]
    assert answers[1].startswith(b"HTTP/1.1 403")
    assert direct.accepted == 0 and other.accepted == 0
    kind = "SOCKS" if socks else "CONNECT"
    assert upstream.tunnels == [f"{kind} 127.0.0.1:{direct.port}"]
    assert site.hits["/card"] == 1
