"""The whole opt-out, from the command line, against a local broker and a real Dovecot:
a scan finds the listing, ``optout run`` fills the form, the broker's mail arrives in the
mailbox, its link is opened, the ledger reaches ``awaiting_removal``; the broker drops the
listing and the next scan confirms the removal; the listing comes back and it is
``reappeared``. A second broker whose mail links elsewhere: the link is not opened and the
ledger says why."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from optoutkit import ledger, lowprofile, scan, write_profile
from optoutsite import Mailer, OptOutSite, serve, write_broker

from helpers.dovecot import Dovecot


def into(mailbox: Dovecot) -> Mailer:
    """The broker's mail server: delivers into the person's mailbox (dovecot-lda)."""

    def deliver(message: EmailMessage) -> None:
        mailbox.deliver(message.as_bytes())

    return deliver


@pytest.fixture
def profile(private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    return write_profile(private_dirs["config"])


def add_broker(site: OptOutSite, broker: str, private_dirs: dict[str, Path]) -> None:
    write_broker(
        private_dirs["config"] / "brokers",
        broker,
        site.base,
        domain=site.domain,
        captcha=False,
        email_timeout=20,
    )


@pytest.mark.browser
def test_an_opt_out_goes_from_the_scan_to_removed_and_back(
    chromium: None, mailbox: Dovecot, private_dirs: dict[str, Path], profile: Path
) -> None:
    with serve("optout.example", into(mailbox)) as site:
        add_broker(site, "localoptout", private_dirs)
        scan("localoptout")
        code, out, err = lowprofile("optout", "run", "localoptout", "--yes")
        assert code == 0, out + err
        assert site.posts == [
            {
                "name": ["Jane Doe"],
                "email": ["jane@example.org"],
                "url": [site.listing],
                "phone": [""],
                "record": ["jane-doe-austin"],
                "token": [""],
            }
        ]
        assert site.confirmed == 1  # the link in the broker's mail was opened, once
        [request] = ledger()
        assert (request["listing"], request["state"]) == (site.listing, "awaiting_removal")
        steps = [e["state"] for e in request["events"]]  # type: ignore[union-attr]
        assert steps == ["submitted", "awaiting_removal"]
        assert str(request["detail"]).startswith("confirmation link opened")
        assert Path(str(request["evidence"])).is_dir()
        code, out, err = lowprofile("optout", "run", "localoptout", "--yes")  # again, at once
        assert code == 0 and "already sent (awaiting_removal since" in err
        assert len(site.posts) == 1  # the broker is not asked twice

        assert site.listed == {}  # confirming removed the listing at once
        scan("localoptout")
        [request] = ledger()
        assert request["state"] == "confirmed_removed", request
        assert str(request["evidence"]).startswith("scan ")

        site.listed["jane-doe-austin"] = "Austin, TX"  # and later puts it back
        scan("localoptout")
        [request] = ledger()
        assert request["state"] == "reappeared", request
        code, out, _ = lowprofile("report", "latest", "--html", str(profile.parent / "r.html"))
        html = (profile.parent / "r.html").read_text("utf-8")
        assert "Your opt-outs" in html and "listed again" in html


@pytest.mark.browser
def test_a_mail_linking_to_another_domain_is_not_opened_and_the_ledger_says_why(
    chromium: None, mailbox: Dovecot, private_dirs: dict[str, Path], profile: Path
) -> None:
    with serve("optout-b.example", into(mailbox)) as site:
        site.confirm_link = "https://clicks.mailer-elsewhere.example/c?t=abc"
        add_broker(site, "localoptoutb", private_dirs)
        scan("localoptoutb")
        code, out, err = lowprofile("optout", "run", "localoptoutb", "--yes")
        assert code == 0, out + err  # sent; waiting for a usable confirmation
        assert len(site.posts) == 1 and site.confirmed == 0
        assert "/optout/confirm" not in site.paths
        [request] = ledger()
        assert request["state"] == "email_pending"
        assert "link refused" in str(request["detail"])
        assert "clicks.mailer-elsewhere.example" in str(request["detail"])
