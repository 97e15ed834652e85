"""One small connection pool per site, so that a site's next request rides the connection its
last one opened.

A check's requests come in chains: a hit and then its made-up-name control one interval later,
a 429 and then its retry, a search and then its result page. On a real site each new connection
costs a TCP and a TLS handshake (two round trips, and a few milliseconds of CPU) before the
request is even sent, and the chain's end, which is the check's end when it is the longest,
moves back by that much at every link.

One httpcore pool for the whole client does not keep those connections. Its idle limit counts
busy connections too (encode/httpcore#1000), and with ``concurrency`` requests in flight over
hundreds of sites every new connection closes the oldest idle one, so the connection a control
needs is gone a fraction of a second after the hit's answer: on issue 24's 300-site stand-in,
435 requests opened 435 connections. Here each origin (scheme, host, port) has its own pool
keeping at most one idle connection (one per request a host may have in flight, where
``per_host_concurrency`` is raised), and this router decides how long that lasts:

* while the client still has a request for the host (``wanted``: one asking or announced), up to
  ``keep_for`` seconds, safely under the 5 s many servers keep an idle connection;
* otherwise ``grace`` seconds after its last answer (the chain's next request is asked a moment
  after the answer that starts it), then it is closed at the next request anywhere;
* and at most ``max_idle`` at once (the client passes its ``concurrency``): past that, the
  newest idle ones are closed, whose next requests wait longest (a hit's control waits its turn
  behind the controls asked before it). On issue 24's stand-in a hundred controls queue up at
  once: without the cap a check had 161 descriptors open at its peak, with it 70, where a
  system's default limit may be 256 in all (macOS).

Reusing a connection changes nothing of what a site sees besides the handshake it is spared:
requests to a host still go one at a time, an interval apart (``fetch.http``). A connection the
server has closed meanwhile is not used: httpcore asks the socket first (``sockets.readable``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

import httpcore

KEEP_FOR = 4.0
"""Seconds an idle connection is kept for a site that still has requests coming."""
GRACE = 0.1
"""Seconds an idle connection waits for its site's next request to be asked at all."""

Origin = tuple[bytes, bytes, int | None]


@dataclass
class _Site:
    """One origin's pool, how many of its answers are still being read, and since when it has
    been idle."""

    pool: httpcore.AsyncConnectionPool
    host: str
    reading: int = 0
    idle_since: float = field(default_factory=time.monotonic)


class _Released:
    """An answer's body as httpcore streams it, telling the router when it is closed: from then
    on the site's connection is idle."""

    def __init__(
        self, stream: Iterable[bytes] | AsyncIterable[bytes], done: Callable[[], None]
    ) -> None:
        self._stream = stream
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, AsyncIterable)  # noqa: S101 - an async pool's stream
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        try:
            closing = getattr(self._stream, "aclose", None)
            if closing is not None:
                await closing()
        finally:
            if self._done is not None:
                done, self._done = self._done, None
                done()


class PoolPerSite:
    """httpcore's request interface over one pool per origin (see the module's docstring).

    ``make_pool`` builds an origin's pool (the fenced backend, the TLS context); ``wanted(host)``
    says whether the client has another request for that host now."""

    def __init__(
        self,
        make_pool: Callable[[float], httpcore.AsyncConnectionPool],
        wanted: Callable[[str], bool],
        *,
        keep_for: float = KEEP_FOR,
        grace: float = GRACE,
        max_idle: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make_pool = make_pool
        self._wanted = wanted
        self._keep_for = keep_for
        self._grace = grace
        self._max_idle = max_idle
        self._clock = clock
        self._sites: dict[Origin, _Site] = {}

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._close_idle()
        url = request.url
        origin = (url.scheme, url.host, url.port)
        site = self._sites.get(origin)
        if site is None:
            pool = self._make_pool(self._keep_for)
            site = _Site(pool, url.host.decode("ascii").lower())
            self._sites[origin] = site
        site.reading += 1
        try:
            response = await site.pool.handle_async_request(request)
        except BaseException:
            self._read(site)
            raise
        response.stream = _Released(response.stream, lambda: self._read(site))
        return response

    def _read(self, site: _Site) -> None:
        site.reading -= 1
        site.idle_since = self._clock()

    async def _close_idle(self) -> None:
        """Close the pools of sites whose connection is idle and will not be asked for again:
        holding none, past the grace with no request coming, or past ``keep_for`` in any case;
        then the newest idle ones past ``max_idle``."""
        now = self._clock()
        idle = [(origin, site) for origin, site in self._sites.items() if site.reading == 0]
        done = [
            origin
            for origin, site in idle
            if not site.pool.connections  # nothing to keep (a failed connect, a closing server)
            or now - site.idle_since > self._keep_for
            or (now - site.idle_since > self._grace and not self._wanted(site.host))
        ]
        kept = len(idle) - len(done)
        if kept > self._max_idle:
            # The newest wait longest: their next requests queue behind the older ones'.
            leaving = set(done)
            # By age alone: two origins of one host can be idle since the same tick of a
            # coarse clock, and an origin's port may be None (its scheme's) or a number.
            newest = sorted(
                ((site.idle_since, origin) for origin, site in idle if origin not in leaving),
                key=lambda pair: pair[0],
            )
            done += [origin for _, origin in newest[self._max_idle :]]
        closing = [self._sites.pop(origin).pool for origin in done]  # before any await
        for pool in closing:
            await pool.aclose()

    @property
    def open_sites(self) -> int:
        """How many sites have a pool (busy or kept idle) now."""
        return len(self._sites)

    async def aclose(self) -> None:
        sites, self._sites = list(self._sites.values()), {}
        for site in sites:
            await site.pool.aclose()

    async def __aenter__(self) -> PoolPerSite:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
