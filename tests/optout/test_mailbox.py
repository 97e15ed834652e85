"""Confirmation emails found in a real Dovecot mailbox: the broker's link, other senders
ignored, off-domain links refused and said, mail before the submit left alone, and a failed
login that names the server but never the password."""

from __future__ import annotations

import imaplib
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from helpers.dovecot import Dovecot, dovecot_missing, running_dovecot
from helpers.testca import make_test_ca
from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.config import Settings
from lowprofile.errors import ConfigError, MailboxError
from lowprofile.mail.imap import MAX_MESSAGE_BYTES
from lowprofile.optout_steps import mailbox
from lowprofile.optout_steps.mailbox import (
    Answer,
    Confirmation,
    find_confirmation,
    has_mailbox,
    mail_links,
)

CONFIRM = "https://www.spokeo.com/optout/confirm?token=a1b2"


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def dovecot_tls(test_ca: dict[str, Path]) -> Iterator[Dovecot]:
    """A Dovecot with a certificate from the test's own authority: STARTTLS and imaps."""
    reason = dovecot_missing()
    if reason:
        pytest.skip(f"no Dovecot IMAP server: {reason}")
    with running_dovecot(tls=(test_ca["cert"], test_ca["key"])) as server:
        yield server


@pytest.fixture(scope="module")
def spokeo() -> tuple[Broker, OptOutStep]:
    """A shipped broker whose opt-out ends with an email confirmation (domain spokeo.com)."""
    broker = load_brokers().brokers["spokeo"]
    [step] = [s for s in broker.optout.steps if s.action == "email_confirmation"]
    return broker, step


