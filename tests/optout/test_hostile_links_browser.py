"""Issue 23, defect 1, against a real Chromium: hostile confirmation links, each either refused
or landed on the broker's own host:port, with 0 connections to another port on this machine
(counted by that port's own listener socket).

The broker is served on one loopback port (SITE); OTHER is a listener that only counts. Each
link is pasted as the broker's confirmation link into a run resumed at its email step; the
end-to-end case sends it by mail from the broker into a real Dovecot and plays
``optout run --due --yes``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from optoutkit import SUBJECT, FakePerson, ledger, load_broker, lowprofile, scan, write_profile
from optoutsite import OptOutSite, serve, write_broker

from helpers.dovecot import Dovecot
from helpers.listener import CountingListener, counting_listener
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.config import Settings
from lowprofile.optout_steps.runner import Outcome, RunState
from lowprofile.optout_steps.session import Job, run_brokers
from lowprofile.store import Store

SETTINGS = Settings(host_interval=0, read_timeout=5, retries=0, allow_loopback=True)
CONFIRM = "/optout/confirm?t=abc"
CORPUS = [
    "http://127.0.0.1:{other}\\@127.0.0.1:{site}" + CONFIRM,
    "http://127.0.0.1:{other}&#92;@127.0.0.1:{site}" + CONFIRM,
    "http://127.0.0.1:{site}\\@127.0.0.1:{other}" + CONFIRM,
    "http://127.0.0.1:{other}\\.127.0.0.1:{site}" + CONFIRM,
    "http://127.0.0.1:{other}@127.0.0.1:{site}" + CONFIRM,
    "http://127.0.0.1:{site}@127.0.0.1:{other}" + CONFIRM,
    "http://127.0.0.1:{site}:x@127.0.0.1:{other}" + CONFIRM,
    "http://127.0.0.1:{other}\t" + CONFIRM,
    "http://127.0.0.1:{other}" + CONFIRM,
    "http://localhost:{other}" + CONFIRM,
    "http://0x7f.1:{other}" + CONFIRM,
    "http://2130706433:{other}" + CONFIRM,
    "http://[::ffff:127.0.0.1]:{other}" + CONFIRM,
    "http://127.0.0.1:{site}/optout/go?to=http://127.0.0.1:{other}" + CONFIRM,
    "javascript:location='http://127.0.0.1:{other}" + CONFIRM + "'",
    "data:text/html,<img src=http://127.0.0.1:{other}/x><meta http-equiv=refresh content=0;url=/>",
    "HTTP://127.0.0.1:{site}" + CONFIRM,
    "http://127.0.0.1.:{site}" + CONFIRM,
    "http://127.0.0.1:{site}" + CONFIRM,
]
"""Each link, with SITE the broker's port and OTHER the counting listener's."""


class Pasting(FakePerson):
    """A person pasting one link after another, one per run."""

    def __init__(self, links: list[str]) -> None:
        super().__init__(link="")
        self.links = list(links)

    async def confirmation_link(self, broker: Broker) -> str:
        return self.links.pop(0)


@pytest.fixture
def other() -> Iterator[CountingListener]:
    with counting_listener() as listener:
        yield listener


def resumed(broker: Broker, site: OptOutSite) -> Broker:
    """The broker's steps from its confirmation mail on: a run resumed after the submit."""
    steps = (
        OptOutStep("navigate", url=f"{site.base}/optout"),
        OptOutStep("email_confirmation", timeout=5),
        OptOutStep("expect", text="Your information control request has been confirmed."),
    )
    return replace(broker, optout=replace(broker.optout, steps=steps))


def play(broker: Broker, links: list[str], folder: Path) -> list[Outcome]:
    async def go() -> list[Outcome]:
        jobs = [Job(broker, f"{broker.optout.url}#{n}", first=2) for n in range(len(links))]
        with Store() as store:
            async with BrowserEngine(SETTINGS, profiles=folder / "profiles") as engine:
                keeper = EvidenceKeeper(folder / "evidence")
                person: Any = Pasting(links)
                return await run_brokers(jobs, SUBJECT, person, engine, keeper, store, dry_run=True)

    return asyncio.run(go())


@pytest.mark.browser
def test_each_hostile_link_is_refused_or_lands_on_the_brokers_own_port(
    chromium: None, optout_site: OptOutSite, other: CountingListener, tmp_path: Path
) -> None:
    site_port = optout_site.base.rsplit(":", 1)[1]
    links = [link.format(site=site_port, other=other.port) for link in CORPUS]
    broker = resumed(load_broker(tmp_path / "brokers", optout_site), optout_site)
    outcomes = play(broker, links, tmp_path)
    assert len(outcomes) == len(links)
    assert other.accepted == 0
    landed = []
    for link, outcome in zip(links, outcomes, strict=True):
        if outcome.confirmed:
            assert outcome.state is RunState.SUBMITTED, (link, outcome.detail)
            landed.append(link)
        else:
            assert outcome.state is RunState.EMAIL_PENDING, (link, outcome.detail)
            assert "refused" in outcome.detail or "off the broker's site" in outcome.detail
    assert landed == links[-3:] or landed == [links[-3], links[-1]], landed
    assert optout_site.confirmed == len(landed)


def into(mailbox: Dovecot) -> Any:
    def deliver(message: EmailMessage) -> None:
        mailbox.deliver(message.as_bytes())

    return deliver


@pytest.mark.browser
def test_a_backslash_link_mailed_by_the_broker_never_reaches_another_port(
    chromium: None,
    mailbox: Dovecot,
    other: CountingListener,
    private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 23's end-to-end attack: a mail "from" the broker, read by ``--due``."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    write_profile(private_dirs["config"])
    with serve("optout-c.example", into(mailbox)) as site:
        port = site.base.rsplit(":", 1)[1]
        site.confirm_link = f"http://127.0.0.1:{other.port}\\@127.0.0.1:{port}{CONFIRM}"
        write_broker(
            private_dirs["config"] / "brokers",
            "localoptoutc",
            site.base,
            domain=site.domain,
            captcha=False,
            email_timeout=10,
        )
        scan("localoptoutc")
        code, out, err = lowprofile("optout", "run", "localoptoutc", "--yes")
        assert code == 0, out + err
        code, out, err = lowprofile("optout", "run", "--due", "--yes")
        assert len(site.posts) == 1 and site.confirmed == 0
    assert other.accepted == 0
    [request] = ledger()
    assert request["state"] == "email_pending", request
    assert "backslash" in str(request["detail"]), request
