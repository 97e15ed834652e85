"""Replies matched to requests by Message-ID or reference; nothing guessed from the wording.
Read from a real Dovecot mailbox, through the same IMAP session as the opt-out email step."""

from __future__ import annotations

import imaplib
import os
from datetime import date
from email.message import EmailMessage

import pytest
from typer.testing import CliRunner, Result

from helpers.dovecot import Dovecot
from helpers.records import PERSON
from lowprofile.cli.main import app
from lowprofile.config import config_dir
from lowprofile.optout.law import Law
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import DeletionRequest, build_requests
from lowprofile.registry.ledger import ANSWERED, CONFIRMED, SENT, Ledger
from lowprofile.registry.mailer import record
from lowprofile.registry.replies import apply_replies, fetch_replies, match_reply
from lowprofile.subject import Address, Name, Subject

runner = CliRunner()


def _sent(ledger: Ledger, day: date = date(2026, 1, 1)) -> list[DeletionRequest]:
    person = Subject(names=(Name("Jane", "Doe"),), emails=("jane@example.com",),
                     addresses=(Address(state="TX"),))  # fmt: skip
    entries = [  # each answers from its website's domain, as brokers' ticket systems do
        RegistryEntry(id=x, name=x.title(), emails=(f"p@{x}.example",), domains=("broker.example",))
        for x in "abc"
    ]
    requests = build_requests(entries, person, Law.PLAIN, "jane@example.com")
    for request in requests:
        record(ledger, request, SENT, day)
    return requests


