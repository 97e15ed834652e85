"""The registry's errors: files we cannot use, and a mail server that will not take our mail.

``RegistryError`` derives from ``ConfigError`` so the CLI reports it as an input problem (exit 2),
as for every other file the user hands us; ``SendError`` is a failure to run (exit 3).
"""

from __future__ import annotations

from lowprofile.errors import ConfigError, LowprofileError


class RegistryError(ConfigError):
    """A registry CSV, catalogue or ledger that cannot be used; the message says where."""


class SendError(LowprofileError):
    """The mail server (SMTP) refused us as a whole: connection, TLS, login. Reading replies
    over IMAP fails with ``lowprofile.errors.MailboxError`` instead, also exit 3."""
