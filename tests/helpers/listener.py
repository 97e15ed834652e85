"""A TCP listener on 127.0.0.1 that counts the connections it accepts, and nothing else.

The browser fence is proved by connections, not by what an interception hook saw: a site on
this port that a page must never reach counts every accept its own socket makes, whatever
protocol (http, a TLS hello, a WebSocket upgrade) arrives.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CountingListener:
    """Accepts on a free loopback port, counts each connection, and closes it at once."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@contextmanager
def counting_listener() -> Iterator[CountingListener]:
    listener = CountingListener()
    try:
        yield listener
    finally:
        listener.close()
