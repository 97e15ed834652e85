"""One IMAP session with the person's own mailbox, for every part of lowprofile that reads it.

Two readers need the same careful access: the opt-out email step looks for a broker's
confirmation link, and ``registry replies`` looks for brokers' answers to deletion requests.
What they share lives here, so both get the same guarantees:

* the settings ``imap_host``, ``imap_port``, ``imap_user``, ``imap_folder`` and
  ``imap_security`` (``ssl``, ``starttls``, or ``none`` for a server on this machine), checked by
  ``check_login_route``; the password is the secret ``imap``, never a setting;
* TLS with ``fetch.http.ssl_context`` (certifi or ``SSL_CERT_FILE``, plus ``ca_bundle``);
* bounded in time and bytes, whatever the server does: one deadline for the whole session
  (``SESSION_SECONDS`` beyond the waiting the caller asks for; a socket timeout alone restarts
  with every byte, so a server dripping one byte at a time could hold a run for ever), at most
  ``MAX_UNTAGGED`` untagged lines and ``MAX_RESPONSE_BYTES`` bytes in the answer to one
  command, lines of at most ``MAX_LINE_BYTES``, and a literal larger than what was asked for
  refused from its announced size, before a byte of it is read;
* a password beyond ASCII is sent with SASL PLAIN, since IMAP LOGIN is ASCII only;
* the folder is opened read-only (EXAMINE) where the server allows it, and everything is fetched
  with ``BODY.PEEK``, so nothing is marked read;
* fetches are capped: header fields at ``MAX_HEADER_BYTES``, a body at ``MAX_MESSAGE_BYTES``,
  whatever size the server announced;
* the search date is written with IMAP's own month names, whatever the locale;
* any failure is one ``MailboxError`` line naming the server and the step, with the password
  blotted out and the original exception not chained.

What a message means (a broker's link, an answer to a request) is the caller's business.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any, TypeVar

from lowprofile.config import SECRET_ENV, Settings, check_mailbox, get_secret
from lowprofile.errors import ConfigError, MailboxError
from lowprofile.fetch.fence import is_loopback
from lowprofile.fetch.http import ssl_context
from lowprofile.safe_text import clean_text

MAX_MESSAGE_BYTES = 1_000_000
"""The most of one message's body ever fetched: a mail to act on is short."""
MAX_HEADER_BYTES = 65_536
"""The most of one message's chosen header fields fetched (a References chain is long, not
this long)."""
FETCH_BATCH = 200
"""UIDs asked for in one ``UID FETCH``: keeps each command line short for any server."""
SESSION_SECONDS = 120.0
"""The most one session may take (connect, log in, open, search, fetch) beyond the waiting its
caller asks for: a server that drips its answers is cut off here."""
MAX_UNTAGGED = 10 * FETCH_BATCH
"""Untagged lines the answer to one command may bring (a batch of headers brings one or two
per message): an endless stream of them is cut off here."""
MAX_RESPONSE_BYTES = 4 * FETCH_BATCH * MAX_HEADER_BYTES // 3
"""Bytes the answer to one command may bring: a whole batch of capped headers fits with room."""
MAX_LINE_BYTES = 1_000_000
"""The longest line read (imaplib's own limit): a SEARCH answer of 100,000 UIDs fits."""
_CHUNK = 65_536
_TOO_SLOW = "the session took longer than it may (the server is too slow)"

T = TypeVar("T")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_META = {
    "uid": re.compile(rb"\bUID (\d+)"),
    "size": re.compile(rb"\bRFC822\.SIZE (\d+)"),
    "date": re.compile(rb'\bINTERNALDATE "([^"]+)"'),
}


@dataclass(frozen=True)
class Listed:
    """One message as listed, before its body is read: enough to decide whether to read it."""

    uid: int
    size: int
    """RFC822.SIZE as the server announced it (the body fetch is capped regardless)."""
    received: datetime
    """The server's arrival time (INTERNALDATE), in UTC, to the second."""
    head: EmailMessage
    """Only the header fields that were asked for."""


def shown_header(message: Message, name: str, limit: int = 200) -> str:
    """A header as the person may be shown it: on one line, at most ``limit`` characters,
    control and bidi characters made U+FFFD (a mail's subject is anyone's text)."""
    return clean_text(" ".join(str(message.get(name, "")).split())[:limit])


