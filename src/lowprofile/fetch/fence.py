"""The network fence: one rule for which hosts are public, which are this machine, which are not
ours to touch, and the guards every fetcher builds on it.

``place`` is the one function that decides. Every caller asks it: the HTTP client (on each
request, each redirect and each address a name resolves to), broker and opt-out URLs, the
WhatsMyName site list, the mailbox and mail settings (clear text only to this machine). A host
is written many ways (``LOCALHOST.``, ``[::1]``, ``127.1``, ``0x7f.1``, ``::ffff:127.0.0.1``);
they are all read here, once, so no two callers can disagree on one of them.

* **loopback**: ``localhost`` and its subdomains (RFC 6761), and loopback addresses;
* **private**: everything a public site cannot be: private, link-local (the cloud metadata
  service at 169.254.169.254), unspecified, multicast, reserved or otherwise non-global
  addresses, an IPv4 address dressed as IPv6 (mapped, 6to4, NAT64) when the IPv4 one is, and a
  bare machine name without a dot (``router``, ``intranet``), which only a local resolver knows;
* **public**: any other name, and globally routable addresses. A name is public as far as its
  spelling goes; ``PublicOnlyBackend`` checks the addresses it resolves to when connecting.

``allow_loopback`` (``LOWPROFILE_ALLOW_LOOPBACK=1``) opens loopback only, for local test servers
and recipe development; private addresses stay closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import socket
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpcore
import httpx

from lowprofile.errors import RequestFailed
from lowprofile.fetch.sockets import AsyncioBackend

LOOPBACK_OPT_IN = "LOWPROFILE_ALLOW_LOOPBACK=1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class TargetRefused(RequestFailed):
    """A request (or a redirect) that would leave the public internet or drop TLS: not sent."""


class Reach(StrEnum):
    """Where a host is, as far as lowprofile is concerned."""

    PUBLIC = "public"
    LOOPBACK = "loopback"
    PRIVATE = "private"


@dataclass(frozen=True)
class Place:
    """The fence's answer for one host: its reach, and why in a few words ("a link-local
    address"), to finish a sentence such as "169.254.169.254 is a link-local address"."""

    host: str
    reach: Reach
    why: str = ""

    @property
    def public(self) -> bool:
        return self.reach is Reach.PUBLIC

    def problem(self, *, allow_loopback: bool = False) -> str | None:
        """Why lowprofile will not connect here (see ``allow_loopback``), or None."""
        if self.reach is Reach.PUBLIC:
            return None
        if self.reach is Reach.LOOPBACK and allow_loopback:
            return None
        return self.why


UNREADABLE_URL: tuple[type[Exception], ...] = (httpx.InvalidURL, TypeError, UnicodeError)
"""What reading a URL or its host may raise: httpx's refusal, a value that is not text, and
UnicodeError for an ASCII name that is not IDNA (``xn--ls8h.la``, an emoji domain), which httpx
parses and raises on only when ``.host`` is read."""


def host_of(target: str) -> str:
    """The host a URL (``scheme://…``) or a host as written (``[::1]``, ``LOCALHOST.``,
    ``fe80::1%eth0``) names, normalised: lower case, no brackets, no trailing dot, no zone."""
    host = target
    if "://" in target:
        try:
            host = httpx.URL(target).host
        except UNREADABLE_URL:
            return ""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.split("%")[0].rstrip(".")


def place(target: str | IPAddress) -> Place:
    """Where ``target`` (an address, a host as written, or a URL) is: the one decision.

    No DNS: a name is judged by its spelling (``PublicOnlyBackend`` checks what it resolves to).
    """
    if isinstance(target, IPAddress):
        return _place_address(str(target), target)
    return _place_host(host_of(target))


@functools.lru_cache(maxsize=4096)
def _place_host(host: str) -> Place:
    """``place`` of a normalised host: a pure function of its spelling, asked of every request
    and every connection (three times a request), so each host is judged once."""
    if not host:
        return Place(host, Reach.PRIVATE, "no host")
    if host == "localhost" or host.endswith(".localhost"):
        return Place(host, Reach.LOOPBACK, "a loopback address")
    address = _literal_address(host)
    if address is not None:
        return _place_address(host, address)
    if "." not in host:
        return Place(host, Reach.PRIVATE, "a machine name on a local network, not a public site")
    return Place(host, Reach.PUBLIC)


def is_loopback(target: str) -> bool:
    """This machine: where a clear-text hop (a local mail relay, a test server) stays local."""
    return place(target).reach is Reach.LOOPBACK


