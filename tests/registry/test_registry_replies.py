"""Replies matched to requests by Message-ID or reference; nothing guessed from the wording."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import build_requests
from lowprofile.registry.ledger import ANSWERED, CONFIRMED, SENT, Ledger
from lowprofile.registry.mailer import record
from lowprofile.registry.replies import apply_replies, match_reply
from lowprofile.subject import Address, Name, Subject


def _sent(ledger: Ledger) -> list:  # type: ignore[type-arg]
    person = Subject(names=(Name("Jane", "Doe"),), emails=("jane@example.com",),
                     addresses=(Address(state="TX"),))  # fmt: skip
    entries = [RegistryEntry(id=x, name=x.title(), emails=(f"p@{x}.example",)) for x in "abc"]
    requests = build_requests(entries, person, "plain", "jane@example.com")
    for request in requests:
        record(ledger, request, SENT, date(2026, 1, 1))
    return requests


def _reply(subject: str, in_reply_to: str = "") -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "privacy@broker.example"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("We have received your request.")
    return message


def test_matched_by_message_id_even_with_a_new_subject() -> None:
    with Ledger() as ledger:
        requests = _sent(ledger)
        message_id = str(requests[1].message["Message-ID"])
        row = match_reply(_reply("Your ticket #4411", message_id), ledger.rows())
        assert row is not None and row.ref == requests[1].ref


def test_matched_by_reference_in_subject_and_recorded_as_answered() -> None:
    with Ledger() as ledger:
        requests = _sent(ledger)
        ref = requests[0].ref
        confirmed = requests[2].ref
        ledger.mark(confirmed, CONFIRMED, date(2026, 1, 5))
        replies = [
            _reply(f"RE: Request to remove my personal information [{ref}]"),
            _reply(f"Re: [{confirmed}]"),  # already confirmed by hand: left alone
            _reply("Newsletter: our privacy week [LP-00000000]"),  # no such request
            _reply("Unrelated"),
        ]
        updates = apply_replies(ledger, replies, date(2026, 1, 10))
        rows = {r.ref: r for r in ledger.rows()}
    assert [u.ref for u in updates] == [ref]
    assert rows[ref].state == ANSWERED
    assert rows[ref].note.startswith("reply: RE: Request to remove")
    assert rows[confirmed].state == CONFIRMED
    assert rows[requests[1].ref].state == SENT


class _FakeImap:
    """Records what lowprofile asks of the mailbox; serves one stored reply."""

    calls: list[tuple[str, ...]] = []
    stored: bytes = b""

    def __init__(self, host: str, port: int) -> None:
        self.calls.append(("connect", host, str(port)))

    def __enter__(self) -> _FakeImap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("logout",))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))

    def select(self, folder: str, readonly: bool = False) -> None:
        self.calls.append(("select", folder, str(readonly)))

    def search(self, charset: object, criteria: str) -> tuple[str, list[bytes]]:
        self.calls.append(("search", criteria))
        return "OK", [b"7"]

    def fetch(self, number: str, parts: str) -> tuple[str, list[object]]:
        self.calls.append(("fetch", number, parts))
        return "OK", [(b"7 (BODY[] {10}", self.stored), b")"]


def test_fetch_is_read_only_and_leaves_mail_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    import imaplib

    from lowprofile.registry.replies import fetch_replies

    _FakeImap.calls = []
    _FakeImap.stored = _reply("Re: [LP-12345678]").as_bytes()
    monkeypatch.setattr(imaplib, "IMAP4_SSL", _FakeImap)
    [message] = list(fetch_replies("imap.example", 993, "jane", "pw", date(2026, 1, 2)))
    assert message["Subject"] == "Re: [LP-12345678]"
    assert _FakeImap.calls == [
        ("connect", "imap.example", "993"),
        ("login", "jane", "pw"),
        ("select", "INBOX", "True"),
        ("search", '(SINCE 02-Jan-2026 OR SUBJECT "LP-" HEADER In-Reply-To "LP-")'),
        ("fetch", "7", "(BODY.PEEK[])"),
        ("logout",),
    ]
