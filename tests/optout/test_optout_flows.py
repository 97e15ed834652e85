"""Every automatic opt-out played in a real Chromium against a local replica of its pages, built
from its steps (``replica.py``; the steps' selectors are the 2026-02 definition's), and the new
step kinds each shown on a small flow: a condition taken and not, a row chosen by the matcher
with a namesake first, a made-up value shown before it is sent, a captcha with nobody there."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from optoutkit import FakePerson
from replica import Person, Replica, Site, build, check, serve

from helpers.brokers import shipped_brokers
from lowprofile.brokers.import_optout import translate
from lowprofile.brokers.schema import Broker, OptOutStep, broker_from_dict
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.config import Settings
from lowprofile.optout_steps.links import broker_pages
from lowprofile.optout_steps.runner import Outcome, RunState, StepRunner
from lowprofile.optout_steps.values import Asked, step_values
from lowprofile.subject import Address, Name, Subject

SETTINGS = Settings(host_interval=0, read_timeout=5, retries=0, allow_loopback=True)
AGE = 47
SUBJECT = Subject(
    names=(Name.parse("Jane Doe"),),
    birth_year=date.today().year - AGE,
    emails=("jane@example.org",),
    addresses=(Address(city="Austin", state="TX"),),
)
NAMESAKE = Person("Jane Doe", 80, "Portland, OR", past="Salem, OR", relative="Ann Roe")
ROWS = [NAMESAKE, Person("Jane Doe", AGE, "Austin, TX")]
"""A namesake first: only the matcher, never the row's place, picks the second."""
AUTOMATIC = sorted(b.id for b in shipped_brokers().values() if b.optout.steps)


class Watching(FakePerson):
    """Approves, and notes what the site had been sent when it was asked."""

    def __init__(self, site: Site, present: bool = True) -> None:
        super().__init__(present=present, link=f"{site.base}/confirm")
        self.site = site
        self.sent_before_approval: list[dict[str, Any]] = []

    def approve(self, broker: Broker, asks: list[Asked]) -> bool:
        self.sent_before_approval = list(self.site.records)
        return super().approve(broker, asks)


def local(broker: Broker, base: str) -> Broker:
    """The broker with its pages on the replica's server."""
    steps = tuple(
        replace(s, url=re.sub(r"^https://[^/]+", base, s.url)) if s.url else s
        for s in broker.optout.steps
    )
    optout = replace(broker.optout, url=f"{base}/optout", steps=steps)
    return replace(broker, optout=optout)


def play(
    broker: Broker,
    site: Site,
    person: FakePerson,
    folder: Path,
    *,
    first: int = 1,
    sent_at: datetime | None = None,
) -> Outcome:
    """One run of ``broker``'s steps for the listing the scan found, on the replica (from step
    ``first``: a request sent at ``sent_at`` resumed)."""
    listing = f"{site.base}/person/jane-doe-austin"
    values = step_values(SUBJECT, listing, broker.optout.steps)

    async def go() -> Outcome:
        async with BrowserEngine(SETTINGS, profiles=folder / "profiles") as engine:
            keeper = EvidenceKeeper(folder / "evidence", engine)
            runner = StepRunner(
                broker, SUBJECT, listing, values, person, keeper, dry_run=False, settings=SETTINGS
            )
            opening = broker_pages(broker)[1]
            async with engine.tab(opening, also=broker_pages(broker)) as page:
                return await runner.run(page, first=first, sent_at=sent_at)

    return asyncio.run(go())


def sent_values(site: Site) -> dict[str, str]:
    """What the forms sent, by value name (``3:email`` → ``email``)."""
    return {k.split(":", 1)[1]: v for fields in site.submits() for k, v in fields.items()}


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")


@pytest.mark.parametrize("broker_id", AUTOMATIC)
def test_each_replica_holds_what_its_steps_look_for(broker_id: str) -> None:
    replica = build(shipped_brokers()[broker_id].optout.steps, ROWS)
    assert check(replica) == []