def _place_address(host: str, address: IPAddress) -> Place:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return _place_address(host, embedded)
    checks = (
        (address.is_loopback, Reach.LOOPBACK, "a loopback address"),
        (address.is_unspecified, Reach.PRIVATE, "an unspecified address"),
        (address.is_link_local, Reach.PRIVATE, "a link-local address"),
        (address.is_private, Reach.PRIVATE, "a private address"),
        (
            address.is_multicast or address.is_reserved,
            Reach.PRIVATE,
            "a multicast or reserved address",
        ),
        (not address.is_global, Reach.PRIVATE, "not a public address"),
    )
    for hit, reach, why in checks:
        if hit:
            return Place(host, reach, why)
    return Place(host, Reach.PUBLIC)


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
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def refusal() -> str:
    """The end of every refusal sentence: what lowprofile contacts, and the one opt-in."""
    return f"lowprofile only contacts the public internet ({LOOPBACK_OPT_IN} opens loopback)"


def check_public_target(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why ``url`` may not be fetched (one sentence), or None when it may.

    A static check, without DNS: the scheme is http(s) and ``place`` calls the host public (or
    loopback, with ``allow_loopback``). Brokers' validator calls it on search and opt-out URLs;
    ``Http`` calls it on every request and redirect, and checks the resolved addresses again
    when it connects.
    """
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # read inside the guard: see UNREADABLE_URL
    except UNREADABLE_URL as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parsed.scheme not in ("http", "https"):
        return f"{url!r}: only http:// and https:// are fetched"
    where = place(host)
    if not where.host:
        return f"{url!r} has no host"
    problem = where.problem(allow_loopback=allow_loopback)
    return f"{where.host} is {problem}: {refusal()}" if problem else None


def redirect_problem(source: httpx.URL, target: httpx.URL, *, allow_loopback: bool) -> str | None:
    """Why a redirect from ``source`` to ``target`` is not followed, or None."""
    if source.scheme == "https" and target.scheme == "http":
        return f"{source.host} redirected from https to plain http ({target}): not followed"
    problem = check_public_target(str(target), allow_loopback=allow_loopback)
    return f"{source.host} redirected to {problem}" if problem else None


Lookup = list[tuple[Any, ...]]


async def lookup(host: str, port: int) -> Lookup:
    """``socket.getaddrinfo`` in a daemon thread of its own, not in the loop's default executor:
    a resolver that holds a lookup for seconds (offline, no server answers) then keeps no one
    waiting once its request is given up (``Http._abandon``), nor the process at exit, where
    ``asyncio.run`` joins the executor's threads; and 32 lookups can run at once, where the
    executor has ``cpu + 4`` threads. An address written out (``127.0.0.1``, ``::1``) is read
    at once, with no thread: there is nothing to ask a resolver."""
    if _literal_address(host.split("%")[0]) is not None:
        with contextlib.suppress(socket.gaierror):  # a form only the resolver reads: ask it
            return socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Lookup] = loop.create_future()

    def settle(result: Lookup | None, error: BaseException | None) -> None:
        if answer.done():  # given up meanwhile
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result or [])

    def resolve() -> None:
        result: Lookup | None = None
        error: BaseException | None = None
        try:
            result = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed while the resolver waited
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=resolve, name=f"lookup {host}", daemon=True).start()
    return await answer


async def addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``lookup``), once each, in the resolver's order:
    what the HTTP client's backend and the browser's proxy both judge before connecting."""
    return list(dict.fromkeys(str(info[4][0]) for info in await lookup(host, port)))


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves the host itself, refuses it if any address is
    not public, then connects to a checked address (so a second DNS answer cannot differ).

    # NOTE: httpx has no public way to pass a network backend to its default transport
    # (https://github.com/encode/httpx/pull/3749); ``fetch.http`` sets it on the pool.
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
        self._inner = inner or AsyncioBackend()

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to; a TargetRefused if one of them is not public."""
        try:
            found = await addresses(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if host.lower() in self.trusted:
            return found
        for raw in found:
            address = _literal_address(raw.split("%")[0])
            problem = (
                place(address).problem(allow_loopback=self.allow_loopback)
                if address is not None
                else "not an IP address"
            )
            if problem:
                shown = host if raw == host else f"{host} resolves to {raw}, which"
                raise TargetRefused(f"{shown} is {problem}: {refusal()}")
        if not found:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        return found

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
        raise TargetRefused(f"unix socket {path}: {refusal()}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