def has_mailbox(settings: Settings) -> bool:
    """A mailbox is set up: a host and a login (the password is looked up when it is opened)."""
    return bool(settings.imap_host and settings.imap_user)


def check_login_route(settings: Settings) -> None:
    """The mailbox settings are usable, and a plain-text login (``imap_security = "none"``)
    goes to nothing but this machine: the password would cross the network in the clear."""
    check_mailbox(settings)
    clear = settings.imap_security == "none"
    if settings.imap_host and clear and not is_loopback(settings.imap_host):
        raise ConfigError(
            f"imap_security: 'none' sends the password in the clear; {settings.imap_host} is not "
            "this machine (use ssl or starttls)"
        )


def mailbox_password(settings: Settings, password: str | None = None) -> str:
    """The password to open the mailbox with, after checking the settings can be used.

    ``password`` wins when given; else the secret ``imap`` (environment, then keyring). Called
    before any work is done, so a missing setting is a usage error, not a failure halfway."""
    check_login_route(settings)
    if not has_mailbox(settings):
        raise ConfigError("no mailbox: set imap_host and imap_user")
    secret = password if password is not None else get_secret("imap")
    if not secret:
        raise ConfigError(
            f"no IMAP password: set {SECRET_ENV['imap']} or store the keyring entry 'imap'"
        )
    return secret


def since_criterion(day: date) -> str:
    """``SINCE d-Mon-yyyy`` with IMAP's English month names (``strftime("%b")`` follows the
    locale, which a server does not understand)."""
    return f"SINCE {day.day}-{_MONTHS[day.month - 1]}-{day.year}"


