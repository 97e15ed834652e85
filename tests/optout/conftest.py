"""The local opt-out site, served for one test with loopback allowed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from optoutsite import OptOutSite, serve

from helpers.dovecot import Dovecot, dovecot_missing, running_dovecot


@pytest.fixture
def optout_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[OptOutSite]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    with serve() as running:
        yield running


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dovecot]:
    """A real Dovecot holding the person's mailbox, set up as a user would: the settings and
    the password in the environment (never in a file)."""
    missing = dovecot_missing()
    if missing:
        pytest.skip(f"Dovecot cannot run here: {missing} (.ci/run installs dovecot-imapd)")
    with running_dovecot() as dovecot:
        for name, value in {
            "LOWPROFILE_IMAP_HOST": dovecot.host,
            "LOWPROFILE_IMAP_PORT": str(dovecot.port),
            "LOWPROFILE_IMAP_USER": dovecot.user,
            "LOWPROFILE_IMAP_SECURITY": "none",
            "LOWPROFILE_IMAP_PASSWORD": dovecot.password,
        }.items():
            monkeypatch.setenv(name, value)
        yield dovecot
