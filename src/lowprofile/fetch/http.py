"""The HTTP client of a scan: timeouts, a global limit, honest retries, the proxy, TLS trust.

Every plain request lowprofile makes goes through ``Http`` so that the rules hold everywhere:

* one ``httpx.AsyncClient`` (connection reuse, one proxy setting, one User-Agent);
* a global limit on requests in flight, and per host at most ``per_host_concurrency`` (1 by
  default), with the scan's one ``HostClock`` (``fetch.politeness``) keeping at least
  ``interval_for(host)`` seconds between the starts of two requests to one host, whichever
  fetcher sends them, so a 40-site scan takes about as long as its slowest site instead of
  hammering any of them;
* a free slot of the global limit goes first to a request that continues a chain (a retry, or
  what a caller marks ``continues=True``), then to the host with the most work left
  (requests a checker said it will send there, see ``expect``, times that host's interval), not
  to whoever asked first: the longest chain of polite requests starts first and is never queued
  behind hosts with one request each, so a scan ends near its bound (the busiest host's chain);
* retries with exponential backoff on connection errors and on 429/502/503/504, honouring
  ``Retry-After`` in seconds or as an HTTP date, capped by ``max_retry_after``: a server that
  asks for a longer pause gets none from us, the request gives up as ``RateLimited``;
* after the last try a ``NetError`` subclass says which way it failed, so a checker can report
  ``blocked`` or ``error`` instead of guessing. Other status codes are returned as they are:
  whether a 404 means "not found" is the checker's business, not ours.

The pages and answers come from sites that would rather we failed, so every request is also
bounded and fenced:

* an overall wall-clock deadline (``REQUEST_DEADLINE``) over connect, headers, redirects and the
  whole body, across all the tries of one request and the pauses between them: httpx's read
  timeout restarts with every chunk, so a server dripping one byte every few seconds would
  otherwise hold a scan for ever, and one that never answers would cost it once per try.
  Expiry is final (no retry);
* a body cap (``MAX_BODY_BYTES``), counted after decompression;
* only the public internet (``fetch.fence``): a target or redirect the fence does not call
  public is refused (``TargetRefused``), checked on the URL and again on every address the host
  name resolves to, at the moment of connecting (so DNS cannot swap it in later). Behind a
  proxy the proxy resolves names, so only the URL checks apply there, and they still refuse a
  literal private address. ``allow_loopback`` opens loopback only, for recipe development and
  tests; a breach-service URL the user set (a self-hosted XposedOrNot, a company proxy in front
  of HIBP) is trusted by its host name, since it comes from their own settings;
* no downgrade: a redirect from https:// to http:// is not followed;
* certificate authorities: certifi's, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set, plus the
  ``ca_bundle`` setting, for networks whose proxy inspects TLS.

httpx's own transport ``retries=`` covers connection setup only; status-code retries are ours.
Tests pass a ``transport`` (respx, or ``httpx.MockTransport``) and a fake ``sleep``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import socket
import ssl
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import httpcore
import httpx

from lowprofile.config import Settings
from lowprofile.errors import (
    ConfigError,
    NetError,
    RateLimited,
    RequestFailed,
    ServerUnavailable,
)
from lowprofile.fetch.fence import (
    UNREADABLE_URL,
    PublicOnlyBackend,
    TargetRefused,
    check_public_target,
    place,
    redirect_problem,
)
from lowprofile.fetch.fetcher import Fetched
from lowprofile.fetch.memory import HostMemory
from lowprofile.fetch.politeness import Clock, HostClock, PrioritySlots, Sleep
from lowprofile.fetch.pools import PoolPerSite
from lowprofile.fetch.trust import authorities, must_be_a_file, sources

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BODY_BYTES = 8 * 1024 * 1024
"""Pages larger than this are refused: no people-search result page is that big, and a hostile
server must not be able to fill the user's memory."""
REQUEST_DEADLINE = 60.0
"""Seconds one request may take in all, from connecting to the last byte of the body, redirects
included. A result page or API answer arrives in a few seconds; a server still sending after a
minute is stalling us on purpose or broken, and the scan has others to finish."""
MAX_REDIRECTS = 10
PARK_WAIT = 0.25
"""Seconds a global slot is kept for a host's next request (see ``Http._free_slot``): the time
a checker needs to read one page and ask for the next, far below one answer."""
NETWORK_DOWN_AFTER = 3
"""Distinct public hosts that could not be reached at all (no name, refused, no route), with no
answer from any host yet, after which the network counts as down: the remaining public sites
fail at once instead of each waiting out its own tries, whichever checker asks and however long
they queued. Loopback, private addresses, service URLs the user set (a self-hosted XposedOrNot)
and sites behind a proxy are still tried. A connection that timed out counts as not reached."""
NETWORK_DOWN_GRACE = 5.0
"""Seconds after a client's first request before the rule above may skip anyone: a domain that
no longer exists fails in milliseconds, before a working network's first answer (a TLS
handshake away, 2-3 s on a slow mobile link) comes, and three such among the first requests
must not make every other site "not tried". Offline, this is when the public requests still
waiting on a name or a connection are given up (``Http._abandon``), so a check ends in seconds
however long the resolver waits."""
_NO_NETWORK_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
    "connection refused",
    "network is unreachable",
    "no route to host",
)
"""What connection errors say when trying again soon cannot help."""