class Mailbox:
    """One IMAP session with the person's mailbox, its folder open read-only where it can be.

    Use as a context manager: it connects, logs in and opens ``settings.imap_folder`` on entry,
    and logs out at the end. ``password`` comes from ``mailbox_password``; ``wait`` is how long
    the caller means to keep the session open polling for mail, on top of ``SESSION_SECONDS``
    for the work itself. After a failed step the connection is closed, not reused."""

    def __init__(self, settings: Settings, password: str, *, wait: float = 0.0) -> None:
        self.settings = settings
        self.host = settings.imap_host or ""
        self.port = settings.imap_port
        self._password = password
        self._seconds = max(wait, 0.0) + SESSION_SECONDS
        self._imap: _BoundedIMAP | None = None

    def __enter__(self) -> Mailbox:
        check_login_route(self.settings)  # before any byte leaves: no clear text abroad
        deadline = time.monotonic() + self._seconds
        self._imap = self._call("connect", lambda: self._connect(deadline))
        try:
            self._call("login", self._login)
            self._call(f"open folder {self.settings.imap_folder!r}", self._select)
        except MailboxError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (OSError, EOFError, imaplib.IMAP4.error):
            return  # the connection is gone already; logout closed the socket

    def poll(self) -> None:
        """NOOP: lets the server tell us about mail that came since the last look."""
        self._call("poll", self._session().noop)

    def search(self, since: date, *criteria: str) -> list[int]:
        """UIDs of the messages that arrived on or after the day ``since`` (dates only, in the
        server's time zone) and match every one of ``criteria`` (IMAP search keys), oldest
        first."""
        imap = self._session()
        keys = " ".join((since_criterion(since), *criteria))
        status, answer = self._call("search", lambda: imap.uid("SEARCH", keys))
        if status != "OK":
            raise self._failed("search", _said(answer))
        return sorted(int(u) for u in b" ".join(a for a in answer if a).split())

    def headers(self, uids: Sequence[int], fields: Iterable[str]) -> list[Listed]:
        """For each of ``uids``: its size, arrival time and the header ``fields`` (at most
        ``MAX_HEADER_BYTES`` of them), in the order the server answered. A message the server
        lists without a UID or arrival time is left out."""
        wanted = " ".join(f.upper() for f in fields)
        items = (
            "(UID RFC822.SIZE INTERNALDATE "
            f"BODY.PEEK[HEADER.FIELDS ({wanted})]<0.{MAX_HEADER_BYTES}>)"
        )
        listed = []
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            for meta, header in self._fetch(batch, items, MAX_HEADER_BYTES):
                found = _listed(meta, header)
                if found is not None:
                    listed.append(found)
        return listed

    def body(self, uid: int, limit: int = MAX_MESSAGE_BYTES) -> EmailMessage | None:
        """The message ``uid`` read up to ``limit`` bytes (a partial fetch: the cap holds even
        if the server's announced size was wrong); None if the server has no such message."""
        pieces = self._fetch([uid], f"(UID BODY.PEEK[]<0.{limit}>)", limit)
        if not pieces:
            return None
        mail = message_from_bytes(pieces[0][1], policy=policy.default)
        return mail if isinstance(mail, EmailMessage) else None

    def _failed(self, what: str, reason: str) -> MailboxError:
        """The one-line error for a step: server, step, reason, never the password."""
        reason = " ".join(reason.split())
        if self._password:
            reason = reason.replace(self._password, "***")
        return MailboxError(f"IMAP {self.host}:{self.port}: {what} failed: {reason}")

    def _call(self, what: str, action: Callable[[], T]) -> T:
        """Run one IMAP step; any failure becomes a one-line ``MailboxError`` and closes the
        connection (a server that broke a bound is not asked anything more, not even LOGOUT)."""
        try:
            return action()
        except (OSError, EOFError, imaplib.IMAP4.error, ValueError) as exc:
            self._drop()
            said = exc.args[0] if len(exc.args) == 1 else None
            # imaplib raises with the server's bytes: show its words, not b'...'.
            reason = said.decode(errors="replace") if isinstance(said, bytes) else str(exc)
            reason = reason.strip() or exc.__class__.__name__
            # from None: the original exception (which may quote the server) is not chained.
            raise self._failed(what, reason) from None

    def _drop(self) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            with contextlib.suppress(OSError):
                imap.shutdown()

    def _connect(self, deadline: float) -> _BoundedIMAP:
        s = self.settings
        bounds = {"deadline": deadline, "read_timeout": s.read_timeout}
        if s.imap_security == "ssl":
            return _BoundedIMAPSSL(self.host, self.port, ssl_context=ssl_context(s), **bounds)
        imap = _BoundedIMAP(self.host, self.port, **bounds)
        if s.imap_security == "starttls":
            try:
                imap.starttls(ssl_context=ssl_context(s))
            except (OSError, imaplib.IMAP4.error):
                with contextlib.suppress(OSError):  # a failed handshake may have closed it
                    imap.shutdown()
                raise
        return imap

    def _login(self) -> None:
        imap = self._session()
        user = self.settings.imap_user or ""
        if (user + self._password).isascii():
            imap.login(user, self._password)
        else:  # LOGIN is ASCII only; SASL PLAIN carries UTF-8
            plain = f"\0{user}\0{self._password}".encode()
            imap.authenticate("PLAIN", lambda _challenge: plain)

    def _select(self) -> None:
        imap = self._session()
        folder = _quoted(self.settings.imap_folder)
        status, answer = imap.select(folder, readonly=True)
        if status != "OK":  # a server without EXAMINE for this folder: BODY.PEEK still reads
            status, answer = imap.select(folder)
        if status != "OK":
            raise imaplib.IMAP4.error(_said(answer) or "no such folder")

    def _session(self) -> _BoundedIMAP:
        if self._imap is None:
            raise MailboxError(f"IMAP {self.host}:{self.port}: not connected")
        return self._imap

    def _fetch(self, uids: Sequence[int], items: str, cap: int) -> list[tuple[bytes, bytes]]:
        """``UID FETCH``: for each message its metadata line(s) and the literal it carried,
        no literal longer than ``cap`` (the bytes ``items`` asked for)."""
        imap = self._session()
        wanted = ",".join(str(u) for u in uids)
        imap.literal_cap = cap
        status, answer = self._call("fetch", lambda: imap.uid("FETCH", wanted, items))
        if status != "OK":
            raise self._failed("fetch", _said(answer))
        pairs: list[tuple[bytes, bytes]] = []
        for piece in answer:
            if isinstance(piece, tuple):
                pairs.append((piece[0], piece[1]))
            elif isinstance(piece, bytes) and pairs:  # items after the literal, e.g. " UID 7)"
                meta, literal = pairs[-1]
                pairs[-1] = (meta + b" " + piece, literal)
        return pairs


