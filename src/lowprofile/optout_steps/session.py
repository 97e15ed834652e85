"""One ``optout run``: the brokers with steps and listings, one broker at a time, one browser.

One broker at a time because the person may be asked to approve, solve a captcha or paste a
link, and two brokers asking at once would be confusing; each listing gets its own page. A
run is written to the opt-out ledger as it ends (sent, awaiting its email, failed, needs you), so
a run stopped halfway keeps what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lowprofile.brokers.schema import Broker
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.optout import listing_urls
from lowprofile.optout_steps.runner import Outcome, Person, RunState, StepRunner
from lowprofile.optout_steps.values import missing, step_values
from lowprofile.results import OptOutState, ScanReport
from lowprofile.store import OptOutEvent, Store
from lowprofile.subject import Subject

NOT_KEPT = (RunState.DRY_RUN, RunState.DECLINED)
"""Runs that leave nothing in the ledger: nothing was sent, nothing went wrong."""


@dataclass(frozen=True)
class Skipped:
    """A broker asked for that this run cannot do, and why (nothing is dropped in silence)."""

    broker: str
    reason: str


def choose(
    brokers: dict[str, Broker], report: ScanReport, asked_for: list[str]
) -> tuple[list[tuple[Broker, list[str]]], list[Skipped]]:
    """The brokers to run (with their listings) and those skipped, with why. Without names:
    every broker with steps that lists the person in ``report``."""
    names = asked_for or [b for b in brokers if brokers[b].optout.steps]
    runs, skipped = [], []
    for name in names:
        broker = brokers.get(name)
        listings = listing_urls(report, name)
        if broker is None:
            skipped.append(Skipped(name, "unknown broker (see `lowprofile brokers list`)"))
        elif not broker.optout.steps:
            skipped.append(Skipped(name, f"no opt-out steps: by hand at {broker.optout.url}"))
        elif not listings:
            if asked_for:
                skipped.append(Skipped(name, "the latest scan found no listing there"))
        else:
            runs.append((broker, listings))
    return runs, skipped


async def run_brokers(
    runs: list[tuple[Broker, list[str]]],
    subject: Subject,
    person: Person,
    engine: BrowserEngine,
    keeper: EvidenceKeeper,
    store: Store,
    *,
    dry_run: bool,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Each broker's steps for each of its listings; a sent request goes into the ledger."""
    outcomes = []
    for broker, listings in runs:
        for listing in listings:
            values = step_values(subject, listing)
            lacking = missing(broker, values)
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
                    allow_loopback=engine.settings.allow_loopback,
                )
                async with engine.tab(_first_page(broker)) as page:
                    outcome = await runner.run(page)
            record(store, broker, outcome)
            on_outcome(outcome)
            outcomes.append(outcome)
    return outcomes


def outcome_events(outcome: Outcome) -> list[OptOutEvent]:
    """The ledger's events for one run: the submit, then where the run left the request."""
    if outcome.state in NOT_KEPT:
        return []
    evidence = str(outcome.evidence or "")
    events = []
    if outcome.submitted_at is not None:
        events.append(OptOutEvent(OptOutState.SUBMITTED, outcome.submitted_at, "sent", evidence))
    now = datetime.now(UTC)
    if outcome.state is RunState.SUBMITTED:
        how = "confirmation link opened; " if outcome.confirmed else ""
        detail = f"{how}{outcome.detail}"
        events.append(OptOutEvent(OptOutState.AWAITING_REMOVAL, now, detail, evidence))
    else:
        state = {
            RunState.EMAIL_PENDING: OptOutState.EMAIL_PENDING,
            RunState.NEEDS_YOU: OptOutState.NEEDS_YOU,
        }.get(outcome.state, OptOutState.FAILED)
        events.append(OptOutEvent(state, now, outcome.detail, evidence))
    return events


def record(store: Store, broker: Broker, outcome: Outcome) -> None:
    """Write one run into the ledger, on the request for that listing (a retry continues it)."""
    events = outcome_events(outcome)
    if not events:
        return
    earlier = [r for r in store.optouts() if (r.broker, r.listing) == (broker.id, outcome.listing)]
    if earlier:
        request = earlier[-1].id
    else:
        first, *events = events
        request = store.add_optout(
            broker.id,
            first.at.date(),
            broker.optout.recheck_days,
            "optout run",
            listing=outcome.listing,
            event=first,
        )
    store.add_optout_events([(request, e) for e in events])


def _first_page(broker: Broker) -> str:
    """The site whose browser context (cookies, a passed check) the run uses: the first page
    the steps open, else the file's opt-out page."""
    urls = [s.url for s in broker.optout.steps if s.action == "navigate"]
    return next((u for u in urls if u.startswith(("https://", "http://"))), broker.optout.url)