def mail(sender: str, subject: str, *, text: str = "", html: str = "", size: int = 0) -> bytes:
    """A message as a mail server would hand it over; ``size`` pads it with an attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "jane@example.org"
    message["Subject"] = subject
    message.set_content(text or "See the HTML part.")
    if html:
        message.add_alternative(html, subtype="html")
    if size:
        message.add_attachment(b"x" * size, maintype="application", subtype="octet-stream")
    return message.as_bytes()


def look(
    server: Dovecot, spokeo: tuple[Broker, OptOutStep], since: datetime, timeout: float = 0.0
) -> Confirmation:
    broker, step = spokeo
    return find_confirmation(
        broker, step, since, timeout, settings=server.settings(), password=server.password
    )


def test_the_brokers_mail_gives_its_link(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    since = datetime.now(UTC)
    html = (
        '<p>Hi,</p><a href="https://www.spokeo.com/optout/confirm?token=a1b2&amp;x=1">Confirm</a>'
        ' <a href="mailto:support@spokeo.com">help</a>'
    )
    dovecot.deliver(mail("Spokeo <privacy@mail.spokeo.com>", "Confirm your removal", html=html))
    found = look(dovecot, spokeo, since)
    assert found.answer is Answer.LINK
    assert found.link == CONFIRM + "&x=1"
    assert found.refused == ()
    message = found.message
    assert (message.sender, message.subject) == ("privacy@mail.spokeo.com", "Confirm your removal")
    assert message.received >= since.replace(microsecond=0)


def test_mail_from_anyone_else_is_ignored(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    since = datetime.now(UTC)
    lure = f"Confirm here: {CONFIRM}"
    dovecot.deliver(mail("Spokeo <privacy@spokeo.com.evil.test>", "Confirm", text=lure))
    dovecot.deliver(mail("news@example.org", "Spokeo removal", text=lure))
    dovecot.deliver(mail('"privacy@spokeo.com" <x@evil.test>', "Confirm", text=lure))
    found = look(dovecot, spokeo, since)
    assert found.answer is Answer.NOTHING_YET
    assert found.link == "" and found.message is None


def test_a_brokers_mail_linking_elsewhere_is_refused_and_said(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    since = datetime.now(UTC)
    text = (
        "Confirm at https://spokeo-removals.evil.test/confirm?t=1.\n"
        "Or at http://www.spokeo.com/optout/confirm?t=1 if that fails."
    )
    dovecot.deliver(mail("privacy@spokeo.com", "Confirm your removal", text=text))
    found = look(dovecot, spokeo, since)
    assert found.answer is Answer.REFUSED
    assert found.link == ""
    assert [(r.link, r.reason) for r in found.refused] == [
        (
            "https://spokeo-removals.evil.test/confirm?t=1",
            "the link goes to spokeo-removals.evil.test, not to spokeo.com",
        ),
        (
            "http://www.spokeo.com/optout/confirm?t=1",
            "'http://www.spokeo.com/optout/confirm?t=1' is not https",
        ),
    ]
    assert found.message.sender == "privacy@spokeo.com"
    assert "spokeo-removals.evil.test" in found.refusals


def test_mail_before_the_submit_is_left_alone(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    old = mail("privacy@spokeo.com", "An old confirmation", text="https://www.spokeo.com/old")
    dovecot.append(old, received=since - timedelta(hours=1))
    assert look(dovecot, spokeo, since).answer is Answer.NOTHING_YET
    dovecot.append(old, received=since - timedelta(minutes=5))  # the same day: SINCE is by date
    dovecot.deliver(mail("privacy@spokeo.com", "Confirm your removal", text=f"Go: {CONFIRM}."))
    found = look(dovecot, spokeo, since)
    assert (found.answer, found.link) == (Answer.LINK, CONFIRM)


def test_the_newest_broker_mail_wins_and_large_mail_is_not_read(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    since = datetime.now(UTC)
    dovecot.deliver(mail("privacy@spokeo.com", "First", text="https://www.spokeo.com/first"))
    dovecot.deliver(mail("privacy@spokeo.com", "Second", text="https://www.spokeo.com/second"))
    big = mail(
        "privacy@spokeo.com", "Big", text="https://www.spokeo.com/big", size=MAX_MESSAGE_BYTES
    )
    dovecot.deliver(big)
    found = look(dovecot, spokeo, since)
    assert (found.link, found.message.subject) == (
        "https://www.spokeo.com/second",
        "Second",
    )


def test_only_the_newest_messages_are_looked_at(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox, "MAX_MESSAGES", 2)
    since = datetime.now(UTC)
    dovecot.deliver(mail("privacy@spokeo.com", "Confirm", text=CONFIRM))
    for number in range(2):
        dovecot.deliver(mail("news@example.org", f"News {number}", text="https://example.org/"))
    assert look(dovecot, spokeo, since).answer is Answer.NOTHING_YET


def test_the_mailbox_is_left_as_it_was(dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]) -> None:
    since = datetime.now(UTC)
    dovecot.deliver(mail("privacy@spokeo.com", "Confirm", text=CONFIRM))
    dovecot.deliver(mail("news@example.org", "News", text="https://example.org/"))
    assert look(dovecot, spokeo, since).link == CONFIRM
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10) as imap:
        imap.login(dovecot.user, dovecot.password)
        imap.select("INBOX", readonly=True)
        _, flags = imap.fetch("1:*", "(FLAGS)")
    assert [b"\\Seen" in f for f in flags] == [False, False]  # both still unread


def test_mail_that_comes_while_waiting_is_found(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]
) -> None:
    broker, step = spokeo
    since = datetime.now(UTC)
    looks: list[float] = []

    def meanwhile(seconds: float) -> None:
        """Between two looks at the mailbox the broker's mail arrives (once)."""
        if not looks:
            dovecot.deliver(mail("privacy@spokeo.com", "Confirm", text=CONFIRM))
        looks.append(seconds)

    found = find_confirmation(
        broker, step, since, 60.0, settings=dovecot.settings(), password=dovecot.password,
        interval=0.01, sleep=meanwhile,
    )  # fmt: skip
    assert (found.answer, found.link) == (Answer.LINK, CONFIRM)
    assert looks == [0.01]  # found on the second look, on the same connection


def test_no_mail_within_the_time_given_is_nothing_yet(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep], monkeypatch: pytest.MonkeyPatch
) -> None:
    broker, step = spokeo
    dovecot.deliver(mail("privacy@spokeo.com", "Welcome", text="Thanks for your request."))
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", dovecot.password)  # the real secret path
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        time.sleep(seconds)

    since = datetime.now(UTC) - timedelta(minutes=1)
    found = find_confirmation(
        broker, step, since, 0.3, settings=dovecot.settings(), interval=0.05, sleep=nap
    )
    assert found.answer is Answer.NO_LINK and found.link == ""  # the mail came, without a link
    assert found.message is not None and found.message.subject == "Welcome"
    assert naps and all(0 < n <= 0.05 for n in naps)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_to_a_server_the_ca_bundle_vouches_for(
    dovecot_tls: Dovecot,
    spokeo: tuple[Broker, OptOutStep],
    test_ca: dict[str, Path],
    security: str,
) -> None:
    broker, step = spokeo
    port = dovecot_tls.tls_port if security == "ssl" else dovecot_tls.port
    settings = dovecot_tls.settings(
        imap_security=security, imap_port=port, ca_bundle=str(test_ca["ca"])
    )
    since = datetime.now(UTC)
    dovecot_tls.deliver(mail("privacy@spokeo.com", "Confirm", text=CONFIRM))
    password = dovecot_tls.password
    found = find_confirmation(broker, step, since, 0, settings=settings, password=password)
    assert (found.answer, found.link) == (Answer.LINK, CONFIRM)
    assert "TLS, session=" in dovecot_tls.log()  # the server saw an encrypted login


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_nobody_vouches_for_is_refused(
    dovecot_tls: Dovecot, spokeo: tuple[Broker, OptOutStep], security: str
) -> None:
    broker, step = spokeo
    port = dovecot_tls.tls_port if security == "ssl" else dovecot_tls.port
    settings = dovecot_tls.settings(imap_security=security, imap_port=port)
    with pytest.raises(MailboxError, match=r"connect failed: .*CERTIFICATE_VERIFY_FAILED"):
        find_confirmation(
            broker, step, datetime.now(UTC), 0, settings=settings, password=dovecot_tls.password
        )
    assert "Login: user=<jane>" not in dovecot_tls.log()  # the password was never sent


