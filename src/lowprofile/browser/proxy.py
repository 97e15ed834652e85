"""A small filtering proxy in the scan's own process, which Chromium must send everything through.

Why a proxy and not Playwright's ``route()``: tried against a local server that counts
connections, ``route()`` let Chromium open bare connections to a foreign port when an iframe
loaded again, and never sees redirect hops. A proxy sees every connection Chromium opens,
whatever asked for it (a subresource, a redirect hop, ``fetch()``, a WebSocket, a preconnect):
an https or WebSocket connection arrives as ``CONNECT host:port``, a plain http request with its
absolute URL. Each is judged by the context's ``BrowserFence`` before any byte leaves: refused
with a 403, or connected to an address the fence accepted (the name resolved here, once, so a
second DNS answer cannot differ), or tunnelled through the configured upstream proxy.

Behind an upstream proxy (``proxy`` setting, Tor) the upstream resolves names, so only the
fence's static rules apply there, as for plain HTTP. Plain http requests are sent upstream with
``Connection: close`` and answered once: a kept-alive client connection could otherwise carry a
second request to another host past the check.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import struct
from urllib.parse import unquote, urlsplit

from lowprofile.browser.fence import BrowserFence
from lowprofile.fetch.fence import addresses

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
"""The largest request head accepted from the browser."""
CHUNK = 64 * 1024
HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"te"}


class Refused(Exception):
    """A connection the fence refuses, or that cannot be made; the message says why."""


class UpstreamFailed(OSError):
    """The configured upstream proxy would not open the tunnel (answered as a 502)."""


class FilteringProxy:
    """One proxy for one browser context, on a free loopback port, until ``close()``."""

    def __init__(
        self, fence: BrowserFence, *, upstream: str | None = None, timeout: float = 10.0
    ) -> None:
        self.fence = fence
        self.upstream = upstream
        self.timeout = timeout
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def start(self) -> str:
        """Listen on 127.0.0.1 and return the proxy URL to give Chromium."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        """Stop listening and cut every connection still open."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - start_server runs each client in a task
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (
            OSError,
            Refused,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            log.debug("browser proxy connection ended", exc_info=True)
        except TimeoutError:
            log.debug("browser proxy connection timed out")
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout)
        line, _, rest = head.partition(b"\r\n")
        method, target, _version = line.decode("latin-1").split(" ", 2)
        tls = method.upper() == "CONNECT"
        try:
            host, port, path = _target(method, target)
            problem = self.fence.target_problem(host, port, tls=tls)
            if problem:
                raise Refused(problem)
            upstream_reader, upstream_writer = await self._open(host, port)
        except Refused as refused:
            self.fence.refuse(target if tls else target.split("?")[0], str(refused))
            await _answer(writer, b"403 Forbidden")
            return
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.debug("browser proxy: %s:%s unreachable: %s", host, port, exc)
            await _answer(writer, b"502 Bad Gateway")
            return
        try:
            if tls:
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                await _relay(reader, writer, upstream_reader, upstream_writer)
            else:
                await _forward_once(method, path, rest, reader, writer, upstream_writer)
                await _answer_once(upstream_reader, writer, self.timeout)
        finally:
            upstream_writer.close()

    async def _open(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to ``host:port``: through the upstream proxy, or to a checked address."""
        if self.upstream:
            return await asyncio.wait_for(_through(self.upstream, host, port), self.timeout)
        try:
            found = await addresses(host, port)
        except OSError as exc:
            raise OSError(f"cannot resolve {host}: {exc}") from exc
        for address in found:  # every answer is judged before any is used
            problem = self.fence.address_problem(host, port, address)
            if problem:
                raise Refused(problem)
        failure: OSError | TimeoutError = OSError(f"cannot resolve {host}: no address")
        for address in found:
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(address, port, limit=HEAD_LIMIT), self.timeout
                )
            except (OSError, TimeoutError) as exc:
                failure = exc
        raise OSError(f"cannot connect to {host}:{port}: {failure}")


async def _answer(writer: asyncio.StreamWriter, status: bytes) -> None:
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


def _target(method: str, target: str) -> tuple[str, int, str]:
    """``(host, port, origin-form path)`` of a request line's target."""
    if method.upper() == "CONNECT":
        host, port = _host_port(target)
        return host, port, ""
    parts = urlsplit(target)
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise Refused(f"{target[:80]!r} is not an absolute http:// URL")
    if "@" in parts.netloc:
        raise Refused("a URL with credentials")
    try:
        port = parts.port or 80
    except ValueError as exc:
        raise Refused(f"invalid port in {target[:80]!r}") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, path


def _host_port(authority: str) -> tuple[str, int]:
    host, sep, port = authority.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise Refused(f"{authority[:80]!r} is not host:port")
    return host.strip("[]"), int(port)


async def _forward_once(
    method: str,
    path: str,
    rest: bytes,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream: asyncio.StreamWriter,
) -> None:
    """Send one plain request upstream (origin form, ``Connection: close``) with its body."""
    headers = [h for h in rest.split(b"\r\n") if h]
    kept, length = [], 0
    for header in headers:
        name, _, value = header.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"transfer-encoding":
            writer.write(b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\n\r\n")
            raise Refused("a chunked request body")
        if lowered == b"content-length":
            length = int(value.strip())
        if lowered not in HOP_BY_HOP:
            kept.append(header)
    line = f"{method} {path} HTTP/1.1".encode("latin-1")
    upstream.write(b"\r\n".join([line, *kept, b"Connection: close", b"", b""]))
    if length:
        upstream.write(await reader.readexactly(length))
    await upstream.drain()


async def _answer_once(
    upstream: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
) -> None:
    """The server's answer to the one request, marked ``Connection: close``: the browser will
    not reuse this connection for a request the fence has not seen."""
    head = await asyncio.wait_for(upstream.readuntil(b"\r\n\r\n"), timeout)
    line, *headers = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [h for h in headers if h.partition(b":")[0].strip().lower() not in HOP_BY_HOP]
    writer.write(b"\r\n".join([line, *kept, b"Connection: close", b"", b""]))
    await _pipe(upstream, writer)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    while chunk := await source.read(CHUNK):
        sink.write(chunk)
        await sink.drain()
    if sink.can_write_eof():
        sink.write_eof()


async def _relay(
    a_reader: asyncio.StreamReader,
    a_writer: asyncio.StreamWriter,
    b_reader: asyncio.StreamReader,
    b_writer: asyncio.StreamWriter,
) -> None:
    """Bytes both ways until both sides are done (a tunnel: TLS or a WebSocket)."""
    await asyncio.gather(_pipe(a_reader, b_writer), _pipe(b_reader, a_writer))


async def _through(
    upstream: str, host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A tunnel to ``host:port`` through the configured proxy: HTTP CONNECT or SOCKS5 (the
    proxy resolves the name, as Tor needs)."""
    parts = urlsplit(upstream)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme, 1080)
    reader, writer = await asyncio.open_connection(
        parts.hostname, parts.port or default, ssl=scheme == "https" or None, limit=HEAD_LIMIT
    )
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    try:
        if scheme.startswith("socks5"):
            await _socks5(reader, writer, host, port, user, password)
        else:
            await _connect(reader, writer, host, port, user, password)
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def _connect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
    user: str,
    password: str,
) -> None:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    answer = await reader.readuntil(b"\r\n\r\n")
    status = answer.split(b" ", 2)[1:2]
    if status != [b"200"]:
        first = answer.split(b"\r\n", 1)[0].decode("latin-1")
        raise UpstreamFailed(f"the proxy refused {authority}: {first}")


async def _socks5(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
    user: str,
    password: str,
) -> None:
    methods = b"\x00\x02" if user else b"\x00"
    writer.write(b"\x05" + bytes([len(methods)]) + methods)
    await writer.drain()
    version, method = await reader.readexactly(2)
    if version != 5 or method not in methods:
        raise UpstreamFailed("the SOCKS proxy accepts none of our login methods")
    if method == 2:
        login = user.encode(), password.encode()
        writer.write(
            b"\x01" + bytes([len(login[0])]) + login[0] + bytes([len(login[1])]) + login[1]
        )
        await writer.drain()
        if (await reader.readexactly(2))[1] != 0:
            raise UpstreamFailed("the SOCKS proxy refused the login")
    try:
        packed = ipaddress.ip_address(host).packed
        kind = b"\x01" if len(packed) == 4 else b"\x04"
        address = kind + packed
    except ValueError:
        name = host.encode("idna")
        address = b"\x03" + bytes([len(name)]) + name
    writer.write(b"\x05\x01\x00" + address + struct.pack(">H", port))
    await writer.drain()
    _, reply, _, kind_byte = await reader.readexactly(4)
    if reply != 0:
        raise UpstreamFailed(f"the SOCKS proxy could not reach {host}:{port} (code {reply})")
    skip = {1: 4, 4: 16}.get(kind_byte) or (await reader.readexactly(1))[0]
    await reader.readexactly(skip + 2)
