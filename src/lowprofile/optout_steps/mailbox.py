"""A broker's confirmation email, found in the person's own mailbox over IMAP.

Many brokers finish an opt-out only when the person opens a link they mail. With a mailbox set
(``imap_host``, ``imap_user``, the secret ``imap``), ``find_confirmation`` polls it for a message
from the broker's own domains that arrived after the submit, and picks the first link in it that
``allowed_link`` accepts. A mail from anyone else is not the broker's confirmation and is never
read past its headers; a link elsewhere is refused and reported, never opened.

The person's mailbox is theirs: the folder is opened read-only (EXAMINE) where the server allows
it, bodies are fetched with ``BODY.PEEK`` so nothing is marked read, at most ``MAX_MESSAGES`` of
the newest messages are looked at per poll and none larger than ``MAX_MESSAGE_BYTES``. Errors
name the server and the step that failed, never the password.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from enum import StrEnum
from html.parser import HTMLParser
from types import TracebackType
from typing import TypeVar

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.config import SECRET_ENV, Settings, check_mailbox, get_secret
from lowprofile.errors import ConfigError, LowprofileError
from lowprofile.net import ssl_context
from lowprofile.optout_steps.links import allowed_link, broker_domains, on_domains
from lowprofile.safe_text import clean_text

MAX_MESSAGE_BYTES = 1_000_000
"""A confirmation is a short mail; anything larger is not read (an attachment, a newsletter)."""
MAX_MESSAGES = 50
"""The newest messages looked at per poll: a busy inbox is not read whole every few seconds."""
POLL_INTERVAL = 5.0
"""Seconds between two looks at the mailbox."""
HEADERS = "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])"
"""What is read of every recent message: enough to know whether it is the broker's."""

T = TypeVar("T")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'()\[\]{}]+", re.IGNORECASE)
"""A link in plain text: up to the first space, bracket or quote (and never a control)."""
_HREF = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
"""An ``href`` that is a whole http(s) link, without a control character hidden in it."""
_META = {
    "uid": re.compile(rb"\bUID (\d+)"),
    "size": re.compile(rb"\bRFC822\.SIZE (\d+)"),
    "date": re.compile(rb'\bINTERNALDATE "([^"]+)"'),
}


class MailboxError(LowprofileError):
    """The mailbox could not be reached, logged into or read; the message names the server and
    the step that failed (never the password)."""


class Answer(StrEnum):
    """What a look at the mailbox came to."""

    LINK = "link"
    """A broker's mail with a link that may be opened."""
    REFUSED = "link refused"
    """A broker's mail whose links all go elsewhere (or not over https): nothing to open."""
    NO_LINK = "no link"
    """The broker's mail arrived but holds no link at all."""
    NOTHING_YET = "nothing yet"
    """No mail from the broker since the submit, within the time given."""


@dataclass(frozen=True)
class Refused:
    """A link found in a broker's mail that will not be opened, and why."""

    link: str
    reason: str


@dataclass(frozen=True)
class MailSeen:
    """Which message an answer comes from: enough to find it in the mail program."""

    uid: int
    sender: str
    subject: str
    received: datetime


@dataclass(frozen=True)
class Confirmation:
    """The answer of ``find_confirmation``: the link to open (if any), the message it came from,
    and every link that was refused with its reason."""

    answer: Answer
    link: str = ""
    message: MailSeen | None = None
    refused: tuple[Refused, ...] = ()

    @property
    def refusals(self) -> str:
        """The refused links and reasons on one line, for ``link refused: ...``."""
        return "; ".join(r.reason for r in self.refused)


def has_mailbox(settings: Settings) -> bool:
    """A mailbox is set up: the email step can look for the link instead of asking for it."""
    return bool(settings.imap_host and settings.imap_user)


