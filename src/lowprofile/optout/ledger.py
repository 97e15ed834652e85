"""The opt-out ledger: where each request stands, moved only by what is known.

A run that sends a form writes ``submitted`` (then ``email_pending`` while the broker's mail is
awaited, then ``awaiting_removal``); a form that changed or a mail that never came is
``failed``, a captcha nobody was there to solve ``needs you``. After that only a scan moves a
request, and only a scan in which the broker gave a real answer: the listing gone is
``confirmed_removed``, back again after that ``reappeared``, still there after the broker's
re-check time ``failed``. A blocked or broken search says nothing and moves nothing.

Every state is an event kept in the history with its time, why, and its evidence (the screenshot
folder of a run, the scan that showed it), so the ledger survives ``history prune``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from lowprofile.optout.drafts import listing_urls
from lowprofile.optout.model import Channel, Request, RequestEvent
from lowprofile.results import LedgerEntry, RequestState, ScanReport, Status

EMAIL_WINDOW = timedelta(days=3)
"""How long a broker's confirmation mail may take before the request is ``failed``: brokers
send it within minutes, and their links expire in a day or two."""
ANSWERED = (Status.FOUND, Status.POSSIBLE, Status.NOT_FOUND)
SENT = (
    RequestState.SUBMITTED,
    RequestState.EMAIL_PENDING,
    RequestState.AWAITING_REMOVAL,
)
"""States in which the broker has the request and the ledger waits for a scan to tell."""
DUE = (RequestState.REAPPEARED, RequestState.FAILED, RequestState.NEEDS_YOU)
"""States a retry (``optout run --due``, the monthly run) sends again."""


def listing_seen(report: ScanReport, broker: str, listing: str) -> bool | None:
    """Whether ``report`` shows ``listing`` on ``broker``: True, False only when every search of
    that broker got a real answer, None when it cannot tell (not searched, blocked, changed).
    A request for the whole site ('' listing) is seen when the site lists anyone by that name."""
    results = [r for r in report.results if r.checker == "brokers" and r.source == broker]
    listed = listing_urls(report, broker)
    found = any(r.status in (Status.FOUND, Status.POSSIBLE) for r in results)
    if (listing and _same(listing, listed)) or (not listing and found):
        return True
    if results and all(r.status in ANSWERED for r in results):
        return False
    return None


def _same(listing: str, listed: list[str]) -> bool:
    """One page, whatever its fragment and trailing slash (``…/p123/#top`` is ``…/p123``)."""
    wanted = listing.split("#")[0].rstrip("/")
    return any(url.split("#")[0].rstrip("/") == wanted for url in listed)


def state_at(request: Request, now: datetime) -> RequestEvent:
    """The request's current event; a mail awaited past its window reads ``failed`` from then
    (the stored events are kept as they were: the next scan writes that failure down). The
    window runs from the first of the latest ``email_pending`` events: looking again in the
    mailbox does not make the broker's mail later."""
    last = request.events[-1]
    if last.state is not RequestState.EMAIL_PENDING:
        return last
    waiting = last
    for event in reversed(request.events):
        if event.state is not RequestState.EMAIL_PENDING:
            break
        waiting = event
    if now >= waiting.at + EMAIL_WINDOW:
        days = EMAIL_WINDOW.days
        return RequestEvent(
            RequestState.FAILED,
            waiting.at + EMAIL_WINDOW,
            f"the confirmation email never arrived within {days} days",
            last.evidence,
        )
    return last


def scan_events(request: Request, report: ScanReport) -> list[RequestEvent]:
    """What ``report`` (a scan newer than the request's last event) adds to the request."""
    last = state_at(request, report.started)
    if report.started < last.at:
        return []
    added = [] if last is request.events[-1] else [last]
    seen = listing_seen(report, request.broker, request.listing)
    when = report.started.astimezone(UTC)
    day = when.date().isoformat()
    if seen is False and last.state is not RequestState.CONFIRMED_REMOVED:
        added.append(
            RequestEvent(RequestState.CONFIRMED_REMOVED, when, f"gone in the scan of {day}")
        )
    elif seen is True and last.state is RequestState.CONFIRMED_REMOVED:
        removed = last.at.date().isoformat()
        detail = f"removed by {removed}, listed again in the scan of {day}"
        added.append(RequestEvent(RequestState.REAPPEARED, when, detail))
    elif seen is True and last.state in SENT and when.date() >= recheck_on(request):
        detail = f"still listed in the scan of {day}, after the re-check date"
        added.append(RequestEvent(RequestState.FAILED, when, detail))
    return added


def last_sent(request: Request) -> datetime | None:
    """When the steps last sent the request's form (None: never, e.g. recorded by hand)."""
    sent = [e.at for e in request.events if e.state is RequestState.SUBMITTED]
    return sent[-1] if sent else None


def recheck_on(request: Request) -> date:
    """When a listing still there means the request failed: the broker's re-check days after
    the request was last sent (a retry starts the wait again)."""
    sent = last_sent(request)
    start = sent.date() if sent is not None else request.submitted
    return start + timedelta(days=request.recheck_days)


@dataclass(frozen=True)
class Advance:
    """What one scan does to the ledger: the entries as it leaves them, and the new events to
    keep once the scan is saved (with its id)."""

    entries: list[LedgerEntry]
    events: list[tuple[int, RequestEvent]]


def advance(requests: list[Request], report: ScanReport) -> Advance:
    """Every people-search request moved by ``report`` (a registry email is moved by its
    answer and the person, not by a search)."""
    entries, events = [], []
    for request in requests:
        if request.channel is Channel.REGISTRY:
            continue
        added = scan_events(request, report)
        events += [(request.id, e) for e in added]
        moved = replace(request, events=(*request.events, *added))
        entries.append(entry(moved, report.started))
    return Advance(entries, events)


def entry(request: Request, now: datetime) -> LedgerEntry:
    """The request as it stands at ``now``, as the report and ``optout status`` show it."""
    current = state_at(request, now)
    detail = current.detail
    if current.state in SENT and now.date() >= recheck_on(request):
        detail += f"; re-check due since {recheck_on(request).isoformat()}: run lowprofile scan"
    evidence = _evidence(current) or next(
        (_evidence(e) for e in reversed(request.events) if _evidence(e)), ""
    )
    sent = [e.at for e in request.events if e.state is RequestState.SUBMITTED]
    first_sent = sent[0] if sent else None
    if first_sent is None and any(e.state in SENT for e in request.events):
        first_sent = request.events[0].at
    return LedgerEntry(
        request.broker,
        request.listing,
        current.state,
        current.at,
        detail,
        evidence,
        first_sent,
    )


def _evidence(event: RequestEvent) -> str:
    """What backs an event: its screenshot folder, or the scan that showed it."""
    return event.evidence or (f"scan {event.scan_id}" if event.scan_id else "")
