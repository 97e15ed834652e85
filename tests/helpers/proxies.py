"""Proxies and an origin on 127.0.0.1 that count what passes through them, for the proxy tests.

* ``http_connect_proxy()``: an HTTP proxy that tunnels ``CONNECT host:port`` (what a client
  does for an https:// URL behind an HTTP proxy); any other request is refused and counted.
* ``socks5_proxy()``: a SOCKS5 proxy (no authentication, CONNECT, IPv4/IPv6/name addresses).
* ``origin()``: an HTTPS server (certificate from the test CA) answering by path, which records
  the peer address of every connection and every request.

Each proxy records the local address of every connection it opens to the origin, so the
origin can tell a connection that came through the proxy from one that came direct: a peer
the proxy did not open is a direct connection. Both proxies connect only to this machine, so
even a fence that failed could not make them send a packet elsewhere.
"""

from __future__ import annotations

import select
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOCAL_TARGETS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Passage:
    """What went through one proxy."""

    url: str = ""
    targets: list[tuple[str, int]] = field(default_factory=list)
    """Each tunnel opened, as the client named its target."""
    upstream: set[tuple[str, int]] = field(default_factory=set)
    """The local (address, port) of each connection the proxy opened to a target."""
    refused: list[str] = field(default_factory=list)
    """Requests it would not carry: not a tunnel, or a target off this machine."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, host: str, port: int) -> socket.socket | None:
        """A connection to ``host:port`` on this machine, recorded; None (and a refusal)
        for anywhere else."""
        if host not in LOCAL_TARGETS:
            with self.lock:
                self.refused.append(f"{host}:{port}")
            return None
        upstream = socket.create_connection((host, port), timeout=10)
        with self.lock:
            self.targets.append((host, port))
            self.upstream.add(upstream.getsockname()[:2])
        return upstream


def relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or ten quiet seconds)."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


def _read_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return head


def _connect_handler(passage: Passage) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            client: socket.socket = self.request
            line = _read_head(client).split(b"\r\n", 1)[0].decode("latin-1")
            method, _, target = line.partition(" ")
            target = target.rsplit(" ", 1)[0]
            host, _, port = target.rpartition(":")
            upstream = None
            if method == "CONNECT" and port.isdigit():
                upstream = passage.open(host.strip("[]"), int(port))
            else:
                with passage.lock:
                    passage.refused.append(line)
            if upstream is None:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(client, upstream)

    return Handler


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _socks_handler(passage: Passage) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            client: socket.socket = self.request
            try:
                _, methods = _recv_exact(client, 2)
                _recv_exact(client, methods)
                client.sendall(b"\x05\x00")  # no authentication
                _, command, _, kind = _recv_exact(client, 4)
                if kind == 1:
                    host = socket.inet_ntop(socket.AF_INET, _recv_exact(client, 4))
                elif kind == 4:
                    host = socket.inet_ntop(socket.AF_INET6, _recv_exact(client, 16))
                else:
                    host = _recv_exact(client, _recv_exact(client, 1)[0]).decode()
                (port,) = struct.unpack("!H", _recv_exact(client, 2))
            except (ConnectionError, OSError, ValueError):
                return
            upstream = passage.open(host, port) if command == 1 else None
            if upstream is None:
                client.sendall(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")  # not allowed
                return
            client.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", port))
            relay(client, upstream)

    return Handler


@contextmanager
def _serving(
    handler: Callable[[Passage], type[socketserver.BaseRequestHandler]], scheme: str
) -> Iterator[Passage]:
    passage = Passage()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler(passage))
    server.daemon_threads = True
    passage.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield passage
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def http_connect_proxy() -> Iterator[Passage]:
    """An HTTP CONNECT proxy on 127.0.0.1; ``.url`` is its ``http://`` address."""
    with _serving(_connect_handler, "http") as passage:
        yield passage


@contextmanager
def socks5_proxy() -> Iterator[Passage]:
    """A SOCKS5 proxy on 127.0.0.1; ``.url`` is its ``socks5://`` address."""
    with _serving(_socks_handler, "socks5") as passage:
        yield passage


Answer = Callable[[str], tuple[int, bytes]]
"""The status and body for a request path."""


@dataclass
class Origin:
    """The HTTPS server every component is pointed at, and what reached it."""

    base: str = ""
    peers: list[tuple[str, int]] = field(default_factory=list)
    """The peer (address, port) of each request, in order."""
    paths: list[str] = field(default_factory=list)

    def direct(self, passage: Passage) -> list[str]:
        """The requests whose connection the proxy did not open: they came direct."""
        return [
            path for peer, path in zip(self.peers, self.paths, strict=True)
            if peer not in passage.upstream
        ]  # fmt: skip


@contextmanager
def origin(cert: Path, key: Path, answer: Answer) -> Iterator[Origin]:
    """An HTTPS server on 127.0.0.1 with ``cert``/``key``, answering each GET by ``answer``."""
    seen = Origin()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with lock:
                seen.peers.append(tuple(self.client_address[:2]))  # type: ignore[arg-type]
                seen.paths.append(self.path)
            status, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    seen.base = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
