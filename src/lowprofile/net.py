"""The one HTTP client of a scan: timeouts, politeness per host, a global limit, honest retries.

Every request lowprofile makes goes through ``Http`` so that the rules hold everywhere:

* one ``httpx.AsyncClient`` (connection reuse, one proxy setting, one User-Agent);
* a global limit on requests in flight, and per host at most ``per_host_concurrency`` (1 by
  default) with at least ``interval_for(host)`` seconds between the starts of two requests, so a
  40-site scan takes about as long as its slowest site instead of hammering any of them;
* a free slot of the global limit goes to the host with the most work left (requests a checker
  said it will send there, see ``expect``, times that host's interval), not to whoever asked
  first: the longest chain of polite requests starts first and is never queued behind hosts
  with one request each, so a scan ends near its bound (the busiest host's chain);
* retries with exponential backoff on connection errors and on 429/502/503/504, honouring
  ``Retry-After`` in seconds or as an HTTP date, capped by ``max_retry_after``: a server that
  asks for a longer pause gets none from us, the request gives up as ``RateLimited``;
* after the last try a ``NetError`` subclass says which way it failed, so a checker can report
  ``blocked`` or ``error`` instead of guessing. Other status codes are returned as they are:
  whether a 404 means "not found" is the checker's business, not ours.

The pages and answers come from sites that would rather we failed, so every request is also
bounded and fenced:

* an overall wall-clock deadline (``REQUEST_DEADLINE``) over connect, headers, redirects and the
  whole body: httpx's read timeout restarts with every chunk, so a server dripping one byte every
  few seconds would otherwise hold a scan for ever. Expiry is final (no retry);
* a body cap (``MAX_BODY_BYTES``), counted after decompression;
* only the public internet: a target or redirect to a loopback, private, link-local or
  unspecified address is refused (``TargetRefused``), checked on the URL and again on every
  address the host name resolves to, at the moment of connecting (so DNS cannot swap it in
  later). ``allow_loopback`` opens loopback only, for recipe development and tests; a
  breach-service URL the user set (a self-hosted XposedOrNot, a company proxy in front of
  HIBP) is trusted by its host name, since it comes from their own settings;
* no downgrade: a redirect from https:// to http:// is not followed;
* certificate authorities: certifi's, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set, plus the
  ``ca_bundle`` setting, for networks whose proxy inspects TLS.

httpx's own transport ``retries=`` covers connection setup only; status-code retries are ours.
Tests pass a ``transport`` (respx, or ``httpx.MockTransport``) and a fake ``sleep``.
"""

from __future__ import annotations

