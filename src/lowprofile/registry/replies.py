"""Brokers' replies, read from the person's IMAP mailbox and matched to requests.

A reply is matched by the headers mail programs set on an answer (``In-Reply-To`` or
``References`` naming our ``Message-ID``) or, failing that, by the request's reference
(``[LP-XXXXXXXX]``) kept in the subject. A match moves a ``sent`` request to ``answered`` and
keeps the reply's subject as the note. Whether the broker deleted or refused is not guessed from
its wording: the person reads the answer and marks it ``confirmed`` or ``refused``.
Messages are fetched with ``BODY.PEEK`` so they stay unread in the person's mailbox.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage

from lowprofile.registry.errors import SendError
from lowprofile.registry.ledger import ANSWERED, SENT, Ledger, RequestRow

_REF = re.compile(r"\[(LP-[0-9A-F]{8})\]")
_MSGID = re.compile(r"<[^<>\s]+>")
FOLDER = "INBOX"


def match_reply(message: EmailMessage, rows: Iterable[RequestRow]) -> RequestRow | None:
    """The request this message answers, if any."""
    requests = list(rows)
    by_id = {r.message_id: r for r in requests if r.message_id}
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


def apply_replies(
    ledger: Ledger, messages: Iterable[EmailMessage], today: date
) -> list[ReplyUpdate]:
    """Mark each request a message answers as ``answered`` (only requests still ``sent``)."""
    updates = []
    for message in messages:
        row = match_reply(message, ledger.rows())
        if row is None or row.state != SENT:
            continue
        subject = " ".join(str(message.get("Subject", "")).split())[:120]
        subject = "".join(ch if ch.isprintable() else "\ufffd" for ch in subject)
        ledger.mark(row.ref, ANSWERED, today, f"reply: {subject}")
        updates.append(ReplyUpdate(row.ref, row.names, subject))
    return updates


def fetch_replies(
    host: str, port: int, user: str, password: str, since: date, folder: str = FOLDER
) -> Iterator[EmailMessage]:
    """Messages since ``since`` that carry a request reference (in the subject, or in the
    ``In-Reply-To`` naming our message), over IMAP with TLS, read-only."""
    try:
        with imaplib.IMAP4_SSL(host, port) as imap:
            imap.login(user, password)
            imap.select(folder, readonly=True)
            # Our Message-IDs carry the reference too, so an answer with a new subject is found.
            day = since.strftime("%d-%b-%Y")
            criteria = f'(SINCE {day} OR SUBJECT "LP-" HEADER In-Reply-To "LP-")'
            _, found = imap.search(None, criteria)
            for number in found[0].split():
                _, parts = imap.fetch(number.decode(), "(BODY.PEEK[])")
                for part in parts:
                    if isinstance(part, tuple):
                        parsed = message_from_bytes(part[1], policy=policy.default)
                        if isinstance(parsed, EmailMessage):
                            yield parsed
    except (OSError, imaplib.IMAP4.error) as exc:
        raise SendError(f"mailbox {host}:{port}: {exc}") from exc
