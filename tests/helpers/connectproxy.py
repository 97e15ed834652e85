"""An HTTP CONNECT proxy and a SOCKS5 proxy on 127.0.0.1 for the tests: each logs every tunnel
asked for and can send a tunnel to another local port than the one named (``divert``), so a
site can be made reachable only through the proxy: its advertised port is a listener that
counts direct connections, and nothing else answers there."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConnectProxy:
    """The running proxy: its URL, the tunnels asked for, and the port diversions."""

    def __init__(self, divert: dict[int, int]) -> None:
        self.divert = divert
        self.tunnels: list[str] = []
        self.url = ""


def _handler(proxy: ConnectProxy) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            client: socket.socket = self.request
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            proxy.tunnels.append(f"{method} {target}")
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or host != "127.0.0.1":  # loopback only, like every test
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(
                ("127.0.0.1", proxy.divert.get(int(port), int(port)))
            )
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            _relay(client, upstream)

    return Handler


def _socks_handler(proxy: ConnectProxy) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:  # RFC 1928, no authentication, CONNECT only
            client: socket.socket = self.request
            greeting = client.recv(2)
            client.recv(greeting[1])
            client.sendall(b"\x05\x00")
            _, command, _, kind = client.recv(4)
            if kind == 3:
                host = client.recv(client.recv(1)[0]).decode()
            else:
                host = socket.inet_ntop(
                    socket.AF_INET if kind == 1 else socket.AF_INET6,
                    client.recv(4 if kind == 1 else 16),
                )
            port = int.from_bytes(client.recv(2), "big")
            proxy.tunnels.append(f"SOCKS {host}:{port}")
            if command != 1 or host != "127.0.0.1":  # loopback only, like every test
                client.sendall(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")
                return
            upstream = socket.create_connection(("127.0.0.1", proxy.divert.get(port, port)))
            client.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
            _relay(client, upstream)

    return Handler


def _relay(a: socket.socket, b: socket.socket) -> None:
    with b:
        while True:
            ready, _, _ = select.select([a, b], [], [], 30)
            if not ready:
                return
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                (b if source is a else a).sendall(data)


@contextmanager
def connect_proxy(
    divert: dict[int, int] | None = None, *, socks: bool = False
) -> Iterator[ConnectProxy]:
    """An HTTP CONNECT proxy, or with ``socks`` a SOCKS5 one (URL ``socks5://``)."""
    proxy = ConnectProxy(divert or {})
    handler = _socks_handler(proxy) if socks else _handler(proxy)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    scheme = "socks5" if socks else "http"
    proxy.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
