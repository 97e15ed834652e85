"""The one way lowprofile sends mail: the person's own server, which must first prove who it is.

Two things send mail: a scheduled run's notification (``schedule/notify``) and the deletion
requests to registered brokers (``registry/mailer``). Both carry the SMTP password, and the
requests carry the person's name and addresses, so both go through this module and get the
same rules:

* TLS is always verified, against ``net.ssl_context``'s authorities (certifi or
  ``SSL_CERT_FILE``, plus the ``ca_bundle`` setting), and the host name is checked;
* ``smtp_security`` ``auto`` means implicit TLS on port 465 and STARTTLS on any other port;
  ``ssl`` is implicit TLS on any port, ``starttls`` is STARTTLS only;
* clear text only to a server on this machine (a local relay, a test server) that offers no
  STARTTLS, and never with ``smtp_security = "starttls"``;
* a server that cannot prove itself gets no password: the login (AUTH) comes only after the
  TLS handshake succeeded, and a failed handshake closes the connection;
* every failure is one ``SmtpError`` line naming the server, never the password, with the
  original exception not chained (it may quote the server).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType

from lowprofile.config import Settings
from lowprofile.errors import ConfigError, SmtpError
from lowprofile.fetch.fence import is_loopback
from lowprofile.fetch.http import ssl_context

__all__ = ["IMPLICIT_TLS_PORT", "SMTP_TIMEOUT", "Relay", "SmtpSession", "send_mail"]

SMTP_TIMEOUT = 30.0
"""Seconds any one exchange with the server may take."""
IMPLICIT_TLS_PORT = 465
"""The submission port where TLS starts before the first word (RFC 8314)."""


@dataclass(frozen=True)
class Relay:
    """Where mail goes out and as whom. ``password`` is looked up by the caller at send time and
    never stored anywhere else; ``trust`` is the authorities the server's certificate must chain
    to (None: lowprofile's usual ones, without ``ca_bundle``)."""

    host: str
    port: int
    security: str = "auto"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    trust: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, password: str | None) -> Relay:
        """The ``smtp_*`` settings with ``ca_bundle`` honoured; it logs in only with both a
        user and a password (a local relay may take mail without a login)."""
        user = settings.smtp_user if password else None
        return cls(
            settings.smtp_host or "",
            settings.smtp_port,
            settings.smtp_security,
            user,
            password,
            ssl_context(settings),
        )

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (``ssl``, or ``auto`` on port 465) rather than STARTTLS."""
        if self.security not in ("auto", "ssl", "starttls"):
            raise ConfigError(f"smtp_security: {self.security!r} is not one of auto, ssl, starttls")
        return self.security == "ssl" or (
            self.security == "auto" and self.port == IMPLICIT_TLS_PORT
        )


class SmtpSession:
    """One connection to the relay, proven and logged in on entry, closed on exit; ``send``
    each message through it. Use as a context manager."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        self._server = _connect(self.relay)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()

    def send(self, message: EmailMessage) -> str:
        """ "" when the server took ``message``; else why it refused this one message (a
        recipient, the sender, the data, or a feature the message needs such as SMTPUTF8): the
        connection stays usable for the next one. Losing the connection raises ``SmtpError``."""
        if self._server is None:
            raise SmtpError(f"mail server {_where(self.relay)}: not connected")
        try:
            self._server.send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError,
        ) as exc:
            return f"refused by the server: {_said(exc, self.relay)}"
        except (OSError, smtplib.SMTPException) as exc:
            raise _failed(self.relay, _said(exc, self.relay)) from None
        return ""


def send_mail(relay: Relay, message: EmailMessage) -> None:
    """Send one message on a connection of its own (a notification); a refusal is an
    ``SmtpError`` too, since there is nothing else to go on with."""
    with SmtpSession(relay) as session:
        refused = session.send(message)
    if refused:
        raise _failed(relay, refused)


def _connect(relay: Relay) -> smtplib.SMTP:
    """A connection whose server proved itself (or is on this machine and offers no TLS),
    logged in if the relay has a login. See the module docstring for the rules."""
    context = relay.trust or ssl_context(Settings())
    implicit = relay.implicit_tls
    server: smtplib.SMTP | None = None
    try:
        if implicit:
            server = smtplib.SMTP_SSL(relay.host, relay.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            server = smtplib.SMTP(relay.host, relay.port, timeout=SMTP_TIMEOUT)
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif relay.security == "starttls" or not is_loopback(relay.host):
                raise _failed(
                    relay, "offers no encryption (STARTTLS); refusing to send your details in clear"
                )
        if relay.user:
            server.login(relay.user, relay.password or "")
    except SmtpError:
        _close(server)
        raise
    except ssl.SSLCertVerificationError as exc:
        _close(server)
        reason = (
            f"its certificate could not be verified ({exc.verify_message}); nothing was sent "
            "and no password (set ca_bundle to the authority your server uses)"
        )
        raise _failed(relay, reason) from None
    except (OSError, smtplib.SMTPException) as exc:
        _close(server)
        raise _failed(relay, _said(exc, relay)) from None
    return server


def _close(server: smtplib.SMTP | None) -> None:
    if server is not None:
        server.close()


def _where(relay: Relay) -> str:
    return f"{relay.host}:{relay.port}"


def _failed(relay: Relay, reason: str) -> SmtpError:
    return SmtpError(f"mail server {_where(relay)}: {reason}")


def _said(exc: BaseException, relay: Relay) -> str:
    """An exception as one line, the server's bytes as text, the password blotted out."""
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        said = f"{exc.smtp_code} {text}"
    else:
        said = str(exc) or exc.__class__.__name__
    said = " ".join(said.split())
    return said.replace(relay.password, "***") if relay.password else said