def find_confirmation(
    broker: Broker,
    step: OptOutStep,
    since: datetime,
    timeout: float,
    *,
    settings: Settings,
    password: str | None = None,
    interval: float = POLL_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
) -> Confirmation:
    """Poll the mailbox until ``broker``'s confirmation arrives or ``timeout`` seconds pass.

    ``since`` is the moment before the submit (an aware datetime; a naive one is taken as UTC):
    mail the server received earlier is not looked at (the server keeps arrival times to the
    second, so the second of ``since`` counts). The first look happens at once, the next every
    ``interval`` seconds. It blocks: the async runner calls it as
    ``await asyncio.to_thread(find_confirmation, broker, step, since, step.timeout,
    settings=settings)`` after checking ``has_mailbox(settings)``.

    It returns on the first broker mail holding links (``LINK``, or ``REFUSED`` when none of them
    may be opened), or at the timeout (``NO_LINK`` when only linkless broker mail came,
    else ``NOTHING_YET``). A mail from another sender is ignored. Raises ``ConfigError`` for
    unusable settings or a missing password, ``MailboxError`` when the server fails us.
    """
    check_mailbox(settings)
    if not has_mailbox(settings):
        raise ConfigError("no mailbox: set imap_host and imap_user")
    secret = password if password is not None else get_secret("imap")
    if not secret:
        raise ConfigError(
            f"no IMAP password: set {SECRET_ENV['imap']} or store the keyring entry 'imap'"
        )
    domains = broker_domains(broker, step)
    start = since if since.tzinfo else since.replace(tzinfo=UTC)
    deadline = time.monotonic() + max(timeout, 0.0)
    judged: dict[int, Confirmation] = {}
    with Mailbox(settings, secret) as mailbox:
        while True:
            for seen, mail in mailbox.new_mail(start, domains):
                judged[seen.uid] = _judge(seen, mail, broker, step, settings.allow_loopback)
            answer = _best(judged)
            left = deadline - time.monotonic()
            if answer.answer in (Answer.LINK, Answer.REFUSED) or left <= 0:
                return answer
            sleep(min(interval, left))


def _best(judged: dict[int, Confirmation]) -> Confirmation:
    """The newest broker mail with an openable link; else the refusals of every broker mail
    with links; else the newest linkless one; else nothing yet."""
    newest_first = [judged[uid] for uid in sorted(judged, reverse=True)]
    refused = tuple(r for c in newest_first for r in c.refused)
    for found in newest_first:
        if found.answer is Answer.LINK:
            return Confirmation(Answer.LINK, found.link, found.message, refused)
    with_links = [c for c in newest_first if c.answer is Answer.REFUSED]
    if with_links:
        return Confirmation(Answer.REFUSED, "", with_links[0].message, refused)
    if newest_first:
        return newest_first[0]
    return Confirmation(Answer.NOTHING_YET)


def _judge(
    seen: MailSeen, mail: EmailMessage, broker: Broker, step: OptOutStep, allow_loopback: bool
) -> Confirmation:
    """One broker mail's answer: its first link that may be opened, and those that may not."""
    refused: list[Refused] = []
    for link in mail_links(mail):
        reason = allowed_link(link, broker, step, allow_loopback=allow_loopback)
        if reason is None:
            return Confirmation(Answer.LINK, link, seen, tuple(refused))
        refused.append(Refused(link, reason))
    return Confirmation(Answer.REFUSED if refused else Answer.NO_LINK, "", seen, tuple(refused))