class _BoundedIMAP(imaplib.IMAP4):
    """imaplib's session with every read bounded (imaplib reads through a socket file with a
    per-read timeout and no size limits of its own but the line length).

    Reads go through a buffer of our own, filled from ``self.sock`` (after STARTTLS, the TLS
    socket; bytes the server sent before TLS started are refused) with the socket timeout set,
    before each read, to what is left of the session's monotonic ``deadline``. The counts of
    untagged lines and bytes start again with each command."""

    def __init__(self, host: str, port: int, *, deadline: float, read_timeout: float,
                 **options: Any) -> None:  # fmt: skip
        self._deadline = deadline
        self._read_timeout = read_timeout
        self._buffer = bytearray()
        self._buffered_from: object = None
        self._untagged = 0
        self._received = 0
        self.literal_cap = MAX_HEADER_BYTES
        """The longest literal the current command may bring (what it asked for)."""
        super().__init__(host, port, timeout=self._left(), **options)

    def _left(self) -> float:
        """Seconds the next socket operation may take: what is left of the deadline, at most
        ``read_timeout``."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(_TOO_SLOW)
        return min(left, self._read_timeout)

    def _receive(self) -> bytes:
        self.sock.settimeout(self._left())
        try:
            return self.sock.recv(_CHUNK)
        except TimeoutError:
            if time.monotonic() >= self._deadline:
                raise TimeoutError(_TOO_SLOW) from None
            raise

    def _same_stream(self) -> None:
        """The buffer holds only bytes of the current socket: what a server sent in clear
        before STARTTLS completed must not be read as if it came over TLS."""
        if self._buffered_from is not self.sock:
            if self._buffer:
                raise self.abort("the server sent data before TLS started")
            self._buffered_from = self.sock

    def _fill(self) -> bool:
        """One more read from the socket into the buffer; False at the end of the stream."""
        self._same_stream()
        chunk = self._receive()
        self._received += len(chunk)
        if self._received > MAX_RESPONSE_BYTES:
            raise self.abort(f"an answer larger than {MAX_RESPONSE_BYTES} bytes")
        self._buffer += chunk
        return bool(chunk)

    def readline(self) -> bytes:
        """One line, at most ``MAX_LINE_BYTES`` long (whatever is left at the end of stream)."""
        self._same_stream()
        start = 0
        while (end := self._buffer.find(b"\n", start)) < 0:
            if len(self._buffer) > MAX_LINE_BYTES:
                raise self.abort(f"a line longer than {MAX_LINE_BYTES} bytes")
            start = len(self._buffer)
            if not self._fill():
                end = len(self._buffer) - 1
                break
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        return line

    def read(self, size: int) -> bytes:
        """A literal of ``size`` bytes, refused from its announced size when it is more than
        the command asked for: not a byte of a 400 MB answer to a 1 MB fetch is read."""
        if size > self.literal_cap:
            raise self.abort(
                f"the server sent {size} bytes where at most {self.literal_cap} were asked for"
            )
        self._same_stream()
        while len(self._buffer) < size and self._fill():
            pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    # imaplib's private hooks (typeshed does not list them): every command goes through
    # _command, which sends it (under the deadline set here), and every untagged line through
    # _append_untagged.
    def _command(self, name: str, *args: Any) -> Any:
        self._untagged = 0
        self._received = 0
        self.sock.settimeout(self._left())
        return super()._command(name, *args)  # type: ignore[misc]

    def _append_untagged(self, typ: str, dat: Any) -> None:
        self._untagged += 1
        if self._untagged > MAX_UNTAGGED:
            raise self.abort(f"more than {MAX_UNTAGGED} untagged lines in one answer")
        super()._append_untagged(typ, dat)  # type: ignore[misc]


class _BoundedIMAPSSL(_BoundedIMAP, imaplib.IMAP4_SSL):
    """The bounded session over implicit TLS (port 993)."""


def _quoted(folder: str) -> str:
    """A folder name as an IMAP string (imaplib sends it as given)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(answer: Iterable[object]) -> str:
    return " ".join(a.decode(errors="replace") for a in answer if isinstance(a, bytes))


def _field(meta: bytes, name: str) -> str | None:
    found = _META[name].search(meta)
    return found.group(1).decode() if found else None


def _listed(meta: bytes, header: bytes) -> Listed | None:
    uid, stamp = _field(meta, "uid"), _field(meta, "date")
    if uid is None or stamp is None:
        return None
    moment = imaplib.Internaldate2tuple(f'INTERNALDATE "{stamp}"'.encode())
    if moment is None:
        return None
    received = datetime.fromtimestamp(time.mktime(moment), UTC)
    head = message_from_bytes(header, policy=policy.default)
    if not isinstance(head, EmailMessage):
        return None
    return Listed(int(uid), int(_field(meta, "size") or 0), received, head)
