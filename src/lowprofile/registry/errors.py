"""The registry's errors: files we cannot use, and a mail server that will not take our mail.

``RegistryError`` derives from ``ConfigError`` so the CLI reports it as an input problem (exit 2),
as for every other file the user hands us; ``SendError`` is a failure to run (exit 3).
"""

from __future__ import annotations

from lowprofile.errors import ConfigError, SmtpError


class RegistryError(ConfigError):
    """A registry CSV, catalogue or ledger that cannot be used; the message says where."""


class SendError(SmtpError):
    """The connection was lost halfway through a run of requests (what was sent is recorded).
    A server that cannot be reached, proven or logged into is ``SmtpError`` itself; reading
    replies over IMAP fails with ``lowprofile.errors.MailboxError`` instead. All exit 3."""
