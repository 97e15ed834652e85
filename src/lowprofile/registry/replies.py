"""Brokers' replies, read from the person's IMAP mailbox and matched to requests.

A reply is matched by the headers mail programs set on an answer (``In-Reply-To`` or
``References`` naming our ``Message-ID``) or, failing that, by the request's reference
(``[LP-…]``, random and stored) kept in the subject. A match from the broker's own domain (the
address it registered, or its websites') moves a ``sent`` request to ``answered`` and keeps the
reply's subject as the note; a match from anywhere else is an "unverified reply", shown and
never recorded. Whether the broker deleted or refused is not guessed from
its wording: the person reads the answer and marks it ``confirmed`` or ``refused``.
The mailbox is read through ``lowprofile.mail.imap`` (the same session as the opt-out email step:
TLS with the configured authorities, a timeout, read-only, ``BODY.PEEK`` so nothing turns read).
Only the header fields a match needs are fetched: the text of a broker's answer never leaves the
server, since nothing here reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from lowprofile.config import Settings
from lowprofile.domains import email_domain, on_domains
from lowprofile.mail.imap import Mailbox, shown_header
from lowprofile.registry.ledger import ANSWERED, SENT, Ledger, RequestRow

_REF = re.compile(r"\[(LP-[0-9A-F]{8}(?:[0-9A-F]{8})?)\]")
"""A reference: 16 random hex digits (8 for requests made before references were random)."""
_MSGID = re.compile(r"<[^<>\s]+>")
MATCHED_HEADERS = ("MESSAGE-ID", "IN-REPLY-TO", "REFERENCES", "SUBJECT", "FROM")
"""All ``match_reply`` and ``apply_replies`` read of a message (``From``: whose it is)."""
CANDIDATES = 'OR OR SUBJECT "LP-" HEADER In-Reply-To "LP-" HEADER References "LP-"'
"""The server-side filter: our references are in our subjects and in our Message-IDs (so an
answer with a new subject still names one in In-Reply-To or References)."""


def match_reply(message: EmailMessage, rows: Iterable[RequestRow]) -> RequestRow | None:
    """The request this message answers, if any."""
    requests = list(rows)
    by_id = {r.message_id: r for r in requests if r.message_id}
    if str(message.get("Message-ID", "")).strip() in by_id:
        return None  # our own request (a copy to ourselves), not an answer to it
    linked = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    for message_id in _MSGID.findall(linked):
        if message_id in by_id:
            return by_id[message_id]
    found = _REF.search(str(message.get("Subject", "")))
    if found:
        return next((r for r in requests if r.ref == found.group(1)), None)
    return None


@dataclass(frozen=True)
class ReplyUpdate:
    ref: str
    names: tuple[str, ...]
    subject: str
    verified: bool = True
    """The reply came from the broker's own domain, so the request was marked answered."""
    sender: str = ""
    """The sender's domain, shown for an unverified reply."""


def from_the_broker(message: EmailMessage, row: RequestRow) -> bool:
    """Whether the reply's sender is on the request's domains (its recipients' and the
    brokers' websites'): anyone can write a subject naming a reference, and a fake "answer"
    would hide an overdue request. The ``From`` header is what the mail provider checked (or
    not); its DKIM verdict is not read here."""
    return on_domains(email_domain(str(message.get("From", ""))), row.domains)


def apply_replies(
    ledger: Ledger, messages: Iterable[EmailMessage], today: date
) -> list[ReplyUpdate]:
    """Mark each request a message from its broker answers as ``answered`` (only requests still
    ``sent``); a reply from anywhere else is returned as unverified and changes nothing."""
    updates = []
    for message in messages:
        row = match_reply(message, ledger.rows())
        if row is None or row.state is not SENT:
            continue
        subject = shown_header(message, "Subject", 120)
        if not from_the_broker(message, row):
            sender = email_domain(str(message.get("From", ""))) or "no sender"
            updates.append(ReplyUpdate(row.ref, row.names, subject, False, sender[:80]))
            continue
        ledger.mark(row.ref, ANSWERED, today, f"reply: {subject}")
        updates.append(ReplyUpdate(row.ref, row.names, subject))
    return updates


def fetch_replies(settings: Settings, password: str, since: date) -> list[EmailMessage]:
    """The header fields of every message in the settings' mailbox folder that may answer a
    request and arrived from the day before ``since`` on (a server keeps dates in its own time
    zone), oldest first. Raises ``MailboxError`` when the server fails us."""
    with Mailbox(settings, password) as mailbox:
        uids = mailbox.search(since - timedelta(days=1), CANDIDATES)
        return [listed.head for listed in mailbox.headers(uids, MATCHED_HEADERS)]
