"""The runner's two small judgements: which link is the listing, which confirmation link may
be opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from optoutkit import load_broker
from optoutsite import OptOutSite

from lowprofile.brokers.schema import OptOutStep
from lowprofile.optout_steps.runner import allowed_link, same_listing


@pytest.mark.parametrize(
    ("href", "same"),
    [
        ("https://b.example/person/jane-doe-austin?optout=1", True),
        ("https://b.example/person/jane-doe-austin/", True),
        ("https://b.example/person/jane-doe-dallas", False),
        ("https://other.example/person/jane-doe-austin", False),
    ],
)
def test_the_listing_is_its_host_and_path(href: str, same: bool) -> None:
    assert same_listing(href, "https://b.example/person/jane-doe-austin") is same


def test_only_the_brokers_own_links_are_opened(optout_site: OptOutSite, tmp_path: Path) -> None:
    broker = load_broker(tmp_path, optout_site)  # domain optout.example
    plain = OptOutStep("email_confirmation")
    assert allowed_link("https://optout.example/confirm?t=1", broker, plain) is None
    assert allowed_link("https://mail.optout.example/c", broker, plain) is None
    refused = allowed_link("https://optout.example.evil.test/c", broker, plain)
    assert refused == "the link goes to optout.example.evil.test, not to optout.example"
    assert allowed_link("http://optout.example/confirm", broker, plain) is not None
    listed = OptOutStep("email_confirmation", domains=("mailer.example",))
    assert allowed_link("https://mailer.example/c", broker, listed) is None


def test_a_plain_http_link_to_this_machine_needs_loopback_allowed(
    optout_site: OptOutSite, tmp_path: Path
) -> None:
    broker = load_broker(tmp_path, optout_site)  # its opt-out page is on 127.0.0.1
    plain = OptOutStep("email_confirmation")
    link = f"{optout_site.base}/optout/confirm?t=1"
    assert allowed_link(link, broker, plain, allow_loopback=True) is None
    refused = allowed_link(link, broker, plain) or ""
    assert refused.startswith("127.0.0.1 is a loopback address")
    assert allowed_link("ftp://optout.example/c", broker, plain, allow_loopback=True) is not None
    port = int(optout_site.base.rsplit(":", 1)[1])
    elsewhere = f"http://127.0.0.1:{port + 1}/optout/confirm?t=1"  # another server here
    assert allowed_link(elsewhere, broker, plain, allow_loopback=True) == (
        f"the link goes to 127.0.0.1:{port + 1}, not to the broker's own server (127.0.0.1:{port})"
    )


def test_nothing_is_opened_when_the_person_declines(
    optout_site: OptOutSite, tmp_path: Path
) -> None:
    import asyncio

    from optoutkit import SUBJECT, FakePerson

    from lowprofile.browser.evidence import EvidenceKeeper
    from lowprofile.optout_steps.runner import RunState, StepRunner
    from lowprofile.optout_steps.values import step_values

    class Declines(FakePerson):
        def approve(self, broker: object, asks: list) -> bool:  # type: ignore[type-arg]
            super().approve(broker, asks)  # type: ignore[arg-type]
            return False

    broker = load_broker(tmp_path, optout_site)
    person = Declines()
    values = step_values(SUBJECT, optout_site.listing)
    runner = StepRunner(
        broker, SUBJECT, optout_site.listing, values, person, EvidenceKeeper(tmp_path / "e"),
        dry_run=False,
    )  # fmt: skip
    outcome = asyncio.run(runner.run(page=None))  # declining happens before any page is used
    assert outcome.state is RunState.DECLINED and outcome.sent == []
    assert [a.label for a in person.approvals[0]] == [
        "full name",
        "full name",
        "email address",
        "listing URL",
    ]
    assert optout_site.paths == [] and optout_site.posts == []


def test_a_captcha_without_a_marker_waits_for_the_person_to_say_so() -> None:
    import asyncio

    from optoutkit import SUBJECT

    from lowprofile.brokers.loader import load_brokers
    from lowprofile.browser.evidence import EvidenceKeeper
    from lowprofile.optout_steps.runner import StepRunner

    spokeo = load_brokers().brokers["spokeo"]
    [captcha] = [s for s in spokeo.optout.steps if s.action == "captcha"]
    assert captcha.selector == ""

    class Says:
        present = True
        marked: list[bool] = []

        async def solve_captcha(self, broker: object, page: object, *, marked: bool) -> None:
            self.marked.append(marked)

    person = Says()
    runner = StepRunner(
        spokeo, SUBJECT, "https://www.spokeo.com/Jane-Doe/p1", {}, person,  # type: ignore[arg-type]
        EvidenceKeeper(Path("unused")), dry_run=False,
    )  # fmt: skip
    asyncio.run(runner._captcha(page=None, step=captcha))  # no page is touched
    assert person.marked == [False]


def test_values_in_an_address_are_shown_as_sent_too() -> None:
    from optoutkit import SUBJECT

    from lowprofile.brokers.schema import OptOutStep
    from lowprofile.optout_steps.values import asked, step_values

    steps = (
        OptOutStep("navigate", url="https://find.example/s?n={first}+{last|lower}&c={city}"),
        OptOutStep("fill", selector="#mail", value="email"),
    )
    sent = asked(steps, step_values(SUBJECT, "https://find.example/p1"))
    assert [(a.label, a.value, a.how, a.selector) for a in sent] == [
        ("first name", "Jane", "in the address of", "find.example"),
        ("last name", "Doe", "in the address of", "find.example"),
        ("city", "Austin", "in the address of", "find.example"),
        ("email address", "jane@example.org", "typed into", "#mail"),
    ]


def test_what_a_retry_takes_up() -> None:
    from datetime import UTC, date, datetime

    from lowprofile.brokers.loader import load_brokers
    from lowprofile.optout.model import Channel, Request, RequestEvent
    from lowprofile.optout_steps.session import RUN_NOTE, choose_due
    from lowprofile.results import RequestState as State

    spokeo = load_brokers().brokers["spokeo"]
    now = datetime(2026, 11, 20, tzinfo=UTC)

    def request(number: int, state: State, note: str = RUN_NOTE) -> Request:
        events = (RequestEvent(State.SUBMITTED, now), RequestEvent(state, now))
        channel = Channel.STEPS if note == RUN_NOTE else Channel.HAND
        return Request(
            number,
            "p-1",
            channel,
            "spokeo",
            date(2026, 11, 20),
            30,
            note,
            f"https://s/{number}",
            events,
        )

    requests = [
        request(1, State.REAPPEARED),
        request(2, State.FAILED, note=""),  # recorded by hand with `optout done`
        request(3, State.EMAIL_PENDING),
        request(4, State.AWAITING_REMOVAL),  # not due: the broker has it
        request(5, State.CONFIRMED_REMOVED),
    ]
    jobs, _ = choose_due({"spokeo": spokeo}, requests, now, mailbox=False)
    assert [(j.listing, j.first, j.approved) for j in jobs] == [
        ("https://s/1", 1, True),
        ("https://s/2", 1, False),
    ]
    jobs, _ = choose_due({"spokeo": spokeo}, requests, now, mailbox=True)
    [email] = [s for s in spokeo.optout.steps if s.action == "email_confirmation"]
    resumed = jobs[-1]
    assert resumed.listing == "https://s/3" and spokeo.optout.steps[resumed.first - 1] is email
    assert resumed.since == now and resumed.approved


def test_run_states_are_machine_values_and_the_command_owns_the_words() -> None:
    """One vocabulary: a run's states that are request states carry the same values, and each
    has words in ``optout run``'s renderer."""
    from lowprofile.cli.optout import RUN_WORDS
    from lowprofile.optout.model import RequestState
    from lowprofile.optout_steps.runner import RunState

    assert all(s.value.isidentifier() and s.value == s.value.lower() for s in RunState)
    shared = {"submitted", "needs_you", "email_pending", "failed"}
    assert shared <= {s.value for s in RequestState} and shared <= {s.value for s in RunState}
    assert set(RUN_WORDS) == {s.value for s in RunState}
