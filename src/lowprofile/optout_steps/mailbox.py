"""A broker's confirmation email, found in the person's own mailbox over IMAP.

Many brokers finish an opt-out only when the person opens a link they mail. With a mailbox set
(``imap_host``, ``imap_user``, the secret ``imap``), ``find_confirmation`` polls it for a message
from the broker's own domains that arrived after the submit, and picks the first link in it that
``allowed_link`` accepts. A mail from anyone else is not the broker's confirmation and is never
read past its headers; a link elsewhere is refused and reported, never opened.

The person's mailbox is theirs: the folder is opened read-only (EXAMINE) where the server allows
it, bodies are fetched with ``BODY.PEEK`` so nothing is marked read, at most ``MAX_MESSAGES`` of
the newest messages are looked at per poll and none larger than ``MAX_MESSAGE_BYTES``. The
session itself (TLS, login, read-only folder, capped fetches, one-line errors that never show
the password) is ``lowprofile.mail.imap``'s, shared with ``registry replies``; what is judged
here is whose mail it is and which of its links may be opened.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage, Message
from enum import StrEnum
from html.parser import HTMLParser

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.config import Settings
from lowprofile.mail.imap import (
    MAX_MESSAGE_BYTES,
    Listed,
    Mailbox,
    has_mailbox,
    mailbox_password,
    shown_header,
)
from lowprofile.optout_steps.links import allowed_link, broker_domains, on_domains

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_MESSAGES",
    "Answer",
    "Confirmation",
    "MailSeen",
    "Refused",
    "find_confirmation",
    "has_mailbox",
    "mail_links",
]

MAX_MESSAGES = 50
"""The newest messages looked at per poll: a busy inbox is not read whole every few seconds."""
POLL_INTERVAL = 5.0
"""Seconds between two looks at the mailbox."""
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'()\[\]{}]+", re.IGNORECASE)
"""A link in plain text: up to the first space, bracket or quote (and never a control)."""
_HREF = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)
"""An ``href`` that is a whole http(s) link, without a control character hidden in it."""


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
    secret = mailbox_password(settings, password)
    domains = broker_domains(broker, step)
    start = since if since.tzinfo else since.replace(tzinfo=UTC)
    deadline = time.monotonic() + max(timeout, 0.0)
    judged: dict[int, Confirmation] = {}
    looked: set[int] = set()  # UIDs whose headers were read: each message is judged once
    with Mailbox(settings, secret, wait=timeout) as mailbox:
        while True:
            for seen, mail in _new_mail(mailbox, start, domains, looked):
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


def _new_mail(
    mailbox: Mailbox, since: datetime, domains: frozenset[str], looked: set[int]
) -> list[tuple[MailSeen, EmailMessage]]:
    """Messages received at or after ``since`` (to the second) from a sender on ``domains``
    not in ``looked`` (the UIDs already judged in this session, which it extends), newest
    first; of the messages since the day before ``since`` only the ``MAX_MESSAGES`` newest are
    looked at. A body is read only for the broker's mail, and none over ``MAX_MESSAGE_BYTES``."""
    mailbox.poll()
    day = since.astimezone(UTC).date() - timedelta(days=1)  # SINCE compares dates only
    newest = [u for u in reversed(mailbox.search(day)[-MAX_MESSAGES:]) if u not in looked]
    if not newest:
        return []
    looked.update(newest)
    earliest = math.floor(since.timestamp())
    found = []
    for listed in mailbox.headers(newest, ("FROM", "SUBJECT")):
        if listed.size > MAX_MESSAGE_BYTES or listed.received.timestamp() < earliest:
            continue
        seen = _seen(listed)
        if not on_domains(seen.sender.rpartition("@")[2], domains):
            continue  # not the broker's: its body is never read
        mail = mailbox.body(seen.uid, MAX_MESSAGE_BYTES)
        if mail is not None:
            found.append((seen, mail))
    return sorted(found, key=lambda pair: pair[0].uid, reverse=True)


def _seen(listed: Listed) -> MailSeen:
    head = listed.head
    return MailSeen(listed.uid, _sender(head), shown_header(head, "Subject"), listed.received)


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
