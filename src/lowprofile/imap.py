"""One IMAP session with the person's own mailbox, for every part of lowprofile that reads it.

Two readers need the same careful access: the opt-out email step looks for a broker's
confirmation link, and ``registry replies`` looks for brokers' answers to deletion requests.
What they share lives here, so both get the same guarantees:

* the settings ``imap_host``, ``imap_port``, ``imap_user``, ``imap_folder`` and
  ``imap_security`` (``ssl``, ``starttls``, or ``none`` for a server on this machine), checked by
  ``config.check_mailbox``; the password is the secret ``imap``, never a setting;
* TLS with ``net.ssl_context`` (certifi or ``SSL_CERT_FILE``, plus ``ca_bundle``), and a socket
  timeout (``read_timeout``) so a silent server cannot hold a run for ever;
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
from types import TracebackType
from typing import TypeVar

from lowprofile.config import SECRET_ENV, Settings, check_mailbox, get_secret
from lowprofile.errors import ConfigError, MailboxError
from lowprofile.fetch.http import ssl_context
from lowprofile.safe_text import clean_text

MAX_MESSAGE_BYTES = 1_000_000
"""The most of one message's body ever fetched: a mail to act on is short."""
MAX_HEADER_BYTES = 65_536
"""The most of one message's chosen header fields fetched (a References chain is long, not
this long)."""
FETCH_BATCH = 200
"""UIDs asked for in one ``UID FETCH``: keeps each command line short for any server."""

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


def mailbox_password(settings: Settings, password: str | None = None) -> str:
    """The password to open the mailbox with, after checking the settings can be used.

    ``password`` wins when given; else the secret ``imap`` (environment, then keyring). Called
    before any work is done, so a missing setting is a usage error, not a failure halfway."""
    check_mailbox(settings)
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
    and logs out at the end. ``password`` comes from ``mailbox_password``."""

    def __init__(self, settings: Settings, password: str) -> None:
        self.settings = settings
        self.host = settings.imap_host or ""
        self.port = settings.imap_port
        self._password = password
        self._imap: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        self._imap = self._call("connect", self._connect)
        try:
            self._call("login", self._login)
            self._call(f"open folder {self.settings.imap_folder!r}", self._select)
        except MailboxError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
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
            for meta, header in self._fetch(uids[start : start + FETCH_BATCH], items):
                found = _listed(meta, header)
                if found is not None:
                    listed.append(found)
        return listed

    def body(self, uid: int, limit: int = MAX_MESSAGE_BYTES) -> EmailMessage | None:
        """The message ``uid`` read up to ``limit`` bytes (a partial fetch: the cap holds even
        if the server's announced size was wrong); None if the server has no such message."""
        pieces = self._fetch([uid], f"(UID BODY.PEEK[]<0.{limit}>)")
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
        """Run one IMAP step; any failure becomes a one-line ``MailboxError``."""
        try:
            return action()
        except (OSError, EOFError, imaplib.IMAP4.error, ValueError) as exc:
            said = exc.args[0] if len(exc.args) == 1 else None
            # imaplib raises with the server's bytes: show its words, not b'...'.
            reason = said.decode(errors="replace") if isinstance(said, bytes) else str(exc)
            reason = reason.strip() or exc.__class__.__name__
            # from None: the original exception (which may quote the server) is not chained.
            raise self._failed(what, reason) from None

    def _connect(self) -> imaplib.IMAP4:
        s = self.settings
        timeout = s.read_timeout
        if s.imap_security == "ssl":
            return imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=ssl_context(s), timeout=timeout
            )
        imap = imaplib.IMAP4(self.host, self.port, timeout=timeout)
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

    def _session(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise MailboxError(f"IMAP {self.host}:{self.port}: not connected")
        return self._imap

    def _fetch(self, uids: Sequence[int], items: str) -> list[tuple[bytes, bytes]]:
        """``UID FETCH``: for each message its metadata line(s) and the literal it carried."""
        imap = self._session()
        wanted = ",".join(str(u) for u in uids)
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
