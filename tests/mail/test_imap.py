"""The shared IMAP session, against a real Dovecot: the search date whatever the locale, fetches
in batches and capped, and a mailbox that is not set up said before any connection."""

from __future__ import annotations

import imaplib
import locale
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import pytest

from helpers.dovecot import Dovecot
from lowprofile.config import Settings
from lowprofile.errors import ConfigError
from lowprofile.mail import imap
from lowprofile.mail.imap import Mailbox, mailbox_password, since_criterion


def _mail(subject: str, references: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = "privacy@broker.example"
    message["Subject"] = subject
    if references:
        message["References"] = references
    message.set_content("Body text.")
    return message.as_bytes()


@pytest.mark.parametrize("month", range(1, 13))
def test_the_search_date_uses_imaps_month_names(month: int) -> None:
    criterion = since_criterion(date(2026, month, 9))
    keyword, stamp = criterion.split()
    day, name, year = stamp.split("-")
    assert (keyword, day, year) == ("SINCE", "9", "2026")
    assert imaplib.Mon2num[name.encode()] == month  # the names imaplib itself reads back


@pytest.fixture
def german_dates() -> Iterator[None]:
    """LC_TIME set to a German locale (strftime("%b") gives "Mär"), restored after."""
    before = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "de_DE.utf8", "de_DE"):
        try:
            locale.setlocale(locale.LC_TIME, name)
            break
        except locale.Error:
            continue
    else:
        reason = "no German locale installed here (locale -a)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    try:
        yield
    finally:
        locale.setlocale(locale.LC_TIME, before)


def test_the_search_date_ignores_the_locale(german_dates: None) -> None:
    assert date(2026, 3, 2).strftime("%b") != "Mar"  # what the old code would have sent
    assert since_criterion(date(2026, 3, 2)) == "SINCE 2-Mar-2026"


def test_headers_are_fetched_in_batches_and_only_those_asked_for(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imap, "FETCH_BATCH", 2)
    for number in range(5):
        dovecot.deliver(_mail(f"Message {number}"))
    with Mailbox(dovecot.settings(), dovecot.password) as mailbox:
        uids = mailbox.search(date.today())
        listed = mailbox.headers(uids, ("SUBJECT",))
    assert len(uids) == 5
    assert [m.head["Subject"] for m in listed] == [f"Message {n}" for n in range(5)]
    assert all(m.head["From"] is None for m in listed)
    assert [m.uid for m in listed] == uids


def test_a_huge_header_is_cut_at_the_cap(dovecot: Dovecot) -> None:
    chain = " ".join(f"<{n}.long-thread@broker.example>" for n in range(6000))  # ~200 kB
    dovecot.deliver(_mail("Re: a long thread", references=chain))
    with Mailbox(dovecot.settings(), dovecot.password) as mailbox:
        [listed] = mailbox.headers(mailbox.search(date.today()), ("REFERENCES",))
    kept = str(listed.head["References"])
    assert len(chain) > imap.MAX_HEADER_BYTES
    assert 0 < len(kept) <= imap.MAX_HEADER_BYTES
    assert chain.startswith(kept.split()[0])


def test_a_body_is_read_up_to_its_limit(dovecot: Dovecot) -> None:
    dovecot.deliver(_mail("Short") + b"x" * 5000)
    with Mailbox(dovecot.settings(), dovecot.password) as mailbox:
        [uid] = mailbox.search(date.today())
        whole = mailbox.body(uid)
        cut = mailbox.body(uid, 300)
        missing = mailbox.body(uid + 1)
    assert whole is not None and len(whole.as_bytes()) > 5000
    assert cut is not None and len(cut.as_bytes()) <= 400  # 300 bytes read, re-serialised
    assert missing is None


def test_a_mailbox_that_is_not_set_up_is_said_before_connecting() -> None:
    with pytest.raises(ConfigError, match="no mailbox: set imap_host and imap_user"):
        mailbox_password(Settings(), "pw")
    assert mailbox_password(Settings(imap_host="imap.example", imap_user="j"), "pw") == "pw"
