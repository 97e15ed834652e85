"""The connections under httpcore: asyncio's own streams, in place of its anyio backend.

httpcore talks to the network through a small backend interface (connect, read, write, start
TLS, close). Its default for asyncio goes through anyio, which wraps every read and write in a
cancel scope, runs a task group with a happy-eyeballs race for every connect (lowprofile hands
it one address the fence has already checked), and does TLS in Python over memory buffers. On
issue 24's 300-site stand-in that was a sixth of a username check's CPU (2.12 s against 1.78 s
here), and 15 ms of its start-up to import. Here each call is the asyncio stream call it
stands for, under ``asyncio.timeout``, with TLS done by the event loop's own transport.

As with httpcore's anyio streams: an end of stream reads as ``b""``; a TLS connection is closed
without the close-notify exchange (``standard_compatible=False`` there), so a server that never
answers one cannot hold a request; errors come out as httpcore's own (``ConnectError``,
``ReadTimeout``...), which httpx turns into its exceptions.
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
"""What ``socket.setsockopt`` takes, as httpcore passes it."""


@contextmanager
def _failures(timeout: type[Exception], error: type[Exception]) -> Iterator[None]:
    """TimeoutError as ``timeout``, a socket or TLS error as ``error`` (httpcore's kinds)."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout(str(exc)) from exc  # "" as anyio: fetch.http says "read timed out"
    except OSError as exc:  # ssl.SSLError is one
        raise error(_said(exc)) from exc


def _said(exc: OSError) -> str:
    """What a socket error says, with what its errno means where asyncio's connect dropped it
    ("[Errno 101] Connect call failed (...)"): the offline rule (``fetch.http._no_network``)
    reads "network is unreachable" or "no route to host" there, as a person does."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, ssl.SSLError) or not isinstance(exc.errno, int):
        return text  # an SSL error's number is OpenSSL's, not the system's
    meaning = os.strerror(exc.errno)
    if meaning and meaning.lower() not in text.lower():
        text = f"{meaning}: {text}"
    return text


def readable(sock: socket.socket | None) -> bool:
    """Whether an idle connection's socket has something to read: a server that closed it
    (end of stream) or sent what nobody asked for. Either way it must not carry a request."""
    if sock is None or sock.fileno() == -1:
        return True
    if hasattr(select, "poll"):  # select.select cannot watch a descriptor above 1023
        watch = select.poll()
        watch.register(sock, select.POLLIN)
        return bool(watch.poll(0))
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, plain or TLS, as asyncio's reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _failures(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _failures(httpcore.WriteTimeout, httpcore.WriteError):
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()

    async def aclose(self) -> None:
        """Closed at once, as httpcore's anyio streams end (``close`` then ``abort``): no
        close-notify to wait for on TLS, and no unsent bytes to flush first, which a plain
        ``close`` would wait for as long as a server that stopped reading keeps the socket."""
        self._writer.transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with _failures(httpcore.ConnectTimeout, httpcore.ConnectError):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            await self.aclose()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            return self._unread() or readable(self._writer.get_extra_info("socket"))
        return None

    def _unread(self) -> bool:
        """Whether the event loop, which reads whatever arrives, already holds the end of the
        stream or bytes nobody asked for (a 408 some servers send an idle connection): the
        socket itself then looks quiet."""
        held = getattr(self._reader, "_buffer", b"")  # asyncio's, since 3.4; no public view
        return self._reader.at_eof() or len(held) > 0


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio's streams (``fence.PublicOnlyBackend`` connects
    through it, to an address it has checked)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        with _failures(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(f"unix socket {path}: not used by lowprofile")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