def test_a_wrong_password_is_one_line_without_the_password(
    dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep], monkeypatch: pytest.MonkeyPatch
) -> None:
    broker, step = spokeo
    wrong = "Wr0ng-horse-battery"
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", wrong)
    with pytest.raises(MailboxError) as failed:
        find_confirmation(broker, step, datetime.now(UTC), 0, settings=dovecot.settings())
    message = str(failed.value)
    assert message.startswith(f"IMAP 127.0.0.1:{dovecot.port}: login failed: ")
    assert "\n" not in message and wrong not in message
    assert failed.value.__cause__ is None and failed.value.__suppress_context__  # not chained
    assert wrong not in repr(failed.value.args)


def test_a_password_beyond_ascii_logs_in(spokeo: tuple[Broker, OptOutStep]) -> None:
    reason = dovecot_missing()
    if reason:
        pytest.skip(f"no Dovecot IMAP server: {reason}")
    broker, step = spokeo
    with running_dovecot(password="grüße-ünd-ß") as server:  # LOGIN is ASCII only: SASL PLAIN
        since = datetime.now(UTC)
        server.deliver(mail("privacy@spokeo.com", "Confirm", text=CONFIRM))
        found = find_confirmation(
            broker, step, since, 0, settings=server.settings(), password="grüße-ünd-ß"
        )
    assert found.link == CONFIRM


def test_a_missing_folder_is_named(dovecot: Dovecot, spokeo: tuple[Broker, OptOutStep]) -> None:
    broker, step = spokeo
    settings = dovecot.settings(imap_folder="Brokers")
    with pytest.raises(MailboxError, match=r"open folder 'Brokers' failed"):
        find_confirmation(
            broker, step, datetime.now(UTC), 0, settings=settings, password=dovecot.password
        )


def test_a_server_that_is_not_there_is_named(spokeo: tuple[Broker, OptOutStep]) -> None:
    broker, step = spokeo
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        imap_host="127.0.0.1", imap_port=port, imap_user="jane", imap_security="none"
    )
    with pytest.raises(MailboxError, match=rf"^IMAP 127\.0\.0\.1:{port}: connect failed: "):
        find_confirmation(broker, step, datetime.now(UTC), 0, settings=settings, password="pw")


def test_without_a_password_or_a_mailbox_it_says_what_to_set(
    spokeo: tuple[Broker, OptOutStep],
) -> None:
    broker, step = spokeo
    settings = Settings(imap_host="imap.example", imap_user="jane")
    assert has_mailbox(settings) and not has_mailbox(Settings())
    with pytest.raises(ConfigError, match="set LOWPROFILE_IMAP_PASSWORD or store the keyring"):
        find_confirmation(broker, step, datetime.now(UTC), 0, settings=settings)
    clear = Settings(imap_host="imap.example", imap_user="jane", imap_security="none")
    with pytest.raises(ConfigError, match="password in the clear"):
        find_confirmation(broker, step, datetime.now(UTC), 0, settings=clear, password="pw")


def test_links_come_from_text_and_html_parts_but_not_attachments() -> None:
    from email import message_from_bytes, policy

    message = EmailMessage()
    message["From"] = "privacy@spokeo.com"
    message.set_content("Confirm: https://www.spokeo.com/c?t=1, or (https://www.spokeo.com/d).")
    message.add_alternative(
        '<a href="https://www.spokeo.com/c?t=1">x</a><area href=" https://www.spokeo.com/e?a=1&amp;b=2">'
        '<a href="tel:5125550142">call</a><a href="#top">top</a>'
        '<a href="https://www.spokeo.com/\x1b]0;x">escape</a>',
        subtype="html",
    )
    message.add_attachment("https://www.spokeo.com/attached", filename="note.txt")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert mail_links(parsed) == [
        "https://www.spokeo.com/c?t=1",
        "https://www.spokeo.com/d",
        "https://www.spokeo.com/e?a=1&b=2",
    ]
