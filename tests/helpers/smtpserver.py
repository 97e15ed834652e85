"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail transport's tests: STARTTLS, implicit
TLS or clear text, with a login it records, so a test can say whether a password was ever offered
and whether anything was delivered. Never real mail."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOGIN = ("jane", "s3cret-pass")
"""The one login the server accepts."""

Tls = Literal["starttls", "implicit", "none"]


@dataclass
class SmtpLog:
    """What the server saw: every login offered (user, password) and every message taken."""

    port: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        pair = (data.login.decode(), data.password.decode())
        self.logins.append(pair)
        return AuthResult(success=pair == LOGIN, handled=False)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_context(cert: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert["cert"], cert["key"])
    return context


@contextmanager
def smtp_server(
    tls: Tls, cert: dict[str, Path] | None = None, *, smtputf8: bool = False
) -> Iterator[SmtpLog]:
    """A server on a free 127.0.0.1 port offering ``tls`` with ``cert`` (from
    ``helpers.testca.make_test_ca``). With STARTTLS it advertises AUTH only once TLS is up
    (aiosmtpd's default); SMTPUTF8 only when asked (aiosmtpd's controller would by default)."""
    log = SmtpLog(port=free_port())
    options: dict[str, Any] = {"authenticator": log.authenticate, "enable_SMTPUTF8": smtputf8}
    if tls != "none":
        assert cert is not None
        key = "tls_context" if tls == "starttls" else "ssl_context"
        options[key] = _server_context(cert)
    if tls != "starttls":  # aiosmtpd does not count implicit TLS as TLS for its AUTH rule
        options["auth_require_tls"] = False
    controller = Controller(log, hostname="127.0.0.1", port=log.port, **options)
    # The server's own log (a failed handshake, with its traceback) would land in the output
    # of the command under test, which must be one line.
    server_log = logging.getLogger("mail.log")
    server_log.disabled = True
    controller.start()
    try:
        yield log
    finally:
        controller.stop()
        server_log.disabled = False
