"""The review's queue: every site the latest scan could not read and every opt-out that waits
for the person, in the order the plan would do them (risk removed per minute).

A search is queued when the scan's answer for the site was ``manual`` (no automatic search),
``blocked`` (a bot wall) or ``changed`` (a page the recipe does not know): the person, present,
can pass the wall or look. An opt-out is queued when a listing the scan found waits for the
person: its request needs them (``needs_you`` in the ledger), its steps hold a captcha, or the
broker has a web form with no steps at all. Opt-outs that play unattended are ``optout run``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from lowprofile.brokers.schema import Broker
from lowprofile.optout.drafts import listing_urls
from lowprofile.optout.ledger import state_at
from lowprofile.optout.model import Request, RequestState
from lowprofile.plan import HAND_SEARCH_MINUTES, build_plan
from lowprofile.results import Action, ScanReport, Status

QUEUED_STATUSES = (Status.MANUAL, Status.BLOCKED, Status.CHANGED)
"""What a scan said of a site that the person can answer in the window."""
OPTOUT_MINUTES = 5
"""A form filled as far as the steps go, a captcha and a submit: the estimate before any
sitting was measured."""
SETTLED = (RequestState.SUBMITTED, RequestState.AWAITING_REMOVAL, RequestState.EMAIL_PENDING)
"""Requests already on their way: an opt-out is not queued again while one waits."""


class Kind(StrEnum):
    """What the person does for an item: look at a search, or send an opt-out."""

    SEARCH = "search"
    OPTOUT = "optout"


@dataclass(frozen=True)
class Item:
    """One stop of the sitting: a site's prefilled search, or one listing's opt-out."""

    kind: Kind
    broker: Broker
    url: str
    """The page opened: the prefilled search, the listing to remove, or the broker's form."""
    why: str
    """What the scan or the ledger said: the reason this stop is here."""
    worth: float = 0.0
    """Risk points removed per minute, the plan's ordering."""
    minutes: float = HAND_SEARCH_MINUTES

    @property
    def key(self) -> str:
        """Stable across sittings: what the progress file remembers as answered."""
        return f"{self.kind}:{self.broker.id}:{self.url}"

    @property
    def reads_itself(self) -> bool:
        """A search whose recipe reads the page: the person only passes the wall."""
        return self.kind is Kind.SEARCH and self.broker.automatic

    @property
    def has_steps(self) -> bool:
        return self.kind is Kind.OPTOUT and bool(self.broker.optout.steps)


def build_queue(
    report: ScanReport,
    brokers: Mapping[str, Broker],
    requests: Sequence[Request] = (),
    *,
    kind: Kind | None = None,
    only: Iterable[str] = (),
    now: datetime | None = None,
) -> list[Item]:
    """The sitting's stops for the person of ``report`` (their latest scan) and ``requests``
    (their ledger), best worth per minute first; ``kind`` and ``only`` (broker ids) narrow it."""
    wanted = set(only)
    items = [
        *(_searches(report, brokers) if kind in (None, Kind.SEARCH) else []),
        *(_optouts(report, brokers, requests, now) if kind in (None, Kind.OPTOUT) else []),
    ]
    items = [item for item in items if not wanted or item.broker.id in wanted]
    worth = _worth(build_plan(report.results))
    valued = [Item(i.kind, i.broker, i.url, i.why, worth(i), i.minutes) for i in items]
    return sorted(valued, key=lambda i: (-i.worth, i.kind != Kind.OPTOUT, i.broker.id))


def _searches(report: ScanReport, brokers: Mapping[str, Broker]) -> list[Item]:
    """One stop per site (its first prefilled search): the person looks at a site once."""
    first: dict[str, Item] = {}
    for result in report.results:
        broker = brokers.get(result.source or "")
        if result.checker != "brokers" or broker is None or not result.url:
            continue
        if result.status in QUEUED_STATUSES and broker.id not in first:
            why = f"{result.status.value}: {result.detail}" if result.detail else result.status
            first[broker.id] = Item(Kind.SEARCH, broker, result.url, str(why))
    return list(first.values())


def _optouts(
    report: ScanReport,
    brokers: Mapping[str, Broker],
    requests: Sequence[Request],
    now: datetime | None,
) -> list[Item]:
    """One stop per listing the scan found or the ledger says needs you (a broker whose form
    has no steps: one stop for the site, the form being the same for every listing)."""
    moment = now or datetime.now(UTC)
    current = {(r.broker, r.listing): state_at(r, moment).state for r in requests}
    found = [(b, listing) for b in brokers for listing in listing_urls(report, b)]
    needing = [pair for pair, state in current.items() if state is RequestState.NEEDS_YOU]
    stops: dict[tuple[str, str], Item] = {}
    for broker_id, listing in dict.fromkeys([*found, *needing]):
        broker = brokers.get(broker_id)
        why = _waits_for_person(broker, current.get((broker_id, listing))) if broker else ""
        if broker is None or not why:
            continue
        url = listing if broker.optout.steps else broker.optout.url
        stops.setdefault(
            (broker_id, url), Item(Kind.OPTOUT, broker, url, why, minutes=OPTOUT_MINUTES)
        )
    return list(stops.values())


def _waits_for_person(broker: Broker, state: RequestState | None) -> str:
    """Why this listing's opt-out needs the person now ('' when it does not)."""
    if state in SETTLED or state is RequestState.CONFIRMED_REMOVED:
        return ""
    if state is RequestState.NEEDS_YOU:
        return "the last run needs you"
    steps = broker.optout.steps
    if any(step.action == "captcha" for step in steps):
        return "its form has a captcha"
    if not steps and broker.optout.method == "web form":
        return "a web form with no steps: fill it in the window"
    return ""


def _worth(plan: list[Action]) -> Callable[[Item], float]:
    """Each item's worth per minute: its broker's opt-out task, or the plan's hand-check task
    (``manual`` sites) or retry task (``blocked`` and ``changed``)."""
    by_broker = {
        site: action.per_minute
        for action in plan
        if action.id.startswith("optout:")
        for site in action.covers
    }
    tasks = {action.id: action.per_minute for action in plan}

    def worth(item: Item) -> float:
        if item.kind is Kind.OPTOUT:
            return by_broker.get(item.broker.id, 0.0)
        task = "hand-checks" if item.why.startswith(Status.MANUAL.value) else "retry-checks"
        return tasks.get(task, 0.0)

    return worth


def estimate_minutes(items: Sequence[Item], seconds_per_site: float | None = None) -> int:
    """About how long a sitting over ``items`` takes: measured seconds per site when a sitting
    was timed, else the plan's estimates; at least a minute when anything waits."""
    if not items:
        return 0
    if seconds_per_site is not None:
        total = seconds_per_site * len(items) / 60
    else:
        total = sum(item.minutes for item in items)
    return max(1, round(total))


def waiting_for_person(report: ScanReport, person: str, seconds_per_site: float | None) -> str:
    """The scheduled run's closing line: "N sites need you: run `lowprofile review` (about M
    minutes)", or '' when nothing does."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.optout.records import RequestLedger

    with RequestLedger(person) as ledger:
        requests = ledger.requests()
    items = build_queue(report, load_brokers().brokers, requests)
    if not items:
        return ""
    minutes = estimate_minutes(items, seconds_per_site)
    return f"{len(items)} sites need you: run `lowprofile review` (about {minutes} minutes)"