class _Hrefs(HTMLParser):
    """The ``href`` of every ``<a>`` and ``<area>``, in document order, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            self.hrefs.extend(v.strip() for k, v in attrs if k == "href" and v)


def mail_links(mail: Message) -> list[str]:
    """Every http(s) link of a mail's text and HTML parts (not attachments), in order, once.

    Other schemes (``mailto:``, ``tel:``) are not links to open and are left out."""
    links: list[str] = []
    for part in mail.walk():
        kind = part.get_content_type()
        if (
            kind not in ("text/plain", "text/html")
            or part.get_content_disposition() == "attachment"
        ):
            continue
        text = _text(part)
        if kind == "text/html":
            parser = _Hrefs()
            parser.feed(text)
            parser.close()
            found: Iterable[str] = (h for h in parser.hrefs if _HREF.fullmatch(h))
        else:
            found = (m.rstrip(".,;:!?") for m in _URL.findall(text))
        links.extend(link for link in found if link not in links)
    return links


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


class Mailbox:
    """One IMAP session with the person's mailbox, its folder open read-only where it can be.

    Use as a context manager; it logs out at the end."""

    def __init__(self, settings: Settings, password: str) -> None:
        self.settings = settings
        self.host = settings.imap_host or ""
        self.port = settings.imap_port
        self._password = password
        self._imap: imaplib.IMAP4 | None = None
        self._looked: set[int] = set()
        """UIDs whose headers were read in this session: each message is judged once."""

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

    def _call(self, what: str, action: Callable[[], T]) -> T:
        """Run one IMAP step; any failure becomes a one-line ``MailboxError`` naming the server
        and the step, with the password (should a server echo it) blotted out."""
        try:
            return action()
        except (OSError, EOFError, imaplib.IMAP4.error, ValueError) as exc:
            reason = " ".join(str(exc).split()) or exc.__class__.__name__
            if self._password:
                reason = reason.replace(self._password, "***")
            # from None: the original exception is not chained into logs or tracebacks.
            raise MailboxError(f"IMAP {self.host}:{self.port}: {what} failed: {reason}") from None

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

    def new_mail(
        self, since: datetime, domains: frozenset[str]
    ) -> list[tuple[MailSeen, EmailMessage]]:
        """Messages received at or after ``since`` (to the second) from a sender on ``domains``
        that this session has not returned before, newest first; of the messages since the day
        before ``since`` only the ``MAX_MESSAGES`` newest are looked at."""
        imap = self._session()
        self._call("poll", imap.noop)  # lets the server tell us about mail that just came
        day = since.astimezone(UTC) - timedelta(days=1)  # SINCE compares dates only
        criteria = f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"
        status, answer = self._call("search", lambda: imap.uid("SEARCH", "SINCE", criteria))
        if status != "OK":
            raise MailboxError(f"IMAP {self.host}:{self.port}: search failed: {_said(answer)}")
        uids = [int(u) for u in b" ".join(a for a in answer if a).split()]
        newest = [u for u in sorted(uids, reverse=True)[:MAX_MESSAGES] if u not in self._looked]
        if not newest:
            return []
        self._looked.update(newest)
        heads = self._fetch(newest, HEADERS)
        earliest = math.floor(since.timestamp())
        found = []
        for meta, header in heads:
            seen = _seen(meta, header)
            too_big = int(_field(meta, "size") or 0) > MAX_MESSAGE_BYTES
            if seen is None or too_big or seen.received.timestamp() < earliest:
                continue
            if not on_domains(seen.sender.rpartition("@")[2], domains):
                continue  # not the broker's: its body is never read
            # A partial fetch: the cap holds even if the server's RFC822.SIZE was wrong.
            bodies = self._fetch([seen.uid], f"(UID BODY.PEEK[]<0.{MAX_MESSAGE_BYTES}>)")
            mail = message_from_bytes(bodies[0][1] if bodies else b"", policy=policy.default)
            if isinstance(mail, EmailMessage):
                found.append((seen, mail))
        return sorted(found, key=lambda pair: pair[0].uid, reverse=True)

    def _fetch(self, uids: list[int], items: str) -> list[tuple[bytes, bytes]]:
        """``UID FETCH``: for each message its metadata line(s) and the literal it carried."""
        imap = self._session()
        wanted = ",".join(str(u) for u in uids)
        status, answer = self._call("fetch", lambda: imap.uid("FETCH", wanted, items))
        if status != "OK":
            raise MailboxError(f"IMAP {self.host}:{self.port}: fetch failed: {_said(answer)}")
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


def _seen(meta: bytes, header: bytes) -> MailSeen | None:
    uid, stamp = _field(meta, "uid"), _field(meta, "date")
    if uid is None or stamp is None:
        return None
    moment = imaplib.Internaldate2tuple(f'INTERNALDATE "{stamp}"'.encode())
    if moment is None:
        return None
    received = datetime.fromtimestamp(time.mktime(moment), UTC)
    head = message_from_bytes(header, policy=policy.default)
    subject = clean_text(" ".join(str(head.get("Subject", "")).split()))  # shown to the person
    return MailSeen(int(uid), _sender(head), subject, received)


def _sender(head: Message) -> str:
    """The one From address, lower case (empty for none, several, a malformed one, or an
    address literal such as ``x@[192.0.2.1]``, which is no broker's domain)."""
    try:
        addresses: tuple[Address, ...] = getattr(head["From"], "addresses", ())
    except (ValueError, IndexError):  # a From the parser could not make sense of
        return ""
    if len(addresses) != 1 or not addresses[0].domain:
        return ""
    address = addresses[0]
    domain = address.domain.lower().rstrip(".")
    try:
        ipaddress.ip_address(domain.strip("[]"))
    except ValueError:
        return f"{address.username}@{domain}".lower()
    return ""
