"""IMAP servers on 127.0.0.1 that answer like a mailbox until the step their mode attacks:

* ``drip``: opening the folder, the answer comes one byte every ``DRIP_SECONDS`` and never ends
  (a socket timeout restarts with each byte);
* ``flood``: opening the folder, untagged lines without end;
* ``huge``: a mail from the broker is listed normally, and asked for its first 1,000,000 bytes
  it answers with a ``HUGE_BYTES`` literal, streamed as fast as the reader takes it;
* ``inject``: offers STARTTLS and sends, with its "go ahead", a line in clear that a careless
  reader would take as the first words over TLS (give it ``tls``, a server context).

Plain text otherwise (``imap_security = "none"``, allowed on this machine). Any login is
accepted.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Mode = Literal["drip", "flood", "huge", "inject"]
MODES: tuple[Mode, ...] = ("drip", "flood", "huge")
"""The modes that attack the reader's bounds (``inject`` attacks its TLS)."""
DRIP_SECONDS = 2.0
HUGE_BYTES = 400_000_000


@dataclass
class HostileImap:
    """The server's port and what it managed to push out, for the test to report."""

    mode: Mode
    sender: str
    tls: ssl.SSLContext | None = None
    port: int = 0
    sent_bytes: int = 0
    commands: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def serve(self, conn: socket.socket) -> None:
        """One client, until it goes away or the server stops."""
        try:
            with suppress(OSError):
                conn.settimeout(0.5)
                self._send(conn, b"* OK IMAP4rev1 hostile test server ready\r\n")
                reader = conn.makefile("rb")
                while not self.stop.is_set():
                    try:
                        line = reader.readline(10_000)
                    except TimeoutError:
                        continue
                    if not line:
                        return
                    now = self._answer(conn, line.decode("ascii", "replace").strip())
                    if now is not conn:  # STARTTLS: the rest of the session over TLS
                        reader.close()
                        conn, reader = now, now.makefile("rb")
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, line: str) -> socket.socket:
        """Answer one command; the socket to go on with (a TLS one after STARTTLS)."""
        tag, _, rest = line.partition(" ")
        words = rest.upper().split()
        command = " ".join(words[:2]) if words[:1] == ["UID"] else (words or [""])[0]
        self.commands.append(command)
        done = f"{tag} OK done\r\n".encode()
        if command == "CAPABILITY":
            self._send(conn, b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n" + done)
        elif command == "STARTTLS" and self.tls is not None:
            injected = b"* CAPABILITY IMAP4rev1 INJECTED-IN-CLEAR\r\n"
            self._send(conn, f"{tag} OK begin TLS\r\n".encode() + injected)
            conn.settimeout(5)
            return self.tls.wrap_socket(conn, server_side=True)
        elif command in ("SELECT", "EXAMINE"):
            self._open_folder(conn, done)
        elif command == "UID SEARCH":
            self._send(conn, b"* SEARCH 1\r\n" + done)
        elif command == "UID FETCH" and "HEADER.FIELDS" in rest.upper():
            self._send(conn, self._headers() + done)
        elif command == "UID FETCH":
            self._huge_body(conn)
        elif command == "LOGOUT":
            self._send(conn, b"* BYE\r\n" + done)
        else:  # LOGIN, NOOP and anything else
            self._send(conn, done)
        return conn

    def _open_folder(self, conn: socket.socket, done: bytes) -> None:
        answer = b"* 1 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n"
        if self.mode == "drip":
            while not self.stop.wait(DRIP_SECONDS):
                self._send(conn, answer[:1])
                answer = answer[1:] + answer[:1]  # round and round, never the tagged line
        elif self.mode == "flood":
            block = b"* 1 RECENT\r\n" * 5_000
            while not self.stop.is_set():
                self._send(conn, block)
        else:
            self._send(conn, answer + done)

    def _headers(self) -> bytes:
        head = f"From: {self.sender}\r\nSubject: Confirm your opt-out\r\n\r\n".encode()
        stamp = datetime.now(UTC).strftime("%d-%b-%Y %H:%M:%S +0000")
        meta = f'* 1 FETCH (UID 1 RFC822.SIZE 900 INTERNALDATE "{stamp}" '
        return (
            meta.encode()
            + b"BODY[HEADER.FIELDS (FROM SUBJECT)]<0> {"
            + str(len(head)).encode()
            + b"}\r\n"
            + head
            + b")\r\n"
        )

    def _huge_body(self, conn: socket.socket) -> None:
        self._send(conn, b"* 1 FETCH (UID 1 BODY[]<0> {" + str(HUGE_BYTES).encode() + b"}\r\n")
        chunk = b"x" * 1_000_000
        for _ in range(HUGE_BYTES // len(chunk)):
            if self.stop.is_set():
                return
            self._send(conn, chunk)

    def _send(self, conn: socket.socket, data: bytes) -> None:
        """Send all of ``data``, giving up when the server stops (the reader may be gone)."""
        view = memoryview(data)
        while view and not self.stop.is_set():
            try:
                sent = conn.send(view)
            except TimeoutError:
                continue
            self.sent_bytes += sent
            view = view[sent:]


@contextmanager
def hostile_imap(
    mode: Mode, sender: str = "privacy@spokeo.com", tls: ssl.SSLContext | None = None
) -> Iterator[HostileImap]:
    """The server, listening on a free 127.0.0.1 port until the block ends."""
    server = HostileImap(mode, sender, tls)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    server.port = listener.getsockname()[1]
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=server.serve, args=(conn,), daemon=True)
            threads.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        server.stop.set()
        acceptor.join(5)
        listener.close()
        for worker in threads:
            worker.join(5)
