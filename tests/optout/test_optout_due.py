"""Retries: ``optout run --due`` and the monthly run send again what the ledger says is due,
on the same request, and a mail that never comes leaves the request ``email_pending``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from optoutkit import ledger, lowprofile, scan, write_profile
from optoutsite import OptOutSite, serve, write_broker

from helpers.dovecot import Dovecot
from lowprofile.config import load_settings
from lowprofile.schedule import retry
from lowprofile.subject import load_profile

BROKER = "localoptout"


@pytest.fixture
def site(private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[OptOutSite]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    write_profile(private_dirs["config"])
    with serve() as running:
        yield running


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the monthly run would notify the person of (title, text), kept instead of sent."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(retry, "notify", lambda title, text, settings: sent.append((title, text)))
    return sent


def broker_file(site: OptOutSite, private_dirs: dict[str, Path], **options: object) -> None:
    write_broker(private_dirs["config"] / "brokers", BROKER, site.base, **options)  # type: ignore[arg-type]


def needs_you_first(site: OptOutSite, private_dirs: dict[str, Path]) -> None:
    """A scan finds the listing; the unattended run meets the captcha and sends nothing."""
    broker_file(site, private_dirs)
    scan(BROKER)
    code, out, _ = lowprofile("optout", "run", "--yes")
    assert code == 3 and "needs you" in out
    assert site.posts == []
    [request] = ledger()
    assert request["state"] == "needs_you"


@pytest.mark.browser
def test_run_due_retries_a_request_that_needed_you_on_the_same_request(
    chromium: None, site: OptOutSite, private_dirs: dict[str, Path]
) -> None:
    needs_you_first(site, private_dirs)
    broker_file(site, private_dirs, captcha=False)  # the site dropped its captcha since
    code, out, err = lowprofile("optout", "run", "--due", "--yes")
    assert code == 0, out + err
    assert len(site.posts) == 1
    [request] = ledger()
    steps = [e["state"] for e in request["events"]]  # type: ignore[union-attr]
    assert steps == ["needs_you", "submitted", "awaiting_removal"]
    code, out, _ = lowprofile("optout", "run", "--due", "--yes")
    assert (code, out.strip()) == (0, "No broker with opt-out steps is due in the ledger.")


@pytest.mark.browser
def test_the_monthly_run_retries_what_optout_run_began_only_when_told_to(
    chromium: None,
    site: OptOutSite,
    private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    told: list[tuple[str, str]],
) -> None:
    needs_you_first(site, private_dirs)
    broker_file(site, private_dirs, captcha=False)
    subject = load_profile(private_dirs["config"] / "profile.toml")

    monkeypatch.delenv("LOWPROFILE_OPTOUT_RETRY", raising=False)  # the default: only tell
    line = retry.retry_due(subject, load_settings())
    assert line == "1 opt-out(s) due, left for you"
    assert told == [
        ("lowprofile: 1 opt-out(s) due again", f"{BROKER}: run `lowprofile optout run --due`")
    ]
    assert site.posts == []

    monkeypatch.setenv("LOWPROFILE_OPTOUT_RETRY", "1")  # opted in: retry what `optout run` began
    line = retry.retry_due(subject, load_settings())
    assert line == "1 opt-out(s) retried, 1 went through"
    assert len(site.posts) == 1 and len(told) == 1  # nothing needed the person this time
    [request] = ledger()
    assert request["state"] == "awaiting_removal"


@pytest.mark.browser
def test_a_mail_that_does_not_come_leaves_the_request_email_pending(
    chromium: None, site: OptOutSite, private_dirs: dict[str, Path], mailbox: Dovecot
) -> None:
    broker_file(site, private_dirs, captcha=False, email_timeout=1)  # the site sends no mail
    scan(BROKER)
    code, out, err = lowprofile("optout", "run", "--yes")
    assert code == 0, out + err
    [request] = ledger()
    assert request["state"] == "email_pending"
    assert "waiting for the confirmation email" in str(request["detail"])
    code, out, _ = lowprofile("optout", "run", "--due", "--yes")  # looks again: still nothing
    assert code == 0, out
    [request] = ledger()
    states = [e["state"] for e in request["events"]]
    assert states == ["submitted", "email_pending", "email_pending"]
    assert site.confirmed == 0 and len(site.posts) == 1  # the form was not sent again


@pytest.mark.browser
def test_the_monthly_run_never_sends_for_a_request_recorded_by_hand(
    chromium: None, site: OptOutSite, private_dirs: dict[str, Path], told: list[tuple[str, str]]
) -> None:
    broker_file(site, private_dirs, captcha=False)
    scan(BROKER)
    code, _, err = lowprofile("optout", "done", BROKER, "--date", "2026-01-01")
    assert code == 0, err
    scan(BROKER)  # still listed long after the re-check date: failed, so due
    [request] = ledger()
    assert request["state"] == "failed"
    subject = load_profile(private_dirs["config"] / "profile.toml")
    line = retry.retry_due(subject, load_settings())
    assert line == "1 opt-out(s) due, left for you" and site.posts == []
    [(_, text)] = told
    assert text.startswith(f"{BROKER}: recorded by hand for the whole site")
    code, out, err = lowprofile("optout", "run", "--due", "--yes")
    assert code == 0 and site.posts == [], out + err  # the steps need the listing it lacks
    said = " ".join(err.split())  # the terminal wraps the line
    assert f"lowprofile optout run {BROKER}` sends it for the one the latest scan found" in said
    code, out, err = lowprofile("optout", "run", BROKER, "--yes")  # as the person is told
    assert code == 0 and len(site.posts) == 1, out + err
    by_hand, sent = ledger()
    assert by_hand["listing"] == "" and sent["listing"] == site.listing
    assert sent["state"] == "awaiting_removal"
