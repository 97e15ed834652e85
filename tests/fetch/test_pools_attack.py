"""The pool per site (``fetch.pools``) attacked through the real client, against servers on
127.0.0.x: cases where it did worse than the single pool it replaced."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import httpcore
import pytest
import respx

from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.fetch.pools import PoolPerSite


@pytest.fixture(autouse=True)
def loopback_sites(no_network: respx.MockRouter) -> None:
    """The sites live on 127.0.0.x: let those through the no-network router."""
    no_network.route(host__regex=r"^127\.0\.0\.\d+$").pass_through()
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:  # macOS answers only on 127.0.0.1 unless told otherwise
        pytest.skip(f"cannot listen on 127.0.0.2 for a second site: {exc}")


class Site:
    """A keep-alive HTTP/1.1 server answering "ok" after ``delay`` seconds, counting the
    connections it accepted."""

    def __init__(self, host: str = "127.0.0.2", delay: float = 0.0) -> None:
        self.host = host
        self.delay = delay
        self.accepted = 0
        self.port = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Site:
        self.server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(self.delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(main())  # type: ignore[arg-type]


def test_with_two_requests_per_host_a_finished_connection_is_kept_while_the_other_is_busy() -> None:
    """httpcore's keep-alive limit counts busy connections too (encode/httpcore#1000): with
    ``per_host_concurrency=2`` a site's pool kept at most one connection in all, so each answer
    that came while the other request was still busy closed its connection, and six requests
    opened four. The single pool kept both."""

    async def main() -> None:
        async with Site(delay=0.02) as site:
            settings = Settings(
                allow_loopback=True, per_host_concurrency=2, host_interval=0, retries=0
            )
            async with Http(settings) as http:
                answers = await asyncio.gather(
                    *(http.request("GET", f"{site.url}{n}") for n in range(6))
                )
            assert [answer.text for answer in answers] == ["ok"] * 6
            assert site.accepted == 2

    run(main)


class _Answering:
    """A site's pool that answers at once, without a network (the router is under test)."""

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        return httpcore.Response(200, content=b"ok")

    async def aclose(self) -> None:
        pass


def test_two_idle_origins_of_one_host_read_at_the_same_tick_are_told_apart_by_age_only() -> None:
    """Past ``max_idle`` the idle sites were sorted by (idle since, origin): with a coarse clock
    (15.6 ms on Windows before Python 3.13) two origins of one host answered in the same tick,
    one on its scheme's port (None) and one on another, were compared by port, None against an
    int, and every request raised TypeError until one of them left."""

    async def main() -> None:
        pools = PoolPerSite(
            lambda keep_for: _Answering(),  # type: ignore[arg-type, return-value]
            wanted=lambda host: True,
            max_idle=1,
            clock=lambda: 5.0,
        )
        for url in ("http://example.com/", "http://example.com:8080/", "http://example.org/"):
            response = await pools.handle_async_request(httpcore.Request("GET", url))
            assert await response.aread() == b"ok"
            await response.aclose()
        assert pools.open_sites == 2  # one of the two example.com origins was closed
        await pools.aclose()

    run(main)