def test_the_automatic_flows_are_every_2026_flow_without_id_phone_or_payment() -> None:
    assert AUTOMATIC == [
        "beenverified",
        "infotracer",
        "mylife",
        "neighbor-report",
        "peoplefinders",
        "privatereports",
        "spokeo",
        "veripages",
    ]


@pytest.mark.browser
@pytest.mark.parametrize("broker_id", AUTOMATIC)
def test_each_flow_plays_on_its_replica(
    chromium: None, loopback: None, broker_id: str, tmp_path: Path
) -> None:
    shipped = shipped_brokers()[broker_id]
    replica = build(shipped.optout.steps, ROWS)
    with serve(replica) as site:
        broker = local(shipped, site.base)
        person = Watching(site)
        sent = outcome = play(broker, site, person, tmp_path)
        steps = broker.optout.steps
        late = [(n, s) for n, s in enumerate(steps, 1) if s.delay]
        if late:  # InfoTracer's link works an hour after the submit: --due opens it then
            [(number, email)] = late
            assert outcome.state is RunState.EMAIL_PENDING and site.confirmed == 0
            assert "link works only from" in outcome.detail
            before = datetime.now(UTC) - timedelta(seconds=email.delay)
            outcome = play(broker, site, person, tmp_path, first=number, sent_at=before)
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    assert person.sent_before_approval == []
    submits = [s for s in steps if s.submit]
    assert len(site.submits()) == len(submits)
    shown = {a.name: a.value for a in sent.sent}
    for name, value in sent_values(site).items():
        assert value == shown[name], name  # what was sent is what was shown
    assert sent_values(site).get("email", "jane@example.org") == "jane@example.org"
    if any(s.action == "choose_listing" for s in steps):
        assert "row-1" in site.clicked() and "row-0" not in site.clicked()
    if any(s.action == "email_confirmation" for s in steps):
        assert site.confirmed == 1 and outcome.confirmed
    for every in (i for i, s in enumerate(steps) if s.action == "click" and s.all):
        assert site.clicked().count(str(every)) == 2


def small_broker(*actions: dict[str, Any]) -> Broker:
    """A broker whose steps are a made-up definition's flow, read by the importer's reader."""
    flow = translate({"steps": [{"stepType": "optOut", "actions": list(actions)}]})
    assert flow.gaps == []
    data = {
        "id": "small",
        "name": "Small",
        "domain": "small.example",
        "category": "people-search",
        "search": {"mode": "manual", "url": "https://small.example/"},
        "optout": {"url": "https://small.example/optout", "method": "web form"},
    }
    data["optout"]["steps"] = flow.steps  # type: ignore[index]
    broker, problems = broker_from_dict(data, "small.toml")
    assert broker is not None, problems
    return broker


NAVIGATE = {"actionType": "navigate", "url": "https://small.example/optout"}
SEND = {"actionType": "click", "elements": [{"type": "button", "selector": "#send"}]}
RECEIVED = {"actionType": "expectation", "expectations": [{"type": "text", "expect": "Received"}]}
EMAIL = {"actionType": "fillForm", "elements": [{"type": "email", "selector": "#email"}]}
CONDITION = {
    "actionType": "condition",
    "expectations": [{"type": "element", "selector": "#notice", "failSilently": True}],
    "actions": [{"actionType": "click", "elements": [{"type": "button", "selector": "#dismiss"}]}],
}


def run_small(
    broker: Broker, replica: Replica, folder: Path, *, present: bool = True
) -> tuple[Outcome, Site, Watching]:
    with serve(replica) as site:
        person = Watching(site, present=present)
        outcome = play(local(broker, site.base), site, person, folder)
    return outcome, site, person


