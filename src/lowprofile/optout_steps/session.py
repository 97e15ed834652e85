"""One ``optout run``: the brokers with steps and listings, one broker at a time, one browser.

One broker at a time because the person may be asked to approve, solve a captcha or paste a
link, and two brokers asking at once would be confusing; each listing gets its own page. A
run is written to the opt-out ledger as it ends (sent, awaiting its email, failed, needs you), so
a run stopped halfway keeps what it did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lowprofile.brokers.schema import Broker
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper, evidence_root
from lowprofile.config import Settings
from lowprofile.optout.drafts import listing_urls
from lowprofile.optout.ledger import DUE, SENT, last_sent, state_at
from lowprofile.optout.model import Channel, Request, RequestEvent, RequestState
from lowprofile.optout.records import RequestLedger
from lowprofile.optout_steps.links import broker_pages
from lowprofile.optout_steps.runner import Outcome, Person, RunState, StepRunner
from lowprofile.optout_steps.values import asked, missing, step_values
from lowprofile.results import ScanReport
from lowprofile.subject import Subject

FINE = (RunState.SUBMITTED, RunState.DRY_RUN, RunState.EMAIL_PENDING)
"""Runs that did what they could: the rest failed, need the person, or were declined."""
NOT_KEPT = (RunState.DRY_RUN, RunState.DECLINED)
"""Runs that leave nothing in the ledger: nothing was sent, nothing went wrong."""
RUN_NOTE = "optout run"
"""The note of a request this module started (not one recorded by hand with ``optout done``)."""


@dataclass(frozen=True)
class Skipped:
    """A broker asked for that this run cannot do, and why (nothing is dropped in silence)."""

    broker: str
    reason: str
    problem: bool = True
    """False for what is simply not due: a request already sent and waiting."""


@dataclass(frozen=True)
class Job:
    """One listing to play a broker's steps for, from step ``first`` (a request sent before
    resumes at its confirmation email, mail looked for since ``since``)."""

    broker: Broker
    listing: str
    first: int = 1
    since: datetime | None = None
    approved: bool = False
    """The person ran these steps for this listing before (``optout run``), approving what they
    send: only such a job may be retried unattended."""


def choose(
    brokers: dict[str, Broker],
    report: ScanReport,
    asked_for: list[str],
    requests: Sequence[Request] = (),
    now: datetime | None = None,
) -> tuple[list[Job], list[Skipped]]:
    """The listings to run and the brokers skipped, with why. Without names: every broker
    with steps that lists the person in ``report``. A listing whose request the ledger says was
    sent and is waiting (for its email, or for the removal) is not sent twice."""
    waiting = _waiting(requests, now or datetime.now(UTC))
    names = asked_for or [b for b in brokers if brokers[b].optout.steps]
    jobs, skipped = [], []
    for name in names:
        broker = brokers.get(name)
        listings = listing_urls(report, name)
        if broker is None:
            skipped.append(Skipped(name, "unknown broker (see `lowprofile brokers list`)"))
            continue
        if not broker.optout.steps:
            skipped.append(Skipped(name, f"no opt-out steps: by hand at {broker.optout.url}"))
            continue
        if not listings and asked_for:
            skipped.append(Skipped(name, "the latest scan found no listing there"))
        for listing in listings:
            sent = waiting.get((name, listing))
            if sent is None:
                jobs.append(Job(broker, listing))
                continue
            day = sent.at.astimezone().date().isoformat()
            why = f"already sent ({sent.state} since {day}); `optout run --due` retries it when due"
            skipped.append(Skipped(name, why, problem=False))
    return jobs, skipped


def _waiting(requests: Sequence[Request], now: datetime) -> dict[tuple[str, str], RequestEvent]:
    """(broker, listing) → the current event of each request the broker has and is acting on."""
    current = {(r.broker, r.listing): state_at(r, now) for r in requests}
    return {key: event for key, event in current.items() if event.state in SENT}


def choose_due(
    brokers: dict[str, Broker], requests: list[Request], now: datetime, mailbox: bool
) -> tuple[list[Job], list[Skipped]]:
    """What a retry does: the steps again for requests that reappeared, failed or need you,
    and, with a ``mailbox`` to look in, the confirmation email again for requests waiting
    for it (without one, only the person can paste the link: ``optout run`` asks)."""
    jobs, skipped = [], []
    for request in requests:
        state = state_at(request, now)
        broker = brokers.get(request.broker)
        if state.state not in (*DUE, RequestState.EMAIL_PENDING):
            continue
        approved = request.note == RUN_NOTE
        if broker is None or not broker.optout.steps:
            skipped.append(Skipped(request.broker, "no opt-out steps to retry: by hand"))
        elif not request.listing and any(
            a.name == "listing_url" for a in asked(broker.optout.steps, {})
        ):
            why = (
                "recorded by hand for the whole site; its steps need the listing: "
                f"`lowprofile optout run {broker.id}` sends it for the one the latest scan found"
            )
            skipped.append(Skipped(request.broker, why, problem=False))
        elif state.state is RequestState.EMAIL_PENDING:
            if not mailbox:
                continue
            steps = enumerate(broker.optout.steps, 1)
            email = next((n for n, s in steps if s.action == "email_confirmation"), None)
            if email is not None:
                since = last_sent(request)
                jobs.append(Job(broker, request.listing, email, since, approved))
        else:
            jobs.append(Job(broker, request.listing, approved=approved))
    return jobs, skipped


async def run_brokers(
    jobs: list[Job],
    subject: Subject,
    person: Person,
    engine: BrowserEngine,
    keeper: EvidenceKeeper,
    ledger: RequestLedger,
    *,
    dry_run: bool,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Each job's steps, one at a time; each run goes into the ledger as it ends."""
    outcomes = []
    for job in jobs:
        broker, listing = job.broker, job.listing
        values = step_values(subject, listing, broker.optout.steps)
        lacking = missing(broker, values, first=job.first)
        if lacking:
            detail = f"your profile has no {', '.join(lacking)}"
            outcome = Outcome(broker.id, listing, RunState.FAILED, detail)
        else:
            runner = StepRunner(
                broker,
                subject,
                listing,
                values,
                person,
                keeper,
                dry_run=dry_run,
                settings=engine.settings,
            )
            async with engine.tab(_first_page(broker), also=broker_pages(broker)) as page:
                outcome = await runner.run(page, first=job.first, sent_at=job.since)
        if not dry_run:  # a rehearsal changes nothing, the ledger included
            record(ledger, broker, outcome)
        on_outcome(outcome)
        outcomes.append(outcome)
    return outcomes