import asyncio
import email.utils
import heapq
import ipaddress
import itertools
import logging
import os
import random
import socket
import ssl
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
fail at once instead of each waiting out its own tries. Loopback, private addresses and service
URLs the user set (a self-hosted XposedOrNot) are still tried."""
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

_LOOPBACK_OPT_IN = "LOWPROFILE_ALLOW_LOOPBACK=1"


class TargetRefused(RequestFailed):
    """A request (or a redirect) that would leave the public internet or drop TLS: not sent."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_problem(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why lowprofile will not connect to ``address`` (e.g. "a link-local address"), or None.

    Only globally routable addresses pass: a hostile page or broker file must not turn the
    scanner against the user's own router, cloud metadata service or local databases.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_problem(embedded, allow_loopback=allow_loopback)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved:
        return "a multicast or reserved address"
    if not address.is_global:
        return "not a public address"
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``,
    NAT64 ``64:ff9b::/96``): a private IPv4 must not pass dressed as IPv6."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _literal_address(host: str) -> IPAddress | None:
    """The address a host part names by itself, including old forms (``127.1``, ``0x7f.1``,
    ``2130706433``) that the system resolver still accepts."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_public_target(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why ``url`` may not be fetched (one sentence), or None when it may.

    A static check, without DNS: the scheme is http(s), the host is not ``localhost`` nor a
    literal loopback/private/link-local/unspecified address. Brokers' validator calls it on
    search and opt-out URLs; ``Http`` calls it on every request and redirect, and checks the
    resolved addresses again when it connects.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parsed.scheme not in ("http", "https"):
        return f"{url!r}: only http:// and https:// are fetched"
    host = parsed.host.lower().rstrip(".")
    if not host:
        return f"{url!r} has no host"
    if host == "localhost" or host.endswith(".localhost"):
        if allow_loopback:
            return None
        return f"{host} is a loopback address: {_refusal()}"
    address = _literal_address(host)
    if address is None:
        return None
    problem = address_problem(address, allow_loopback=allow_loopback)
    return f"{host} is {problem}: {_refusal()}" if problem else None


def _refusal() -> str:
    return f"lowprofile only contacts the public internet ({_LOOPBACK_OPT_IN} opens loopback)"


def redirect_problem(source: httpx.URL, target: httpx.URL, *, allow_loopback: bool) -> str | None:
    """Why a redirect from ``source`` to ``target`` is not followed, or None."""
    if source.scheme == "https" and target.scheme == "http":
        return f"{source.host} redirected from https to plain http ({target}): not followed"
    problem = check_public_target(str(target), allow_loopback=allow_loopback)
    return f"{source.host} redirected to {problem}" if problem else None


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves the host itself, refuses it if any address is
    not public, then connects to a checked address (so a second DNS answer cannot differ).

    # NOTE: httpx has no public way to pass a network backend to its default transport
    # (https://github.com/encode/httpx/pull/3749); ``_guarded_transport`` sets it on the pool.
    """

    def __init__(
        self,
        *,
        allow_loopback: bool,
        trusted: frozenset[str] = frozenset(),
        inner: httpcore.AsyncNetworkBackend | None = None,
    ):
        self.allow_loopback = allow_loopback
        self.trusted = trusted
        self._inner = inner or httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to; a TargetRefused if one of them is not public."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if host.lower() in self.trusted:
            return addresses
        for raw in addresses:
            address = _literal_address(raw)
            problem = (
                address_problem(address, allow_loopback=self.allow_loopback)
                if address is not None
                else "not an IP address"
            )
            if problem:
                shown = host if raw == host else f"{host} resolves to {raw}, which"
                raise TargetRefused(f"{shown} is {problem}: {_refusal()}")
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.resolve(host, port):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # noqa: S101 - resolve() returns at least one address
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused(f"unix socket {path}: {_refusal()}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The certificate authorities we trust: ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set (the
    usual convention for a TLS-inspecting proxy), else certifi's; plus ``settings.ca_bundle``."""
    import certifi

    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    try:
        if cafile or capath:
            context = ssl.create_default_context(cafile=cafile, capath=capath)
        else:
            context = ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"SSL_CERT_FILE/SSL_CERT_DIR ({cafile or capath}): {exc}") from exc
    if settings.ca_bundle:
        bundle = Path(settings.ca_bundle).expanduser()
        try:
            if bundle.is_dir():
                context.load_verify_locations(capath=str(bundle))
            else:
                context.load_verify_locations(cafile=str(bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"ca_bundle: {bundle}: {exc}") from exc
    return context


def _guarded_transport(
    context: ssl.SSLContext, *, allow_loopback: bool, trusted: frozenset[str], connections: int
) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its connection pool rebuilt around ``PublicOnlyBackend``.

    The pool holds as many connections as requests may be in flight: httpcore's own default
    (10) would otherwise cap the ``concurrency`` setting without a word."""
    transport = httpx.AsyncHTTPTransport(verify=context)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=connections,
        max_keepalive_connections=connections,
        network_backend=PublicOnlyBackend(allow_loopback=allow_loopback, trusted=trusted),
    )
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


Sleep = Callable[[float], Awaitable[None]]


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
    """Politeness state for one host: a slot count and when the last request started."""

    slots: asyncio.Semaphore
    interval: float
    last_start: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    asking: int = 0
    """Requests for this host inside ``Http.request`` now (waiting or sent)."""
    parked: asyncio.TimerHandle | None = None
    """A global slot kept for this host's next request (its chain goes on), and the timer that
    gives it back if that request does not come at once."""


class PrioritySlots:
    """A counting semaphore that hands a freed slot to the most urgent waiter, not the first.

    Urgency is a tuple compared as usual (bigger goes first); equal urgencies keep their order
    of arrival. A waiter cancelled after being handed a slot passes it on, so none is lost.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[tuple[float, ...], int, asyncio.Future[None]]] = []
        """(negated urgency, arrival, future): heapq pops the most urgent, earliest first."""
        self._arrival = itertools.count()

    async def acquire(self, urgency: tuple[float, ...] = ()) -> None:
        if self._free > 0:  # a free slot means nobody waits: release() hands slots out
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = tuple(-part for part in urgency)
        heapq.heappush(self._waiting, (key, next(self._arrival), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot just as we were cancelled
            raise

    def most_urgent(self) -> tuple[float, ...] | None:
        """The urgency of the first waiter in line, or None when nobody waits."""
        while self._waiting and self._waiting[0][2].done():
            heapq.heappop(self._waiting)  # cancelled
        return tuple(-part for part in self._waiting[0][0]) if self._waiting else None

    def release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter's entry is skipped here
                future.set_result(None)
                return
        self._free += 1

    @asynccontextmanager
    async def hold(self, urgency: tuple[float, ...] = ()) -> AsyncIterator[None]:
        await self.acquire(urgency)
        try:
            yield
        finally:
            self.release()


class Http:
    """The shared async HTTP client. Use as ``async with Http(settings) as http: ...``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        self.settings = settings
        self.deadline = REQUEST_DEADLINE if deadline is None else deadline
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._global: PrioritySlots | None = None
        self._gates: dict[str, _HostGate] = {}
        self._expected: Counter[str] = Counter()
        self._answered = False
        self._unreachable: set[str] = set()

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
                    trusted=configured_hosts(s),
                    connections=s.concurrency,
                )
        self._client = httpx.AsyncClient(**kwargs)
        self._global = PrioritySlots(s.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = _HostGate(
                slots=asyncio.Semaphore(self.settings.per_host_concurrency),
                interval=self.settings.interval_for(host),
            )
            self._gates[host] = gate
        return gate

    def expect(self, urls: Iterable[str]) -> None:
        """A scheduling hint: these requests will come (in any order, from any task). Each
        counts as work left for its host until a request to that host starts, so the hosts
        with the longest chains get the free slots first. Politeness does not depend on it."""
        for url in urls:
            try:
                self._expected[httpx.URL(url).host] += 1
            except httpx.InvalidURL:
                continue

    def _urgency(self, host: str, gate: _HostGate, done: int = 0) -> tuple[float, float]:
        """How much this host still has to do: requests left (said by ``expect``, or at least
        those asking now, less ``done`` of them) in seconds of its interval, then in requests."""
        left = max(self._expected[host], gate.asking - done)
        return (left * gate.interval, float(left))

    async def _take_slot(self, host: str, gate: _HostGate) -> None:
        assert self._global is not None  # noqa: S101 - checked by request()
        if gate.parked is not None:  # kept for us by this host's previous request
            gate.parked.cancel()
            gate.parked = None
            return
        await self._global.acquire(self._urgency(host, gate))

    def _free_slot(self, host: str, gate: _HostGate) -> None:
        """Keep the slot for this host's next request when its chain goes on, its next turn is
        (about) now and nobody waiting has more to do; else give it to the most urgent waiter.
        Without this, a long chain would queue anew behind everyone after each answer."""
        assert self._global is not None  # noqa: S101 - checked by request()
        left = self._urgency(host, gate, done=1)
        wait = gate.last_start + gate.interval - self._clock()
        first = self._global.most_urgent()
        if left[1] > 0 and wait <= PARK_WAIT and (first is None or left >= first):
            loop = asyncio.get_running_loop()
            gate.parked = loop.call_later(max(wait, 0) + PARK_WAIT, self._unpark, gate)
        else:
            self._global.release()

    def _unpark(self, gate: _HostGate) -> None:
        assert self._global is not None  # noqa: S101 - set while a request runs
        if gate.parked is not None:
            gate.parked = None
            self._global.release()

    async def _wait_turn(self, gate: _HostGate) -> None:
        """Sleep until this host's minimum interval since its last request start has passed."""
        async with gate.lock:
            wait = gate.last_start + gate.interval - self._clock()
            if wait > 0:
                await self._sleep(wait)
            gate.last_start = self._clock()

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff * (2**attempt)
        return base + random.uniform(0, base / 4)  # noqa: S311 - jitter, not security

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

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
    ) -> httpx.Response:
        """Send one request politely; return the final response or raise a ``NetError``.

        ``content`` is a raw body (a site's own JSON or form text); ``follow_redirects=False``
        returns a redirect as it is, for sources whose answer is the redirect itself."""
        if self._client is None or self._global is None:
            raise RuntimeError("Http must be used inside `async with`")
        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL as exc:
            raise RequestFailed(f"invalid URL: {exc}", url=url) from exc
        if self.network_down and self._counts_as_public(host):
            raise RequestFailed(
                f"{host}: not tried: the network looks down ({len(self._unreachable)} sites "
                "could not be reached and none answered)",
                url=url,
            )
        gate = self._gate(host)
        gate.asking += 1
        try:
            return await self._polite(
                gate, host, method, url, (headers, params, data, json), content, follow_redirects
            )
        finally:
            gate.asking -= 1

    async def _polite(
        self,
        gate: _HostGate,
        host: str,
        method: str,
        url: str,
        parts: tuple[dict[str, str] | None, dict[str, str] | None, dict[str, str] | None, Any],
        content: str | bytes | None,
        follow_redirects: bool,
    ) -> httpx.Response:
        """One host's turn: its gate, its interval, then a global slot by urgency; retries."""
        assert self._global is not None  # noqa: S101 - checked by request()
        retries = self.settings.retries
        async with gate.slots:
            for attempt in range(retries + 1):
                await self._wait_turn(gate)
                try:
                    await self._take_slot(host, gate)
                    try:
                        if attempt == 0 and self._expected[host] > 0:
                            self._expected[host] -= 1
                        # The interval counts from when a request really starts: a slot may
                        # come long after the turn, and an answer may come at once.
                        gate.last_start = max(gate.last_start, self._clock())
                        response = await self._send(method, url, *parts, content, follow_redirects)
                    finally:
                        self._free_slot(host, gate)
                except httpx.TransportError as exc:
                    reason = _describe_transport_error(exc)
                    log.debug("%s %s failed (try %d): %s", method, url, attempt + 1, reason)
                    if _no_network(exc):
                        # DNS or a refused connection: trying again in a second will not help.
                        self._unreachable.add(host)
                        raise RequestFailed(f"{host}: {reason}", url=url) from exc
                    if attempt == retries:
                        raise RequestFailed(
                            f"{host}: {reason} (after {attempt + 1} tries)", url=url
                        ) from exc
                    await self._sleep(self._backoff(attempt))
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
                if attempt == retries:
                    raise _give_up(response, url, attempt + 1)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def network_down(self) -> bool:
        """No host has answered and several could not be reached at all."""
        return not self._answered and len(self._unreachable) >= NETWORK_DOWN_AFTER

    def _counts_as_public(self, host: str) -> bool:
        if host.lower() in configured_hosts(self.settings):
            return False
        return check_public_target(f"https://{host}/") is None

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
    ) -> httpx.Response:
        assert self._client is not None  # noqa: S101 - checked by request()
        request = self._client.build_request(
            method, url, headers=headers, params=params, data=data, json=json, content=content
        )
        try:
            async with asyncio.timeout(self.deadline):
                return await self._fetch(request, url, follow_redirects)
        except TimeoutError:
            raise RequestFailed(
                f"{request.url.host}: no complete answer within {self.deadline:g} s "
                "(the overall deadline of one request)",
                url=url,
            ) from None

    async def _fetch(
        self, request: httpx.Request, url: str, follow_redirects: bool = True
    ) -> httpx.Response:
        """Send ``request``, follow checked redirects, read the capped body."""
        assert self._client is not None  # noqa: S101 - checked by request()
        allow_loopback = self.settings.allow_loopback
        trusted = configured_hosts(self.settings)
        problem = check_public_target(str(request.url), allow_loopback=allow_loopback)
        if problem and request.url.host.lower() not in trusted:
            raise TargetRefused(problem, url=url)
        history: list[httpx.Response] = []
        while True:
            response = await self._client.send(request, stream=True)
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