__all__ = [
    "MAX_BODY_BYTES",
    "REQUEST_DEADLINE",
    "Http",
    "TargetRefused",
    "configured_hosts",
    "parse_retry_after",
    "ssl_context",
]


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The certificate authorities we trust (``fetch.trust``: ``SSL_CERT_FILE``/``SSL_CERT_DIR``
    when set, else certifi's), plus ``settings.ca_bundle``."""
    try:
        context = authorities()
    except (OSError, ssl.SSLError) as exc:
        cafile, capath = sources()
        raise ConfigError(f"SSL_CERT_FILE/SSL_CERT_DIR ({cafile or capath}): {exc}") from exc
    if settings.ca_bundle:
        bundle = Path(settings.ca_bundle).expanduser()
        try:
            if bundle.is_dir():
                context.load_verify_locations(capath=str(bundle))
            else:
                must_be_a_file(str(bundle))
                context.load_verify_locations(cafile=str(bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"ca_bundle: {bundle}: {exc}") from exc
    return context


def _guarded_transport(
    context: ssl.SSLContext,
    *,
    allow_loopback: bool,
    trusted: frozenset[str],
    connections: int,
    per_host: int,
    wanted: Callable[[str], bool],
) -> httpx.AsyncHTTPTransport:
    """httpx's transport over a pool per site (``fetch.pools``), each around
    ``PublicOnlyBackend``: a site's next request (``wanted``) rides its last one's connection.

    A site's pool takes as many connections as requests may be in flight (httpcore's default of
    10 would cap the ``concurrency`` setting without a word where ``per_host_concurrency`` is
    raised) and keeps one idle per request it may have in flight (``per_host``, the
    ``per_host_concurrency`` setting): httpcore counts busy connections against that limit too
    (encode/httpcore#1000), so with two in flight a limit of one closed each connection that
    finished while the other was busy, and a site's every other request opened a new one."""
    backend = PublicOnlyBackend(allow_loopback=allow_loopback, trusted=trusted)

    def site_pool(keep_for: float) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=connections,
            max_keepalive_connections=per_host,
            keepalive_expiry=keep_for,
            network_backend=backend,
        )

    transport = httpx.AsyncHTTPTransport(verify=context)
    pools = PoolPerSite(site_pool, wanted, max_idle=connections)
    transport._pool = pools  # type: ignore[assignment]
    return transport


_SERVICE_URLS = ("xposedornot_url", "hibp_url", "pwnedpasswords_url")


def configured_hosts(settings: Settings) -> frozenset[str]:
    """Hosts of the breach-service URLs the user changed from the built-in ones.

    They come from the user's own settings, not from a page or a broker file, and may rightly
    be private (a self-hosted XposedOrNot, a company proxy in front of HIBP), so they are not
    held to the public-internet rule. A redirect away from them is.
    """
    defaults = Settings()
    hosts = set()
    for name in _SERVICE_URLS:
        value = getattr(settings, name)
        if value != getattr(defaults, name):
            hosts.add((httpx.URL(value).host or "").lower())
    hosts.discard("")
    return frozenset(hosts)


def _within_trusted(source: httpx.URL, target: httpx.URL, trusted: frozenset[str]) -> bool:
    """A redirect that stays on a configured service host, without dropping TLS."""
    downgrade = source.scheme == "https" and target.scheme == "http"
    return target.host.lower() in trusted and not downgrade


def _environment_proxies() -> bool:
    """True when HTTP(S)_PROXY/ALL_PROXY are set: httpx then connects through that proxy."""
    found = urllib.request.getproxies()
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait for a Retry-After (delta-seconds or HTTP-date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


@dataclass
class _HostGate:
    """This client's state for one host: its slot count, its interval, who is asking. When
    the host's last request started is the scan's ``HostClock``'s, shared with the browser."""

    slots: asyncio.Semaphore
    interval: float
    asking: int = 0
    """Requests for this host inside ``Http.request`` now (waiting or sent)."""
    parked: asyncio.TimerHandle | None = None
    """A global slot kept for this host's next request (its chain goes on), and the timer that
    gives it back if that request does not come at once."""
    begun: bool = False
    """A request to this host has started in this run: what it costs is being learnt anew."""


class Http:
    """The shared async HTTP client. Use as ``async with Http(settings) as http: ...``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        deadline: float | None = None,
        politeness: HostClock | None = None,
        memory: HostMemory | None = None,
    ) -> None:
        self.settings = settings
        self.memory = memory
        """What each host cost the last run (``fetch.memory``): the slow go first; kept on exit."""
        self.deadline = REQUEST_DEADLINE if deadline is None else deadline
        self._transport = transport
        self._sleep = sleep
        self.politeness = politeness or HostClock(settings.interval_for, clock=clock, sleep=sleep)
        """The per-host clock; hand it to the browser engine so both keep one pause."""
        self._client: httpx.AsyncClient | None = None
        self._global: PrioritySlots | None = None
        self._gates: dict[str, _HostGate] = {}
        self._expected: Counter[str] = Counter()
        self._answered = False
        self._unreachable: set[str] = set()
        self._first_start: float | None = None
        """Loop time this client's first request really started (``NETWORK_DOWN_GRACE``)."""
        self._down_timer: asyncio.TimerHandle | None = None
        self._sending: dict[asyncio.Timeout, str] = {}
        """The deadline of each try on the wire, with its host: given up when the network is
        found down."""
        self._proxied = bool(settings.proxy) or (transport is None and _environment_proxies())
        self._trusted = configured_hosts(settings)
        """Worked out once: every request and redirect is checked against it."""

    async def __aenter__(self) -> Http:
        s = self.settings
        kwargs: dict[str, Any] = {
            "timeout": httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            "headers": {
                "User-Agent": s.user_agent,
                "Accept-Language": s.accept_language,
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            },
            # Redirects are followed by _send, one checked hop at a time.
            "follow_redirects": False,
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        else:
            # Behind a proxy the proxy resolves names, so only the URL checks apply there.
            context = ssl_context(s)
            kwargs["verify"] = context
            if s.proxy:
                kwargs["proxy"] = s.proxy
            elif not _environment_proxies():
                kwargs["transport"] = _guarded_transport(
                    context,
                    allow_loopback=s.allow_loopback,
                    trusted=self._trusted,
                    connections=s.concurrency,
                    per_host=s.per_host_concurrency,
                    wanted=self._wanted,
                )
        try:
            self._client = httpx.AsyncClient(**kwargs)
        except (ValueError, ImportError, httpx.InvalidURL) as exc:
            # What httpx refuses in a proxy address (a scheme, a port) is refused first by
            # config.proxy_problem; should it let one through, this stays one line (exit 2).
            raise ConfigError(f"proxy: {exc}") from exc
        self._global = PrioritySlots(s.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._down_timer is not None:
            self._down_timer.cancel()
        if self.memory is not None:
            self.memory.save()

    def _gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = _HostGate(
                slots=asyncio.Semaphore(self.settings.per_host_concurrency),
                interval=self.settings.interval_for(host),
            )
            self._gates[host] = gate
        return gate

    def _wanted(self, host: str) -> bool:
        """Whether a request for ``host`` is asking now or was announced (``expect``): its
        connection is worth keeping (``fetch.pools``). The pool names a host as it went on the
        wire, so an international one comes in its ASCII form."""
        if "xn--" in host:
            try:
                host = httpx.URL(f"http://{host}/").host
            except UNREADABLE_URL:
                return False
        gate = self._gates.get(host)
        return self._left(host, gate) > 0

    def _left(self, host: str, gate: _HostGate | None, done: int = 0) -> int:
        """Requests still to come for ``host``: announced by ``expect``, or at least those
        asking now, less ``done`` of them."""
        asking = gate.asking - done if gate is not None else 0
        return max(self._expected[host], asking)

    def expect(self, urls: Iterable[str]) -> None:
        """A scheduling hint: these requests will come (in any order, from any task). Each
        counts as work left for its host until a request to that host starts, so the hosts
        with the longest chains get the free slots first. Politeness does not depend on it."""
        for url in urls:
            try:
                self._expected[httpx.URL(url).host] += 1
            except UNREADABLE_URL:  # refused where it is asked for
                continue

    def _urgency(
        self, host: str, gate: _HostGate, done: int = 0, *, continues: bool = False
    ) -> tuple[float, float, float]:
        """Who goes first: a request that continues a chain (a retry, or one marked so)
        before any first request, since the work already done waits on it; then how much this
        host still has to do: requests left (said by ``expect``, or at least those asking now,
        less ``done`` of them) in seconds of its interval, then in requests. Until the host's
        first request starts, a host whose longest request took more than an interval last run
        (``memory``: it asked us to wait, or answers slowly) counts that instead of one
        interval: it starts before the unknown and the quick, whose order stays as it was."""
        left = self._left(host, gate, done)
        work = left * gate.interval
        took = self.memory.took(host) if self.memory is not None and not gate.begun else None
        if took is not None and left > 0:
            work += max(took - gate.interval, 0.0)
        return (1.0 if continues else 0.0, work, float(left))

    async def _take_slot(self, host: str, gate: _HostGate, *, continues: bool) -> None:
        assert self._global is not None  # noqa: S101 - checked by request()
        if gate.parked is not None:  # kept for us by this host's previous request
            gate.parked.cancel()
            gate.parked = None
            return
        await self._global.acquire(self._urgency(host, gate, continues=continues))

    def _free_slot(self, host: str, gate: _HostGate) -> None:
        """Keep the slot for this host's next request when its chain goes on, its next turn is
        (about) now and nobody waiting has more to do; else give it to the most urgent waiter.
        Without this, a long chain would queue anew behind everyone after each answer."""
        assert self._global is not None  # noqa: S101 - checked by request()
        left = self._urgency(host, gate, done=1)
        wait = self.politeness.wait_left(host)
        first = self._global.most_urgent()
        if left[2] > 0 and wait <= PARK_WAIT and (first is None or left >= first):
            loop = asyncio.get_running_loop()
            gate.parked = loop.call_later(max(wait, 0) + PARK_WAIT, self._unpark, gate)
        else:
            self._global.release()

    def _unpark(self, gate: _HostGate) -> None:
        assert self._global is not None  # noqa: S101 - set while a request runs
        if gate.parked is not None:
            gate.parked = None
            self._global.release()

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff * (2**attempt)
        return base + random.uniform(0, base / 4)  # noqa: S311 - jitter, not security

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def fetch_page(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        wait_for: Sequence[str] = (),
    ) -> Fetched:
        """The ``Fetcher`` seam: one page, as ``request`` sends it (``wait_for`` is the
        browser's business; a plain client has nothing to wait for)."""
        response = await self.request(method, url, headers=headers or None, data=form or None)
        return Fetched(response.text, response.status_code, str(response.url))

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        follow_redirects: bool = True,
        continues: bool = False,
        remember: bool = True,
    ) -> httpx.Response:
        """Send one request politely; return the final response or raise a ``NetError``.

        ``content`` is a raw body (a site's own JSON or form text); ``follow_redirects=False``
        returns a redirect as it is, for sources whose answer is the redirect itself.
        ``continues`` says this request carries on work already started whose rest is long:
        it goes ahead of first requests, as a retry does (a request that ends its chain, such
        as a made-up-name control, is better left in line: ``usernames.probe.Controls``).
        ``remember=False`` keeps the host out of the host memory (a host made of a name)."""
        if self._client is None or self._global is None:
            raise RuntimeError("Http must be used inside `async with`")
        try:
            host = httpx.URL(url).host
        except UNREADABLE_URL as exc:
            raise RequestFailed(f"invalid URL: {exc}", url=url) from exc
        self._refuse_when_down(host, url)
        gate = self._gate(host)
        gate.asking += 1
        began: list[float] = []
        try:
            parts = (headers, params, data, json)
            return await self._polite(
                gate, host, method, url, parts, content, follow_redirects, continues, began
            )
        finally:
            gate.asking -= 1
            if began and remember and self.memory is not None:
                self.memory.note(host, asyncio.get_running_loop().time() - began[0])

    async def _polite(
        self,
        gate: _HostGate,
        host: str,
        method: str,
        url: str,
        parts: tuple[dict[str, str] | None, dict[str, str] | None, dict[str, str] | None, Any],
        content: str | bytes | None,
        follow_redirects: bool,
        continues: bool,
        began: list[float],
    ) -> httpx.Response:
        """One host's turn: its gate, its interval, then a global slot by urgency; retries.
        ``began`` gets the loop time the first try really started (for the host memory).

        The deadline is one for the whole request: it starts when the host's turn comes for its
        first try (not while it waits out the host's politeness interval, which is the site's
        due) and covers the wait for one of our own slots, every try and every pause between
        them, so a site that never answers costs ``deadline`` seconds, not that per try, and
        not that plus its place in our queue: a check of 700 sites with one hanging among them
        ends about ``deadline`` seconds after it started, wherever that site is listed."""
        assert self._global is not None  # noqa: S101 - checked by request()
        retries = self.settings.retries
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.deadline
        async with gate.slots:
            for attempt in range(retries + 1):
                # Asked before the site's pause too: a request queued behind another to the
                # same host must not wait out an interval to be refused.
                self._refuse_when_down(host, url)
                await self.politeness.wait_turn(host)
                if attempt == 0:
                    ends = loop.time() + self.deadline
                try:
                    await self._take_slot(host, gate, continues=continues or attempt > 0)
                    try:
                        if attempt == 0 and self._expected[host] > 0:
                            self._expected[host] -= 1
                        # Asked again now: a request may have queued for its slot while the
                        # first ones found the network down, and must not then be sent.
                        self._refuse_when_down(host, url)
                        # The interval counts from when a request really starts: a slot may
                        # come long after the turn, and an answer may come at once.
                        self.politeness.started(host)
                        gate.begun = True
                        if self._first_start is None:
                            self._first_start = loop.time()
                        if not began:
                            began.append(loop.time())
                        response = await self._send(
                            method, url, *parts, content, follow_redirects, ends=ends
                        )
                    finally:
                        self._free_slot(host, gate)
                except httpx.TransportError as exc:
                    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                        began.clear()  # a host never reached: nothing learnt of what it costs
                    reason = _describe_transport_error(exc)
                    log.debug("%s %s failed (try %d): %s", method, url, attempt + 1, reason)
                    if isinstance(exc, httpx.ConnectTimeout):
                        # No answer at all: counts towards "the network is down", but a slow
                        # host on a working network deserves its next try.
                        self._not_reached(host)
                    if _no_network(exc):
                        # DNS or a refused connection: trying again in a second will not help.
                        self._not_reached(host)
                        raise RequestFailed(f"{host}: {reason}", url=url) from exc
                    pause = self._backoff(attempt)
                    if attempt == retries or loop.time() + pause >= ends:
                        raise RequestFailed(
                            f"{host}: {reason} (after {attempt + 1} tries)", url=url
                        ) from exc
                    await self._sleep(pause)
                    continue
                except httpx.HTTPError as exc:
                    raise RequestFailed(
                        f"{host}: {exc.__class__.__name__}: {exc}", url=url
                    ) from exc
                log.debug("%s %s -> %d", method, url, response.status_code)
                self._answered = True
                if response.status_code not in RETRY_STATUSES:
                    return response
                delay = self._retry_delay(response, attempt, url)
                if attempt == retries or loop.time() + delay >= ends:
                    raise _give_up(response, url, attempt + 1)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def network_down(self) -> bool:
        """No host has answered and several could not be reached at all."""
        return not self._answered and len(self._unreachable) >= NETWORK_DOWN_AFTER

    def down_for(self, host: str) -> bool:
        """Whether the one "network is down" rule skips ``host`` now (``network_down``, at
        least ``NETWORK_DOWN_GRACE`` after the first request): the browser asks it too, so a
        scan offline ends in seconds whichever way its sites are read."""
        if not self.network_down or self._first_start is None:
            return False
        waited = asyncio.get_running_loop().time() - self._first_start
        return waited >= NETWORK_DOWN_GRACE and self._counts_as_public(host)

    def _not_reached(self, host: str) -> None:
        """``host`` could not be reached at all; once that makes the network look down, the
        public tries still waiting on a name or a connection are given up at the end of the
        grace (now, if it is over)."""
        self._unreachable.add(host)
        if not self.network_down or self._first_start is None or self._down_timer is not None:
            return
        loop = asyncio.get_running_loop()
        self._down_timer = loop.call_at(self._first_start + NETWORK_DOWN_GRACE, self._abandon)

    def _abandon(self) -> None:
        """Give up the public tries on the wire: no host has answered any of them, and
        several could not be reached at all (an answer meanwhile keeps them going)."""
        self._down_timer = None
        if not self.network_down:
            return
        now = asyncio.get_running_loop().time()
        for limit, host in list(self._sending.items()):
            if self._counts_as_public(host):
                limit.reschedule(now)

    def _refuse_when_down(self, host: str, url: str) -> None:
        """The one "network is down" rule every checker meets, since every plain request comes
        through here: once it holds, a public host is failed at once instead of being tried."""
        if self.down_for(host):
            raise RequestFailed(
                f"{host}: not tried: the network looks down ({len(self._unreachable)} sites "
                "could not be reached and none answered)",
                url=url,
            )

    def _counts_as_public(self, host: str) -> bool:
        """Whether the rule may skip ``host``: a public site reached directly. A host on this
        machine or a private network, a service URL the user set, and any site behind a proxy
        (which resolves names our own resolver may not) are still tried."""
        if self._proxied or host.lower() in self._trusted:
            return False
        return place(host).public

    def _retry_delay(self, response: httpx.Response, attempt: int, url: str) -> float:
        """The pause before the next try; a Retry-After beyond our cap means give up now."""
        asked = parse_retry_after(response.headers.get("Retry-After"))
        if asked is None:
            return self._backoff(attempt)
        if asked > self.settings.max_retry_after:
            host = httpx.URL(url).host
            message = (
                f"{host}: asked to wait {asked:.0f} s (Retry-After), more than the "
                f"{self.settings.max_retry_after:.0f} s we wait"
            )
            if response.status_code == 429:
                raise RateLimited(message, url=url, retry_after=asked)
            raise ServerUnavailable(message, url=url, status_code=response.status_code)
        return asked

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None,
        params: dict[str, str] | None,
        data: dict[str, str] | None,
        json: Any,
        content: str | bytes | None = None,
        follow_redirects: bool = True,
        *,
        ends: float,
    ) -> httpx.Response:
        """One try, cut off at ``ends`` (the loop time the request's one deadline runs out)."""
        assert self._client is not None  # noqa: S101 - checked by request()
        request = self._client.build_request(
            method, url, headers=headers, params=params, data=data, json=json, content=content
        )
        host = request.url.host
        try:
            async with asyncio.timeout_at(ends) as limit:
                self._sending[limit] = host
                try:
                    return await self._fetch(request, url, follow_redirects)
                finally:
                    del self._sending[limit]
        except TimeoutError:
            if self.down_for(host):
                raise RequestFailed(
                    f"{host}: given up: the network looks down ({len(self._unreachable)} "
                    "sites could not be reached and none answered)",
                    url=url,
                ) from None
            raise RequestFailed(
                f"{host}: no complete answer within {self.deadline:g} s "
                "(the overall deadline of one request, over all its tries)",
                url=url,
            ) from None

    async def _fetch(
        self, request: httpx.Request, url: str, follow_redirects: bool = True
    ) -> httpx.Response:
        """Send ``request``, follow checked redirects, read the capped body."""
        assert self._client is not None  # noqa: S101 - checked by request()
        allow_loopback = self.settings.allow_loopback
        trusted = self._trusted
        problem = check_public_target(str(request.url), allow_loopback=allow_loopback)
        if problem and request.url.host.lower() not in trusted:
            raise TargetRefused(problem, url=url)
        history: list[httpx.Response] = []
        while True:
            try:
                response = await self._client.send(request, stream=True)
            except UnicodeError as exc:  # httpx reading a Location whose host is not IDNA
                raise RequestFailed(
                    f"{request.url.host}: redirects to a host name that cannot be read ({exc})",
                    url=url,
                ) from exc
            following = response.next_request
            if following is None or not follow_redirects:
                break
            await response.aclose()
            problem = redirect_problem(request.url, following.url, allow_loopback=allow_loopback)
            if problem and not _within_trusted(request.url, following.url, trusted):
                raise TargetRefused(problem, url=url, status_code=response.status_code)
            history.append(response)
            if len(history) > MAX_REDIRECTS:
                raise RequestFailed(
                    f"{request.url.host}: more than {MAX_REDIRECTS} redirects", url=url
                )
            request = following
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise RequestFailed(
                        f"{request.url.host}: response larger than {MAX_BODY_BYTES} bytes",
                        url=url,
                        status_code=response.status_code,
                    )
        finally:
            await response.aclose()
        # Rebuild a complete response so callers get .text/.json() as usual. The body is already
        # decompressed (and counted decompressed, against compression bombs).
        dropped = {"content-encoding", "content-length", "transfer-encoding"}
        headers_out = [
            (k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped
        ]
        return httpx.Response(
            response.status_code,
            headers=headers_out,
            content=bytes(body),
            request=response.request,
            history=history,
        )


def _give_up(response: httpx.Response, url: str, tries: int) -> NetError:
    host = httpx.URL(url).host
    code = response.status_code
    if code == 429:
        return RateLimited(
            f"{host}: rate limited (429) after {tries} tries",
            url=url,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return ServerUnavailable(
        f"{host}: server unavailable ({code}) after {tries} tries", url=url, status_code=code
    )


def _no_network(exc: BaseException) -> bool:
    """True for a connection error that says the host cannot be reached at all (no such name,
    refused, no route), looking through the causes httpx wraps around the socket's error."""
    if not isinstance(exc, httpx.ConnectError):
        return False
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror | ConnectionRefusedError):
            return True
        if any(words in str(seen).lower() for words in _NO_NETWORK_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_transport_error(exc: httpx.TransportError) -> str:
    kinds = {
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.ProxyError: "proxy failed",
        httpx.ConnectError: "could not connect",
    }
    for kind, words in kinds.items():
        if isinstance(exc, kind):
            detail = str(exc)
            return f"{words} ({detail})" if detail else words
    return f"{exc.__class__.__name__}: {exc}"
