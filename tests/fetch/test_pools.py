"""A site's next request rides its last one's connection (``fetch.pools``), against servers on
127.0.0.x that count the connections they accept, and idle connections do not pile up."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpcore
import pytest
import respx

from helpers.testca import make_test_ca
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.fetch.pools import PoolPerSite


@pytest.fixture(autouse=True)
def loopback_sites(no_network: respx.MockRouter) -> None:
    """The sites live on 127.0.0.x, one host each: let those through the no-network router."""
    no_network.route(host__regex=r"^127\.0\.0\.\d+$").pass_through()
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:  # macOS answers only on 127.0.0.1 unless told otherwise
        pytest.skip(f"cannot listen on 127.0.0.2 for a second site: {exc}")


@dataclass
class Site:
    """A keep-alive HTTP/1.1 server answering "ok" after ``delay`` seconds; it counts the
    connections it accepted and those the client closed while the server still held them.
    Sites are told apart by host (127.0.0.x), as the client's politeness is per host."""

    host: str = "127.0.0.1"
    delay: float = 0.0
    tls: ssl.SSLContext | None = None
    close_after_answer: bool = False
    accepted: int = 0
    closed_by_client: int = 0
    port: int = 0
    server: asyncio.Server | None = None

    async def start(self) -> Site:
        self.server = await asyncio.start_server(self._serve, self.host, 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    self.closed_by_client += 1
                    return
                except asyncio.CancelledError:  # the test's loop is ending
                    return
                await asyncio.sleep(self.delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_after_answer:
                    return
        except ConnectionError:
            self.closed_by_client += 1
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(main())  # type: ignore[arg-type]


def test_a_sites_second_request_rides_its_first_ones_connection_while_others_come_and_go() -> None:
    """The old single pool, full, closed its oldest idle connection for each new site's: the
    one a hit's control would need one interval later. Site A then saw two connections."""

    async def main() -> None:
        a = await Site("127.0.0.2").start()
        others = [await Site(f"127.0.0.{3 + i}", delay=0.1).start() for i in range(3)]
        settings = Settings(allow_loopback=True, concurrency=2, host_interval=0.5)
        async with Http(settings) as http:

            async def chain() -> None:
                await http.request("GET", a.url + "hit")
                await http.request("GET", a.url + "control")

            async def first_requests() -> None:
                await asyncio.sleep(0.05)  # A's connection is the older one
                for site in others:
                    await http.request("GET", site.url)

            await asyncio.gather(chain(), first_requests())
        for site in (a, *others):
            await site.stop()
        assert a.accepted == 1
        assert [site.accepted for site in others] == [1, 1, 1]

    run(main)


def test_an_idle_connection_nobody_will_ask_for_is_closed_soon_not_kept_for_the_run() -> None:
    """A site whose only request is answered does not keep a socket open while the rest of the
    check runs: its connection is closed at the next request after the grace."""

    async def main() -> None:
        done, later = await Site("127.0.0.2").start(), await Site("127.0.0.3").start()
        settings = Settings(allow_loopback=True, host_interval=0)
        async with Http(settings) as http:
            await http.request("GET", done.url)
            await asyncio.sleep(0.4)  # past the grace
            await http.request("GET", later.url)
            await asyncio.sleep(0.05)  # the server reads the close
            assert done.closed_by_client == 1
            assert later.closed_by_client == 0  # it may still be asked: kept for now
        await done.stop()
        await later.stop()

    run(main)


def test_a_kept_connection_the_server_closed_is_not_used() -> None:
    """The server hung up after its answer: the next request opens a new connection and gets
    its answer, with no error and no retry."""

    async def main() -> None:
        site = await Site(close_after_answer=True).start()
        settings = Settings(allow_loopback=True, host_interval=0.1, retries=0)
        async with Http(settings) as http:
            first = await http.request("GET", site.url)
            second = await http.request("GET", site.url)
        await site.stop()
        assert (first.text, second.text) == ("ok", "ok")
        assert site.accepted == 2

    run(main)


def test_a_connection_is_not_kept_past_keep_for_even_for_a_site_still_asked() -> None:
    async def main() -> None:
        kept, other = await Site("127.0.0.2").start(), await Site("127.0.0.3").start()
        backend = httpcore.AsyncConnectionPool  # the real pool, as fetch.http builds it

        def make(keep_for: float) -> httpcore.AsyncConnectionPool:
            return backend(max_keepalive_connections=1, keepalive_expiry=keep_for)

        pools = PoolPerSite(make, wanted=lambda host: True, keep_for=0.2, grace=0.05)

        async def get(url: str) -> bytes:
            request = httpcore.Request("GET", url, headers=[(b"Host", b"127.0.0.1")])
            response = await pools.handle_async_request(request)
            try:
                return await response.aread()
            finally:
                await response.aclose()

        assert await get(kept.url) == b"ok"
        await asyncio.sleep(0.1)
        assert await get(other.url) == b"ok"
        assert pools.open_sites == 2  # within keep_for and still wanted: kept
        await asyncio.sleep(0.25)
        assert await get(other.url) == b"ok"
        await asyncio.sleep(0.05)
        assert kept.closed_by_client == 1
        await pools.aclose()
        assert pools.open_sites == 0
        for site in (kept, other):
            await site.stop()

    run(main)


def test_an_international_host_is_known_in_its_ascii_form() -> None:
    """httpcore names a host as it goes on the wire (xn--...); the client keeps its hosts as
    httpx reads them."""

    async def main() -> None:
        async with Http(Settings()) as http:
            http.expect(["https://bücher.example/u/jane"])
            assert http._wanted("xn--bcher-kva.example")
            assert not http._wanted("xn--caf-dma.example")

    run(main)


def test_past_max_idle_the_newest_idle_connections_are_closed_the_oldest_kept() -> None:
    """The newest idle connection's next request waits longest (it queued last): it goes first,
    so a check never holds more idle sockets than it has requests in flight."""

    async def main() -> None:
        sites = [await Site(f"127.0.0.{2 + i}").start() for i in range(3)]

        def make(keep_for: float) -> httpcore.AsyncConnectionPool:
            return httpcore.AsyncConnectionPool(
                max_keepalive_connections=1, keepalive_expiry=keep_for
            )

        pools = PoolPerSite(make, wanted=lambda host: True, max_idle=1)
        for site in sites:
            request = httpcore.Request("GET", site.url, headers=[(b"Host", b"127.0.0.1")])
            response = await pools.handle_async_request(request)
            await response.aread()
            await response.aclose()
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert [site.closed_by_client for site in sites] == [0, 1, 0]
        await pools.aclose()
        for site in sites:
            await site.stop()

    run(main)


def test_a_tls_connection_is_reused_for_the_sites_next_request(tmp_path: Path) -> None:
    """Over TLS the handshake is what reuse spares: a server's session tickets, read by the
    event loop after the handshake, must not make the idle connection look closed."""
    authority = make_test_ca(tmp_path)
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(authority["cert"], authority["key"])

    async def main() -> None:
        site = await Site(tls=serving).start()
        settings = Settings(allow_loopback=True, host_interval=0.2, ca_bundle=str(authority["ca"]))
        async with Http(settings) as http:
            first = await http.request("GET", site.url + "hit")
            second = await http.request("GET", site.url + "control")
        await site.stop()
        assert (first.text, second.text) == ("ok", "ok")
        assert site.accepted == 1

    run(main)


def test_with_two_requests_per_host_a_finished_connection_is_kept_while_the_other_is_busy() -> None:
    """httpcore's keep-alive limit counts busy connections too (encode/httpcore#1000): with
    ``per_host_concurrency=2`` a site's pool kept at most one connection in all, so each answer
    that came while the other request was still busy closed its connection, and six requests
    opened four. The single pool kept both."""

    async def main() -> None:
        site = await Site("127.0.0.2", delay=0.02).start()
        settings = Settings(allow_loopback=True, per_host_concurrency=2, host_interval=0, retries=0)
        async with Http(settings) as http:
            answers = await asyncio.gather(
                *(http.request("GET", f"{site.url}{n}") for n in range(6))
            )
        await site.stop()
        assert [answer.text for answer in answers] == ["ok"] * 6
        assert site.accepted == 2

    run(main)


class _Answering:
    """A site's pool that answers at once, without a network (the router is under test), and
    holds one connection."""

    connections = [object()]
    closed = False

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        return httpcore.Response(200, content=b"ok")

    async def aclose(self) -> None:
        self.closed = True


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


def test_a_site_holding_no_connection_is_dropped_and_does_not_count_as_idle() -> None:
    """A failed connect or a server that closes after each answer leaves a pool with nothing in
    it: it must not take one of the ``max_idle`` places of a connection worth keeping."""

    class _Empty(_Answering):
        connections: list[object] = []

    async def main() -> None:
        empty, kept, later = _Empty(), _Answering(), _Answering()
        made = iter([empty, kept, later])
        pools = PoolPerSite(
            lambda keep_for: next(made),  # type: ignore[arg-type, return-value]
            wanted=lambda host: True,
            max_idle=1,
        )
        for url in ("http://empty.example/", "http://kept.example/", "http://next.example/"):
            response = await pools.handle_async_request(httpcore.Request("GET", url))
            await response.aread()
            await response.aclose()
        assert (empty.closed, kept.closed, later.closed) == (True, False, False)
        await pools.aclose()

    run(main)
