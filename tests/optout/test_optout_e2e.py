"""The whole opt-out, from the command line, against a local broker and a real Dovecot:
a scan finds the listing, ``optout run`` fills the form, the broker's mail arrives in the
mailbox, its link is opened, the ledger reaches ``awaiting_removal``; the broker drops the
listing and the next scan confirms the removal; the listing comes back and it is
``reappeared``. A second broker whose mail links elsewhere: the link is not opened and the
ledger says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from optoutsite import OptOutSite, serve, write_broker
from typer.testing import CliRunner

from helpers.dovecot import Dovecot, dovecot_missing, running_dovecot
from lowprofile.cli.main import app

PROFILE = """names = [{ first = "Jane", last = "Doe" }]
emails = ["jane@example.org"]
addresses = [{ city = "Austin", state = "TX" }]
"""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    missing = dovecot_missing()
    if missing:
        pytest.skip(f"Dovecot cannot run here: {missing} (.ci/run installs dovecot-imapd)")
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailbox_env(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Dovecot:
    """The person's mailbox set up the way a user would: settings and the password in the
    environment (never in a file)."""
    for name, value in {
        "LOWPROFILE_IMAP_HOST": dovecot.host,
        "LOWPROFILE_IMAP_PORT": str(dovecot.port),
        "LOWPROFILE_IMAP_USER": dovecot.user,
        "LOWPROFILE_IMAP_SECURITY": "none",
        "LOWPROFILE_IMAP_PASSWORD": dovecot.password,
        "LOWPROFILE_ALLOW_LOOPBACK": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return dovecot


def _mailer(dovecot: Dovecot) -> object:
    def deliver(message: EmailMessage) -> None:
        dovecot.deliver(message.as_bytes())

    return deliver


@pytest.fixture
def profile(private_dirs: dict[str, Path]) -> Path:
    path = private_dirs["config"] / "profile.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROFILE, "utf-8")
    return path


def lowprofile(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def scan(broker: str) -> None:
    code, out, err = lowprofile("scan", "--only", "brokers", "--site", broker, "--browser", "never")
    assert code in (0, 1), out + err  # 1: the listing is a high finding


def ledger() -> list[dict[str, object]]:
    code, out, err = lowprofile("optout", "status", "--json")
    assert code == 0, err
    return json.loads(out)


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
    chromium: None, mailbox_env: Dovecot, private_dirs: dict[str, Path], profile: Path
) -> None:
    with serve("optout.example", _mailer(mailbox_env)) as site:
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

        site.listed.clear()  # the broker removes the listing
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
    chromium: None, mailbox_env: Dovecot, private_dirs: dict[str, Path], profile: Path
) -> None:
    with serve("optout-b.example", _mailer(mailbox_env)) as site:
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
