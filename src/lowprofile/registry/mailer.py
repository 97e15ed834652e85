"""Sending deletion requests through the person's own mail account, paced, one at a time.

The requests go out from the person's address (the broker must answer the person, and a request
from a third-party service would be an agent's request, which many brokers refuse without
proof). The password comes from ``LOWPROFILE_SMTP_PASSWORD`` or the OS keyring, never a file.
The connection is ``lowprofile.mail.smtp``'s (TLS verified with ``ca_bundle`` honoured, implicit
TLS on port 465, STARTTLS elsewhere, clear text only on this machine, no password to a server
that cannot prove itself). Messages are spaced by ``interval`` seconds because a burst of
hundreds of messages is what spam looks like to the person's provider. Each one is written to
the ledger as soon as the server accepts or refuses it; a refused message does not stop the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from lowprofile.config import Settings, get_secret
from lowprofile.errors import SmtpError
from lowprofile.mail.smtp import Relay, SmtpSession
from lowprofile.optout.model import RequestState
from lowprofile.registry.deletion import DeletionRequest
from lowprofile.registry.errors import RegistryError, SendError
from lowprofile.registry.ledger import FAILED, SENT, Ledger

DEFAULT_INTERVAL = 20.0
"""Seconds between two messages: ~180 an hour, under the hourly caps of the big providers."""


@dataclass(frozen=True)
class SmtpAccount:
    """The relay to send through and the address the requests come from."""

    relay: Relay
    sender: str

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
        return cls(Relay.from_settings(settings, password), sender)


@dataclass
class SendReport:
    sent: list[DeletionRequest] = field(default_factory=list)
    skipped: list[DeletionRequest] = field(default_factory=list)
    failed: list[tuple[DeletionRequest, str]] = field(default_factory=list)


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
    run goes on (a recipient, the data, or an address beyond ASCII for a server without SMTPUTF8);
    a server that cannot be reached, proven or logged into raises ``SmtpError`` before anything
    is sent, and losing the connection stops the run with ``SendError``, after recording
    everything sent so far.
    """
    report = SendReport()
    day = today or date.today()
    asked = ledger.asked()
    pending: list[DeletionRequest] = []
    for request in requests:
        (report.skipped if request.recipient in asked else pending).append(request)
    if not pending:
        return report
    with SmtpSession(account.relay) as session:
        for number, request in enumerate(pending):
            if number and interval > 0:
                sleep(interval)
            outcome = _send_one(session, request, ledger, day)
            if outcome:
                report.failed.append((request, outcome))
            else:
                report.sent.append(request)
            if on_progress is not None:
                on_progress(request, outcome or SENT)
    return report


def record(
    ledger: Ledger, request: DeletionRequest, state: RequestState, day: date, note: str = ""
) -> None:
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
        domains=request.domains,
    )


def _send_one(session: SmtpSession, request: DeletionRequest, ledger: Ledger, day: date) -> str:
    """ "" when sent; else why the server refused this one message (recorded as failed)."""
    try:
        refused = session.send(request.message)
    except SmtpError as exc:
        raise SendError(f"sending to {request.recipient} failed: {exc}") from None
    record(ledger, request, FAILED if refused else SENT, day, refused)
    return refused
