"""The one HTTP client of a scan: timeouts, politeness per host, a global limit, honest retries.

Every request lowprofile makes goes through ``Http`` so that the rules hold everywhere:

* one ``httpx.AsyncClient`` (connection reuse, one proxy setting, one User-Agent);
* a global limit on requests in flight, and per host at most ``per_host_concurrency`` (1 by
  default) with at least ``interval_for(host)`` seconds between the starts of two requests, so a
  40-site scan takes about as long as its slowest site instead of hammering any of them;
* retries with exponential backoff on connection errors and on 429/502/503/504, honouring
  ``Retry-After`` in seconds or as an HTTP date, capped by ``max_retry_after``: a server that
  asks for a longer pause gets none from us, the request gives up as ``RateLimited``;
* after the last try a ``NetError`` subclass says which way it failed, so a checker can report
  ``blocked`` or ``error`` instead of guessing. Other status codes are returned as they are:
  whether a 404 means "not found" is the checker's business, not ours.

httpx's own transport ``retries=`` covers connection setup only; status-code retries are ours.
Tests pass a ``transport`` (respx, or ``httpx.MockTransport``) and a fake ``sleep``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import httpx

from lowprofile.config import Settings
from lowprofile.errors import NetError, RateLimited, RequestFailed, ServerUnavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BODY_BYTES = 8 * 1024 * 1024
"""Pages larger than this are refused: no people-search result page is that big, and a hostile
server must not be able to fill the user's memory."""

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


class Http:
    """The shared async HTTP client. Use as ``async with Http(settings) as http: ...``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._global: asyncio.Semaphore | None = None
        self._gates: dict[str, _HostGate] = {}
        self.requests_sent = 0

    async def __aenter__(self) -> Http:
        s = self.settings
        kwargs: dict[str, Any] = {
            "timeout": httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            "headers": {
                "User-Agent": s.user_agent,
                "Accept-Language": s.accept_language,
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            },
            "follow_redirects": True,
            "max_redirects": 10,
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        elif s.proxy:
            kwargs["proxy"] = s.proxy
        self._client = httpx.AsyncClient(**kwargs)
        self._global = asyncio.Semaphore(s.concurrency)
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
        gate = self._gate(host)
        retries = self.settings.retries
        async with gate.slots:
            for attempt in range(retries + 1):
                await self._wait_turn(gate)
                try:
                    async with self._global:
                        self.requests_sent += 1
                        response = await self._send(
                            method, url, headers, params, data, json, content, follow_redirects
                        )
                except httpx.TransportError as exc:
                    reason = _describe_transport_error(exc)
                    log.debug("%s %s failed (try %d): %s", method, url, attempt + 1, reason)
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
                if response.status_code not in RETRY_STATUSES:
                    return response
                delay = self._retry_delay(response, attempt, url)
                if attempt == retries:
                    raise _give_up(response, url, attempt + 1)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

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
        response = await self._client.send(request, stream=True, follow_redirects=follow_redirects)
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
            history=response.history,
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
