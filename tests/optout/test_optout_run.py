"""``optout run`` against the local opt-out site in a real Chromium: a dry run sends nothing, a
real run sends exactly the named fields for the listing the scan found, records it in the ledger
and keeps a screenshot; a captcha without a person and a changed form each get their state."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from optoutkit import BROKER, SUBJECT, FakePerson, load_broker, save_scan
from optoutsite import OptOutSite

from helpers.records import all_requests
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper, verify_folder
from lowprofile.config import Settings
from lowprofile.optout.drafts import listing_urls
from lowprofile.optout.records import RequestLedger
from lowprofile.optout_steps.runner import Outcome, RunState
from lowprofile.optout_steps.session import choose, run_brokers
from lowprofile.results import RequestState
from lowprofile.store import Store

SETTINGS = Settings(host_interval=0, read_timeout=5, retries=0, allow_loopback=True)


@dataclass
class Rig:
    """The local site, its broker file, and a latest scan that found the Austin listing."""

    site: OptOutSite
    broker: Broker
    folder: Path

    def run(self, *, dry_run: bool, person: FakePerson | None = None) -> tuple[Outcome, FakePerson]:
        """One ``optout run`` of the local broker; its one outcome and the person it asked."""
        person = person or FakePerson()

        async def go() -> list[Outcome]:
            with Store() as store:
                report = store.load(store.resolve("latest", None))
            runs, skipped = choose({self.broker.id: self.broker}, report, [])
            assert skipped == [] and [j.broker.id for j in runs] == [BROKER]
            keeper = EvidenceKeeper(self.folder / "evidence")
            with RequestLedger(SUBJECT.person_id) as ledger:
                async with BrowserEngine(SETTINGS, profiles=self.folder / "profiles") as engine:
                    return await run_brokers(
                        runs, SUBJECT, person, engine, keeper, ledger, dry_run=dry_run
                    )

        [outcome] = asyncio.run(go())
        return outcome, person


def rig(site: OptOutSite, folder: Path, form: str = "#control") -> Rig:
    save_scan(site.listing)
    return Rig(site, load_broker(folder / "brokers", site, form), folder)


@pytest.fixture
def ready(chromium: None, optout_site: OptOutSite, tmp_path: Path) -> Rig:
    return rig(optout_site, tmp_path)


@pytest.mark.browser
def test_a_dry_run_shows_the_form_and_sends_nothing(ready: Rig) -> None:
    site = ready.site
    outcome, person = ready.run(dry_run=True)
    assert outcome.state is RunState.DRY_RUN, outcome.detail
    assert site.posts == [] and "/optout/submit" not in site.paths
    assert "/person/jane-doe-austin" in site.paths  # the found listing was chosen, not Dallas
    assert "/person/jane-doe-dallas" not in site.paths
    [asks] = person.approvals
    assert [(a.label, a.value) for a in asks] == [
        ("full name", "Jane Doe"),
        ("full name", "Jane Doe"),
        ("email address", "jane@example.org"),
        ("listing URL", site.listing),
    ]
    [form] = person.forms
    shown = {f.name: f.filled_with for f in form}
    assert shown == {
        "name": "full name",
        "email": "email address",
        "url": "listing URL",
        "phone": "",
        "record": "",
        "token": "",
    }
    assert all_requests() == []


@pytest.mark.browser
def test_a_run_sends_exactly_the_named_fields_and_keeps_the_proof(ready: Rig) -> None:
    site = ready.site
    outcome, person = ready.run(dry_run=False)
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    assert person.captchas == 1
    [posted] = site.posts
    assert posted == {
        "name": ["Jane Doe"],
        "email": ["jane@example.org"],
        "url": [site.listing],
        "phone": [""],  # the profile has a phone; no step names it, so none is sent
        "record": ["jane-doe-austin"],
        "token": ["ok"],
    }
    [row] = all_requests()
    assert (row.broker, row.listing, row.recheck_days) == (BROKER, site.listing, 14)
    states = [e.state for e in row.events]
    assert states == [RequestState.SUBMITTED, RequestState.AWAITING_REMOVAL]
    assert outcome.evidence is not None
    assert all(e.evidence == str(outcome.evidence) for e in row.events)
    manifest = json.loads((outcome.evidence / "manifest.json").read_text("utf-8"))
    [page] = manifest["pages"]
    assert page["via"] == "browser opt-out, after the submit"
    assert (outcome.evidence / "page-1.png").read_bytes().startswith(b"\x89PNG")
    assert b"has been received" in (outcome.evidence / "page-1.html").read_bytes()
    assert verify_folder(outcome.evidence) == []


@pytest.mark.browser
def test_a_captcha_without_a_person_needs_you_and_sends_nothing(ready: Rig) -> None:
    site = ready.site
    outcome, _ = ready.run(dry_run=False, person=FakePerson(present=False))
    assert outcome.state is RunState.NEEDS_YOU
    assert "--show-browser" in outcome.detail
    assert site.posts == []
    [row] = all_requests()  # kept, so the next run (or you) can do it
    assert [e.state for e in row.events] == [RequestState.NEEDS_YOU]


@pytest.mark.browser
def test_a_changed_form_fails_with_a_screenshot(
    chromium: None, optout_site: OptOutSite, tmp_path: Path
) -> None:
    outcome, _ = rig(optout_site, tmp_path, form="#control-v2").run(dry_run=False)
    assert outcome.state is RunState.FAILED
    assert outcome.detail.startswith("step 6 (expect): form changed: '#control-v2'")
    assert outcome.evidence is not None and (outcome.evidence / "page-1.png").is_file()
    assert optout_site.posts == []
    [row] = all_requests()
    [failed] = row.events
    assert (failed.state, failed.evidence) == (RequestState.FAILED, str(outcome.evidence))
    assert "form changed" in failed.detail


def test_listings_come_from_the_latest_scan_and_a_broker_without_steps_is_named(
    optout_site: OptOutSite, tmp_path: Path
) -> None:
    from dataclasses import replace

    save_scan(optout_site.listing)
    broker = load_broker(tmp_path / "brokers", optout_site)
    bare = replace(broker, id="bare", optout=replace(broker.optout, steps=()))
    with Store() as store:
        report = store.load(store.resolve("latest", None))
    assert listing_urls(report, BROKER) == [optout_site.listing]
    runs, skipped = choose({BROKER: broker, "bare": bare}, report, [BROKER, "bare", "nope"])
    assert [(j.broker.id, j.listing, j.first) for j in runs] == [(BROKER, optout_site.listing, 1)]
    assert [s.broker for s in skipped] == ["bare", "nope"]
    assert skipped[0].reason.startswith("no opt-out steps: by hand at")


def with_email_step(ready: Rig) -> Rig:
    """The local broker with an emailed confirmation after the submit."""
    steps = (
        *ready.broker.optout.steps,
        OptOutStep("email_confirmation"),
        OptOutStep("expect", text="Your information control request has been confirmed."),
    )
    broker = replace(ready.broker, optout=replace(ready.broker.optout, steps=steps))
    return replace(ready, broker=broker)


@pytest.mark.browser
def test_a_pasted_confirmation_link_on_the_brokers_host_is_opened(ready: Rig) -> None:
    link = f"{ready.site.base}/optout/confirm?t=abc"
    outcome, _ = with_email_step(ready).run(dry_run=False, person=FakePerson(link=link))
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    assert ready.site.paths[-1] == "/optout/confirm"


@pytest.mark.browser
def test_a_confirmation_link_to_another_domain_is_refused_and_said(ready: Rig) -> None:
    person = FakePerson(link="https://optout.example.evil.test/confirm?t=abc")
    outcome, _ = with_email_step(ready).run(dry_run=False, person=person)
    assert outcome.state is RunState.EMAIL_PENDING
    assert outcome.detail == (
        "step 13 (email_confirmation): link refused: the link goes to "
        "optout.example.evil.test, not to optout.example"
    )
    assert "/optout/confirm" not in ready.site.paths and len(ready.site.posts) == 1
    [row] = all_requests()
    assert [e.state for e in row.events] == [RequestState.SUBMITTED, RequestState.EMAIL_PENDING]
    assert "link refused: the link goes to optout.example.evil.test" in row.events[-1].detail