def _reply(
    subject: str,
    in_reply_to: str = "",
    references: str = "",
    sender: str = "Broker Privacy <privacy@support.broker.example>",
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "jane@example.com"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content("We have received your request. Case notes: SECRET-BODY-TEXT.")
    return message


def _answered_by_subject(dovecot: Dovecot) -> DeletionRequest:
    """Requests sent today, and in the mailbox one answer naming the first by reference."""
    with Ledger(PERSON) as ledger:
        [request, *_] = _sent(ledger, date.today())
    dovecot.deliver(_reply(f"Re: [{request.ref}]").as_bytes())
    return request


def _replies_from(dovecot: Dovecot) -> Result:
    """``registry replies`` with the mailbox given by flags (wide, so no line is wrapped)."""
    flags = ["--host", dovecot.host, "--port", str(dovecot.port), "--user", dovecot.user]
    return runner.invoke(
        app, ["registry", "replies", *flags, "--security", "none"], env={"COLUMNS": "400"}
    )


def _ledger_states() -> dict[str, str]:
    with Ledger(PERSON) as ledger:
        return {r.ref: r.state for r in ledger.rows()}


def test_matched_by_message_id_even_with_a_new_subject() -> None:
    with Ledger(PERSON) as ledger:
        requests = _sent(ledger)
        message_id = str(requests[1].message["Message-ID"])
        row = match_reply(_reply("Your ticket #4411", message_id), ledger.rows())
        assert row is not None and row.ref == requests[1].ref


def test_matched_by_reference_in_subject_and_recorded_as_answered() -> None:
    with Ledger(PERSON) as ledger:
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


def test_our_own_copy_of_a_request_is_not_an_answer() -> None:
    with Ledger(PERSON) as ledger:
        requests = _sent(ledger)
        own_copy = requests[0].message  # e.g. a Cc to ourselves: our subject, our Message-ID
        assert match_reply(own_copy, ledger.rows()) is None
        assert apply_replies(ledger, [own_copy], date(2026, 1, 10)) == []


def test_replies_are_read_from_the_mailbox_and_recorded(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI, with the mailbox given by flags: an answer naming our Message-ID (new
    subject), one naming our reference in the subject; an unrelated mail and our own copy are
    left alone, and everything stays unread."""
    with Ledger(PERSON) as ledger:
        requests = _sent(ledger, date.today())
    by_id, by_ref, untouched = requests
    dovecot.deliver(_reply("Ticket #4411 opened", str(by_id.message["Message-ID"])).as_bytes())
    dovecot.deliver(_reply(f"RE: {by_ref.message['Subject']}").as_bytes())
    dovecot.deliver(_reply("Our privacy week: 20% off").as_bytes())
    dovecot.deliver(untouched.message.as_bytes())  # our own copy: subject and Message-ID ours
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", dovecot.password)
    result = _replies_from(dovecot)
    assert result.exit_code == 0, result.stderr
    assert f"{by_id.ref} " in result.stdout and "Ticket #4411 opened" in result.stdout
    assert f"{by_ref.ref} " in result.stdout
    assert "2 answer(s) recorded" in " ".join(result.stderr.split())
    assert _ledger_states() == {by_id.ref: ANSWERED, by_ref.ref: ANSWERED, untouched.ref: SENT}
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10) as imap:
        imap.login(dovecot.user, dovecot.password)
        imap.select("INBOX", readonly=True)
        _, flags = imap.fetch("1:*", "(FLAGS)")
    assert len(flags) == 4 and not [f for f in flags if b"\\Seen" in f]  # all still unread


def test_only_candidates_are_fetched_and_only_their_headers(dovecot: Dovecot) -> None:
    with Ledger(PERSON) as ledger:
        [request, *_] = _sent(ledger, date.today())
    references = f"<older@broker.example> {request.message['Message-ID']}"
    dovecot.deliver(_reply("Re: ticket", references=references).as_bytes())
    dovecot.deliver(_reply("Unrelated").as_bytes())
    settings = dovecot.settings()
    [message] = fetch_replies(settings, dovecot.password, date.today())
    assert message["Subject"] == "Re: ticket"
    assert "SECRET-BODY-TEXT" not in message.as_string()  # the answer's text stays on the server
    assert message["To"] is None and message["Date"] is None  # only the fields a match reads
    assert message["From"] == "Broker Privacy <privacy@support.broker.example>"  # whose it is


def test_the_settings_name_the_mailbox_and_flags_override_them(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config file names the mailbox (with a port nobody listens on); --port fixes it."""
    request = _answered_by_subject(dovecot)
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text(
        f'imap_host = "{dovecot.host}"\nimap_port = 1\nimap_user = "{dovecot.user}"\n'
        'imap_security = "none"\nimap_folder = "INBOX"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", dovecot.password)
    refused = runner.invoke(app, ["registry", "replies"])
    assert refused.exit_code == 3
    assert f"IMAP {dovecot.host}:1: connect failed" in " ".join(refused.stderr.split())
    result = runner.invoke(app, ["registry", "replies", "--port", str(dovecot.port)])
    assert result.exit_code == 0, result.stderr
    assert _ledger_states()[request.ref] == ANSWERED


def test_a_wrong_password_is_one_line_without_the_password(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = _answered_by_subject(dovecot)
    wrong = "Wr0ng-horse-battery"
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", wrong)
    result = _replies_from(dovecot)
    assert result.exit_code == 3  # the command could not do its work
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"lowprofile: IMAP {dovecot.host}:{dovecot.port}: login failed: ")
    assert "AUTHENTICATIONFAILED" in lines[0] and "b'" not in lines[0]  # the server's words
    assert wrong not in result.stderr and wrong not in result.stdout
    assert _ledger_states()[request.ref] == SENT


def test_plain_imap_to_another_machine_is_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Ledger(PERSON) as ledger:
        _sent(ledger, date.today())
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", "pw")
    result = runner.invoke(app, ["registry", "replies", "--host", "imap.example", "--user",
                                 "jane", "--security", "none"])  # fmt: skip
    assert result.exit_code == 2
    assert "sends the password in the clear" in " ".join(result.stderr.split())


def test_the_machines_own_mailbox_never_reaches_a_test() -> None:
    """tests/conftest.py clears LOWPROFILE_IMAP_*: a developer's mailbox is never logged into."""
    assert not [name for name in os.environ if name.startswith("LOWPROFILE_IMAP_")]


@pytest.mark.parametrize(
    "sender",
    [
        "x@evil.example",
        "privacy@broker.example.evil.example",  # the broker's domain as a prefix
        "privacy@notbroker.example",  # ... and as a suffix without the dot
        '"privacy@broker.example" <x@evil.example>',  # the display name is not the address
        "",
    ],
)
def test_a_reply_from_another_domain_is_unverified_and_hides_nothing(sender: str) -> None:
    """A reference in a subject is no proof: anyone who has seen one (or, before references
    were random, computed one from the public address) could "answer" an overdue request."""
    with Ledger(PERSON) as ledger:
        requests = _sent(ledger, date(2026, 1, 1))
        forged = _reply(f"Re: [{requests[0].ref}]", sender=sender)
        [update] = apply_replies(ledger, [forged], date(2026, 3, 1))
        [row] = [r for r in ledger.rows() if r.ref == requests[0].ref]
    assert not update.verified and update.ref == requests[0].ref
    assert row.state == SENT and row.overdue(date(2026, 3, 1))


def test_a_reply_from_the_registered_address_s_domain_counts() -> None:
    with Ledger(PERSON) as ledger:
        requests = _sent(ledger, date(2026, 1, 1))
        reply = _reply(f"Re: [{requests[1].ref}]", sender="Team <dpo@B.Example>")
        [update] = apply_replies(ledger, [reply], date(2026, 1, 5))
        states = {r.ref: r.state for r in ledger.rows()}
    assert update.verified and states[requests[1].ref] == ANSWERED
