"""Sending deletion requests through the person's own mail account, paced, one at a time.

The requests go out from the person's address (the broker must answer the person, and a request
from a third-party service would be an agent's request, which many brokers refuse without
proof). The password comes from ``LOWPROFILE_SMTP_PASSWORD`` or the OS keyring, never a file. The
connection is encrypted (implicit TLS on port 465, STARTTLS elsewhere); a server that offers
neither is refused unless it is on this machine (a local relay, or a test server). Messages are
spaced by ``interval`` seconds because a burst of hundreds of messages is what spam looks like
to the person's provider. Each one is written to the ledger as soon as the server accepts it.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from lowprofile.config import Settings, get_secret
from lowprofile.registry.deletion import DeletionRequest
from lowprofile.registry.errors import RegistryError, SendError
from lowprofile.registry.ledger import FAILED, SENT, Ledger

DEFAULT_INTERVAL = 20.0
"""Seconds between two messages: ~180 an hour, under the hourly caps of the big providers."""
TIMEOUT = 30.0


def is_local(host: str) -> bool:
    """A server on this machine (a loopback address), where an unencrypted hop stays local."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpAccount:
    """Where and as whom to send; ``password`` is read at send time, never stored."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, fallback_sender: str = "") -> SmtpAccount:
        if not settings.smtp_host:
            raise RegistryError(
                "no mail server: set smtp_host (and smtp_user, smtp_from) in config.toml or "
                "LOWPROFILE_SMTP_HOST, or write drafts with --drafts DIR instead"
            )
        sender = settings.smtp_from or fallback_sender
        if not sender:
            raise RegistryError("no sender address: set smtp_from or add an email to the profile")
        password = get_secret("smtp") if settings.smtp_user else None
        if settings.smtp_user and not password:
            raise RegistryError(
                "smtp_user is set but no password: set LOWPROFILE_SMTP_PASSWORD or run "
                "`lowprofile config set-secret smtp`"
            )
        return cls(settings.smtp_host, settings.smtp_port, sender, settings.smtp_user, password)


@dataclass
class SendReport:
    sent: list[DeletionRequest] = field(default_factory=list)
    skipped: list[DeletionRequest] = field(default_factory=list)
    failed: list[tuple[DeletionRequest, str]] = field(default_factory=list)


def connect(account: SmtpAccount) -> smtplib.SMTP:
    """An authenticated, encrypted connection (see the module docstring for the rules)."""
    context = ssl.create_default_context()
    server: smtplib.SMTP | None = None
    try:
        if account.port == 465:
            server = smtplib.SMTP_SSL(account.host, account.port, timeout=TIMEOUT, context=context)
        else:
            server = smtplib.SMTP(account.host, account.port, timeout=TIMEOUT)
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif not is_local(account.host):
                server.quit()
                raise SendError(
                    f"{account.host}:{account.port} offers no encryption (STARTTLS); "
                    "refusing to send your details in clear"
                )
        if account.user:
            server.login(account.user, account.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        if server is not None:
            server.close()
        raise SendError(f"mail server {account.host}:{account.port}: {exc}") from exc
    return server


def send_requests(
    requests: Iterable[DeletionRequest],
    ledger: Ledger,
    account: SmtpAccount,
    *,
    interval: float = DEFAULT_INTERVAL,
    today: date | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[DeletionRequest, str], None] | None = None,
) -> SendReport:
    """Send each request not yet asked; record each outcome in the ledger as it happens.

    A message the server refuses (bad recipient, rejected data) is recorded as ``failed`` and the
    run goes on; losing the connection or the login stops the run with ``SendError``, after
    recording everything sent so far.
    """
    report = SendReport()
    day = today or date.today()
    asked = ledger.asked()
    pending: list[DeletionRequest] = []
    for request in requests:
        (report.skipped if request.recipient in asked else pending).append(request)
    if not pending:
        return report
    server = connect(account)
    try:
        for number, request in enumerate(pending):
            if number and interval > 0:
                sleep(interval)
            outcome = _send_one(server, request, ledger, day)
            if outcome:
                report.failed.append((request, outcome))
            else:
                report.sent.append(request)
            if on_progress is not None:
                on_progress(request, outcome or SENT)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return report


def record(ledger: Ledger, request: DeletionRequest, state: str, day: date, note: str = "") -> None:
    """Write one request's outcome (sent, failed, drafted) to the ledger."""
    ledger.record(
        ref=request.ref,
        recipient=request.shown_to,  # every address it went to, not just the lead
        brokers=request.broker_ids,
        names=request.names,
        law=request.law,
        state=state,
        on=day,
        message_id=str(request.message["Message-ID"]),
        note=note,
    )


def _send_one(server: smtplib.SMTP, request: DeletionRequest, ledger: Ledger, day: date) -> str:
    """ "" when sent; else why the server refused this one message."""
    try:
        server.send_message(request.message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        reason = f"refused by the server: {exc}"
        record(ledger, request, FAILED, day, reason)
        return reason
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"sending to {request.recipient} failed: {exc}") from exc
    record(ledger, request, SENT, day)
    return ""