@pytest.mark.browser
@pytest.mark.parametrize("taken", [True, False])
def test_a_condition_runs_its_steps_only_when_the_page_shows_it(
    chromium: None, loopback: None, taken: bool, tmp_path: Path
) -> None:
    broker = small_broker(NAVIGATE, CONDITION, EMAIL, SEND, RECEIVED)
    condition = next(i for i, s in enumerate(broker.optout.steps) if s.action == "condition")
    replica = build(broker.optout.steps, ROWS, taken=frozenset({condition} if taken else ()))
    outcome, site, _ = run_small(broker, replica, tmp_path)
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    assert (str(condition + 1) in site.clicked()) is taken  # the #dismiss click
    assert sent_values(site) == {"email": "jane@example.org"}


ROW_PICK = {
    "actionType": "click",
    "elements": [
        {
            "type": "button",
            "selector": ".//button[contains(text(), 'Remove')]",
            "parent": {
                "profileMatch": {
                    "selector": "//li[contains(@class, 'person')]",
                    "profile": {
                        "name": {"selector": ".//h3"},
                        "age": {"selector": ".//span[@class='age']"},
                        "addressCityStateList": {"selector": ".//p", "findElements": True},
                    },
                }
            },
        }
    ],
}


@pytest.mark.browser
def test_the_matcher_picks_the_row_when_a_namesake_comes_first(
    chromium: None, loopback: None, tmp_path: Path
) -> None:
    broker = small_broker(NAVIGATE, ROW_PICK, EMAIL, SEND, RECEIVED)
    outcome, site, _ = run_small(broker, build(broker.optout.steps, ROWS), tmp_path)
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    assert site.clicked() == ["row-1"]


@pytest.mark.browser
def test_only_namesakes_is_the_persons_to_choose(
    chromium: None, loopback: None, tmp_path: Path
) -> None:
    broker = small_broker(NAVIGATE, ROW_PICK, EMAIL, SEND, RECEIVED)
    replica = build(broker.optout.steps, [NAMESAKE, replace(NAMESAKE, place="Reno, NV")])
    outcome, site, _ = run_small(broker, replica, tmp_path)
    assert outcome.state is RunState.NEEDS_YOU
    assert "no row matches you well enough; the best: Jane Doe (" in outcome.detail
    assert site.clicked() == [] and site.submits() == []


@pytest.mark.browser
def test_a_made_up_value_is_shown_with_its_rule_before_it_is_sent(
    chromium: None, loopback: None, tmp_path: Path
) -> None:
    zip_code = {"type": "$generated_zip_code$", "selector": "#zip"}
    form = {"actionType": "fillForm", "elements": [EMAIL["elements"][0], zip_code]}  # type: ignore[index]
    broker = small_broker(NAVIGATE, form, SEND, RECEIVED)
    outcome, site, person = run_small(broker, build(broker.optout.steps, ROWS), tmp_path)
    assert outcome.state is RunState.SUBMITTED, outcome.detail
    [asks] = person.approvals
    [made_up] = [a for a in asks if a.name == "generated_zip_code"]
    assert made_up.label == (
        "ZIP code [made up: 5 random digits from 10000 to 99999, not your ZIP code]"
    )
    assert person.sent_before_approval == []  # shown before anything went
    assert re.fullmatch(r"[1-9]\d{4}", made_up.value)
    assert sent_values(site)["generated_zip_code"] == made_up.value


@pytest.mark.browser
def test_a_captcha_with_nobody_there_needs_you_and_sends_nothing(
    chromium: None, loopback: None, tmp_path: Path
) -> None:
    mylife = shipped_brokers()["mylife"]
    outcome, site, _ = run_small(mylife, build(mylife.optout.steps, ROWS), tmp_path, present=False)
    assert outcome.state is RunState.NEEDS_YOU
    assert "a captcha" in outcome.detail and site.submits() == []


def test_a_condition_on_a_value_picks_one_button(tmp_path: Path) -> None:
    """PrivateReports asks "older than 45?": the profile's age decides, both ways."""
    steps = shipped_brokers()["privatereports"].optout.steps
    bounds = [s for s in steps if s.action == "condition" and s.value == "age"]
    assert [(s.at_least, s.below) for s in bounds] == [(45.0, None), (None, 45.0)]
    assert isinstance(bounds[0], OptOutStep)