async def play(
    jobs: list[Job],
    subject: Subject,
    settings: Settings,
    person: Person,
    ledger: RequestLedger,
    *,
    visible: bool = False,
    dry_run: bool = False,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """The jobs in one browser, their evidence in one folder for this run."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    async with BrowserEngine(settings, visible=visible) as engine:
        keeper = EvidenceKeeper(evidence_root() / f"optout-{stamp}", engine)
        return await run_brokers(
            jobs, subject, person, engine, keeper, ledger, dry_run=dry_run, on_outcome=on_outcome
        )


def outcome_events(outcome: Outcome) -> list[RequestEvent]:
    """The ledger's events for one run: the submit, then where the run left the request."""
    if outcome.state in NOT_KEPT:
        return []
    evidence = str(outcome.evidence or "")
    events = []
    if outcome.submitted_at is not None:
        events.append(RequestEvent(RequestState.SUBMITTED, outcome.submitted_at, "sent", evidence))
    now = datetime.now(UTC)
    if outcome.state is RunState.SUBMITTED:
        how = "confirmation link opened; " if outcome.confirmed else ""
        detail = f"{how}{outcome.detail}"
        events.append(RequestEvent(RequestState.AWAITING_REMOVAL, now, detail, evidence))
    else:
        state = {
            RunState.EMAIL_PENDING: RequestState.EMAIL_PENDING,
            RunState.NEEDS_YOU: RequestState.NEEDS_YOU,
        }.get(outcome.state, RequestState.FAILED)
        events.append(RequestEvent(state, now, outcome.detail, evidence))
    return events


def record(ledger: RequestLedger, broker: Broker, outcome: Outcome) -> None:
    """Write one run into the person's ledger, on the request for that listing (a retry
    continues it)."""
    events = outcome_events(outcome)
    if not events:
        return
    earlier = [
        r
        for r in ledger.requests(Channel.STEPS)
        if (r.broker, r.listing) == (broker.id, outcome.listing)
    ]
    if earlier:
        ledger.add_events([(earlier[-1].id, e) for e in events])
        return
    ledger.add(
        Request(
            0,
            ledger.person,
            Channel.STEPS,
            broker.id,
            events[0].at.date(),
            broker.optout.recheck_days,
            RUN_NOTE,
            outcome.listing,
            tuple(events),
        )
    )


def _first_page(broker: Broker) -> str:
    """The site whose browser context (cookies, a passed check) the run uses: the first page
    the steps open, else the file's opt-out page."""
    urls = [s.url for s in broker.optout.steps if s.action == "navigate"]
    return next((u for u in urls if u.startswith(("https://", "http://"))), broker.optout.url)
