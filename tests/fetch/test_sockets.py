"""httpcore's connections on asyncio's own streams (``fetch.sockets``), against servers on
127.0.0.1 made here: what httpcore relies on (an end of stream reads empty, failures come out
as its own exceptions, an idle connection the server closed reads as readable, TLS verified
against the context given) holds as it did with its anyio backend."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpcore
import pytest

from helpers.testca import make_test_ca
from lowprofile.fetch.sockets import AsyncioBackend

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        finally:
            writer.transport.abort()

    listening = await asyncio.start_server(closing, "127.0.0.1", 0, ssl=tls)
    async with listening:
        yield listening.sockets[0].getsockname()[1]


async def echo_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(await reader.read(100))
    await writer.drain()
    writer.close()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(5)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


def serving_context(test_ca: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(test_ca["cert"], test_ca["key"])
    return context


def test_a_plain_connection_writes_reads_and_ends_empty() -> None:
    async def main() -> list[bytes]:
        async with server(echo_then_close) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
            assert stream.get_extra_info("ssl_object") is None
            await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)
            said = [await stream.read(100, timeout=5), await stream.read(100, timeout=5)]
            await stream.aclose()
            return said

    assert asyncio.run(main()) == [b"GET / HTTP/1.1\r\n\r\n", b""]


def test_an_idle_connection_the_server_closed_reads_as_readable() -> None:
    async def main() -> tuple[bool, bool]:
        closed = asyncio.Event()

        async def close_when_told(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await closed.wait()
            writer.close()

        async with server(close_when_told) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.05)
            before = stream.get_extra_info("is_readable")
            closed.set()
            await asyncio.sleep(0.05)
            after = stream.get_extra_info("is_readable")
            await stream.aclose()
            return before, after

    assert asyncio.run(main()) == (False, True)


def test_an_idle_connection_with_bytes_nobody_asked_for_reads_as_readable() -> None:
    """A server may answer an idle keep-alive connection (a 408) before it closes it: those
    bytes must not be read as the answer to the next request sent on it."""

    async def main() -> tuple[bool, bool]:
        spoke = asyncio.Event()

        async def speak_unasked(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await spoke.wait()
            writer.write(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(5)

        async with server(speak_unasked) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await asyncio.sleep(0.05)
            before = stream.get_extra_info("is_readable")
            spoke.set()
            await asyncio.sleep(0.05)  # the event loop has read them by now
            after = stream.get_extra_info("is_readable")
            await stream.aclose()
            return before, after

    assert asyncio.run(main()) == (False, True)


def test_failures_come_out_as_httpcore_exceptions() -> None:
    async def main() -> None:
        async with server(silent) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.05)
            await stream.aclose()
        with pytest.raises(httpcore.ConnectError):  # nobody listens there any more
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    asyncio.run(main())


def test_tls_is_verified_against_the_context_given(test_ca: dict[str, Path]) -> None:
    trusting = ssl.create_default_context(cafile=str(test_ca["ca"]))
    stranger = ssl.create_default_context()  # does not know the test CA

    async def main() -> tuple[str, bytes]:
        async with server(echo_then_close, serving_context(test_ca)) as port:
            backend = AsyncioBackend()
            plain = await backend.connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ConnectError, match="(?i)certificate"):
                await plain.start_tls(stranger, server_hostname="127.0.0.1", timeout=5)
            assert plain.get_extra_info("socket").fileno() == -1  # closed after the failure
            stream = await backend.connect_tcp("127.0.0.1", port, timeout=5)
            secure = await stream.start_tls(trusting, server_hostname="127.0.0.1", timeout=5)
            version = secure.get_extra_info("ssl_object").version()
            await secure.write(b"hello", timeout=5)
            said = await secure.read(100, timeout=5)
            await secure.aclose()
            return version, said

    version, said = asyncio.run(main())
    assert version.startswith("TLS")
    assert said == b"hello"


def test_closing_a_tls_connection_does_not_wait_for_the_server(test_ca: dict[str, Path]) -> None:
    """httpcore's anyio streams closed TLS without the close-notify exchange; so do these: a
    server that never reads again cannot hold the request that closes its connection."""
    trusting = ssl.create_default_context(cafile=str(test_ca["ca"]))
    listening = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def deaf() -> None:  # completes the handshake, then never reads (nor answers) again
        conn, _ = listening.accept()
        with serving_context(test_ca).wrap_socket(conn, server_side=True) as tls:
            done.wait(10)
            tls.fileno()

    threading.Thread(target=deaf, daemon=True).start()

    async def main() -> bool:
        port = listening.getsockname()[1]
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        secure = await stream.start_tls(trusting, server_hostname="127.0.0.1", timeout=5)
        async with asyncio.timeout(2):
            await secure.aclose()
        await asyncio.sleep(0)
        sock = secure.get_extra_info("socket")
        return sock is None or sock.fileno() == -1

    try:
        assert asyncio.run(main())
    finally:
        done.set()
        listening.close()


def test_closing_does_not_wait_for_a_server_that_stopped_reading() -> None:
    """A write given up on (its timeout, or the request's deadline) leaves bytes the server
    never took: closing must still free the socket at once, as httpcore's anyio streams did,
    not hold it open for as long as that server keeps its end."""

    async def main() -> int:
        async with server(silent) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.WriteTimeout):
                await stream.write(b"x" * 50_000_000, timeout=0.2)
            sock = stream.get_extra_info("socket")
            await stream.aclose()
            await asyncio.sleep(0.05)
            return int(sock.fileno())

    assert asyncio.run(main()) == -1
