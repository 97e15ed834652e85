"""The exception tree of lowprofile.

Everything lowprofile raises on purpose derives from ``LowprofileError``, so the CLI can turn any of
them into a one-line message and an exit code without catching unrelated bugs::

    LowprofileError
     ├── ConfigError           settings, secrets or folders that cannot be used
     ├── ProfileError          a profile file or subject flags that do not describe a person
     ├── BrokerFileError       a broker definition that does not validate (file and key named)
     ├── CheckerError          a checker that cannot be loaded or set up
     ├── NetError              the network gave up on a request (after retries)
     │    ├── RequestFailed    connection refused, DNS failure, timeout, proxy failure
     │    ├── RateLimited      429 (or a Retry-After longer than we will wait) after retries
     │    └── ServerUnavailable 5xx after retries
     ├── MailboxError          the person's IMAP mailbox could not be reached, logged into or read
     ├── SmtpError             the person's mail server could not be reached, proven or logged into
     ├── MetadataError         a photo or video whose metadata cannot be read
     ├── StripError            a photo that could not be cleaned (nothing was written)
     ├── StoreError            the history database cannot be opened or migrated
     └── ReportError           a saved report that is not a lowprofile report (file and place named)

A checker that hits a ``NetError`` does not let it escape: it returns a ``CheckResult`` whose status
says what happened (``error`` or ``blocked``). Exceptions are for the CLI boundary.
"""

from __future__ import annotations

EXIT_OK = 0
"""The command did its work and found nothing at or above the threshold."""
EXIT_FOUND = 1
"""Exposures at or above the threshold (``--fail-on``): useful for scheduled runs."""
EXIT_USAGE = 2
"""Usage or input error: a flag, a profile, a broker file."""
EXIT_FAILED = 3
"""The command could not do its work: no source answered, or an output could not be written."""


class LowprofileError(Exception):
    """Base of every error lowprofile raises deliberately.

    ``str(error)`` is what logs and saved files get, with the person's details masked. When the
    message quotes what the person just typed, ``as_typed`` holds the same message with the input
    as typed: the terminal shows that one (``for_terminal``), since a masked copy of your own
    typo (``'n*********' is not an email address``) cannot be corrected.
    """

    def __init__(self, *args: object, as_typed: str | None = None) -> None:
        super().__init__(*args)
        self.as_typed = as_typed

    @property
    def for_terminal(self) -> str:
        """The message for the person at the terminal: their own input shown as typed."""
        return self.as_typed if self.as_typed is not None else str(self)


class ConfigError(LowprofileError):
    """Settings, secrets or folders that cannot be used."""


class ProfileError(LowprofileError):
    """A profile file or set of flags that does not describe a person we can scan for."""


class BrokerFileError(LowprofileError):
    """A broker definition that does not validate; the message names the file and the key."""


class CheckerError(LowprofileError):
    """A checker that cannot be loaded or set up."""


class NetError(LowprofileError):
    """The network gave up on a request after the retries it was allowed."""

    def __init__(self, message: str, *, url: str = "", status_code: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class RequestFailed(NetError):
    """No usable answer: connection refused, DNS failure, timeout or proxy failure."""


class RateLimited(NetError):
    """The server kept saying "slow down" (429) after our retries, or asked us to wait too long."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status_code: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url, status_code=status_code)
        self.retry_after = retry_after


class ServerUnavailable(NetError):
    """The server answered 502/503/504 to every try."""


class MailboxError(LowprofileError):
    """The person's IMAP mailbox could not be reached, logged into or read. The message names
    the server and the step that failed, never the password. Not a ``NetError``: IMAP does not go
    through the HTTP client, its retries or its fence."""


class SmtpError(LowprofileError, OSError):
    """The person's mail server (SMTP) could not be reached, could not prove who it is, or
    refused the login; nothing was sent. An ``OSError`` too, as smtplib's own errors are, so a
    caller that treats a failed email as failed I/O (a notification) keeps doing so."""


class MetadataError(LowprofileError):
    """A photo or video whose metadata cannot be read (corrupt, truncated, not what it claims)."""


class StripError(LowprofileError):
    """A photo that could not be cleaned; nothing was written for it."""


class StoreError(LowprofileError):
    """The history database cannot be opened, migrated or written."""


class ReportError(LowprofileError):
    """A saved JSON report that is not one lowprofile can read; the message names file and place."""
