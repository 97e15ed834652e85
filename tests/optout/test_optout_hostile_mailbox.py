"""``optout run`` with a hostile mailbox: whatever the IMAP server does (drip, flood, a huge
literal), the email step ends ``email_pending`` within the session's deadline, and the ledger
says why on one line. The form is still sent; only the confirmation waits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from optoutkit import ledger, lowprofile, scan, write_profile
from optoutsite import serve, write_broker

from helpers.hostileimap import MODES, Mode, hostile_imap
from lowprofile.mail import imap

SESSION = 3.0
WAIT = 2
WHY = {
    "drip": "the session took longer than it may",
    "flood": "more than 2000 untagged lines in one answer",
    "huge": "the server sent 400000000 bytes where at most 1000000 were asked for",
}


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
def test_a_hostile_mailbox_leaves_the_request_email_pending_with_why(
    mode: Mode, chromium: None, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    write_profile(private_dirs["config"])
    monkeypatch.setattr(imap, "SESSION_SECONDS", SESSION)
    with serve("optout-h.example", lambda message: None) as site:
        write_broker(
            private_dirs["config"] / "brokers",
            "localoptouth",
            site.base,
            domain=site.domain,
            captcha=False,
            email_timeout=WAIT,
        )
        scan("localoptouth")
        with hostile_imap(mode, sender=f"privacy@{site.domain}") as server:
            for name, value in {
                "HOST": "127.0.0.1",
                "PORT": str(server.port),
                "USER": "jane",
                "SECURITY": "none",
                "PASSWORD": "pw",
            }.items():
                monkeypatch.setenv(f"LOWPROFILE_IMAP_{name}", value)
            start = time.monotonic()
            code, out, err = lowprofile("optout", "run", "localoptouth", "--yes")
            took = time.monotonic() - start
        assert code == 0, out + err
        assert len(site.posts) == 1 and site.confirmed == 0
    [request] = ledger()
    assert request["state"] == "email_pending"
    detail = str(request["detail"])
    assert detail.startswith(
        f"step 12 (email_confirmation): mailbox: IMAP 127.0.0.1:{server.port}: "
    )
    assert WHY[mode] in detail and "\n" not in detail
    print(f"{mode}: optout run took {took:.1f} s; ledger: {detail}")
    assert took < 60  # the browser's own steps included; the mailbox's share is SESSION + WAIT
