"""The opt-out ledger moved by scans: only a broker's real answer moves a request, the listing
gone is ``confirmed_removed``, back again ``reappeared``, still there after the re-check date
``failed``; a confirmation mail awaited past its window reads ``failed``."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from helpers.records import PERSON, all_requests
from helpers.sample import listing
from lowprofile.optout.ledger import DUE, EMAIL_WINDOW, advance, entry, listing_seen, state_at
from lowprofile.optout.model import Channel, Request, RequestEvent
from lowprofile.optout.records import RequestLedger, by_hand
from lowprofile.results import CheckResult, RequestState, ScanReport, Severity, Status
from lowprofile.store import MIGRATIONS, history_path

State = RequestState
LISTING = "https://www.spokeo.com/Jane-Doe/Texas/Austin/p123"
OTHER = "https://www.spokeo.com/Jane-Doe/Texas/Dallas/p456"
SENT_AT = datetime(2026, 1, 10, 12, tzinfo=UTC)


def request(*states: tuple[State, datetime], listing_url: str = LISTING) -> Request:
    events = tuple(RequestEvent(state, at, state.value) for state, at in states)
    return Request(1, PERSON, Channel.STEPS, "spokeo", SENT_AT.date(), 30, "", listing_url, events)


SENT = request((State.SUBMITTED, SENT_AT), (State.AWAITING_REMOVAL, SENT_AT))


def scan(day: date, *statuses: Status, urls: tuple[str, ...] = (LISTING,)) -> ScanReport:
    """A scan of spokeo on ``day``: one search per status; found ones show ``urls``."""
    results = []
    for status in statuses:
        found = ()
        if status in (Status.FOUND, Status.POSSIBLE):
            base = listing("spokeo", "Spokeo", ("name", "address"), Severity.HIGH)
            found = tuple(replace(base, where=url, key=url) for url in urls)
        results.append(CheckResult("brokers", "spokeo: J*** D**", status, found, source="spokeo"))
    when = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return ScanReport({}, when, when, ["brokers"], results)


def moved(req: Request, *reports: ScanReport) -> Request:
    """The request after each scan in turn, as the pipeline keeps it."""
    for report in reports:
        added = [e for _, e in advance([req], report).events]
        req = replace(req, events=(*req.events, *added))
    return req


@pytest.mark.parametrize(
    ("scans", "state"),
    [
        ([], State.AWAITING_REMOVAL),
        ([scan(date(2026, 1, 5), Status.NOT_FOUND)], State.AWAITING_REMOVAL),  # before it was sent
        ([scan(date(2026, 2, 12), Status.BLOCKED)], State.AWAITING_REMOVAL),  # no answer
        ([scan(date(2026, 2, 12), Status.NOT_FOUND, Status.BLOCKED)], State.AWAITING_REMOVAL),
        ([scan(date(2026, 2, 12), Status.NOT_FOUND)], State.CONFIRMED_REMOVED),
        ([scan(date(2026, 2, 12), Status.FOUND, urls=(OTHER,))], State.CONFIRMED_REMOVED),
        ([scan(date(2026, 1, 20), Status.FOUND)], State.AWAITING_REMOVAL),  # too early to tell
        ([scan(date(2026, 2, 12), Status.FOUND)], State.FAILED),  # after the 30 re-check days
        ([scan(date(2026, 2, 12), Status.NOT_FOUND), scan(date(2026, 4, 1), Status.POSSIBLE)],
         State.REAPPEARED),
        ([scan(date(2026, 2, 12), Status.NOT_FOUND), scan(date(2026, 4, 1), Status.BLOCKED)],
         State.CONFIRMED_REMOVED),
        ([scan(date(2026, 2, 12), Status.NOT_FOUND), scan(date(2026, 4, 1), Status.FOUND),
          scan(date(2026, 5, 1), Status.NOT_FOUND)], State.CONFIRMED_REMOVED),
    ],
)  # fmt: skip
def test_scans_move_a_request_only_on_a_real_answer(scans: list[ScanReport], state: State) -> None:
    assert moved(SENT, *scans).events[-1].state is state


def test_each_move_says_when_and_why() -> None:
    gone, back = scan(date(2026, 2, 12), Status.NOT_FOUND), scan(date(2026, 4, 1), Status.FOUND)
    req = moved(SENT, gone, back)
    removed, reappeared = req.events[-2:]
    assert (removed.state, removed.at) == (State.CONFIRMED_REMOVED, gone.started)
    assert removed.detail == "gone in the scan of 2026-02-12"
    assert reappeared.detail == "removed by 2026-02-12, listed again in the scan of 2026-04-01"
    assert entry(req, back.started).state is State.REAPPEARED
    assert state_at(req, back.started).state in DUE  # `optout run --due` sends it again


def test_a_request_for_the_whole_site_is_gone_only_when_nobody_is_listed() -> None:
    whole = request((State.AWAITING_REMOVAL, SENT_AT), listing_url="")
    other = scan(date(2026, 2, 12), Status.FOUND, urls=(OTHER,))
    assert listing_seen(other, "spokeo", "") is True
    assert listing_seen(other, "spokeo", LISTING) is False
    assert listing_seen(scan(date(2026, 2, 12)), "spokeo", "") is None  # not searched
    assert moved(whole, scan(date(2026, 2, 12), Status.NOT_FOUND)).events[-1].state is (
        State.CONFIRMED_REMOVED
    )


def test_a_mail_that_never_came_fails_after_its_window_and_the_next_scan_keeps_it() -> None:
    pending = request((State.SUBMITTED, SENT_AT), (State.EMAIL_PENDING, SENT_AT))
    assert entry(pending, SENT_AT + EMAIL_WINDOW - timedelta(minutes=1)).state is (
        State.EMAIL_PENDING
    )
    late = entry(pending, SENT_AT + EMAIL_WINDOW)
    assert late.state is State.FAILED
    assert late.detail == f"the confirmation email never arrived within {EMAIL_WINDOW.days} days"
    after = moved(pending, scan(date(2026, 1, 20), Status.BLOCKED))
    assert [e.state for e in after.events[-1:]] == [State.FAILED]  # kept, though nothing answered


def test_the_re_check_date_counts_from_the_last_submit() -> None:
    retried = request(
        (State.SUBMITTED, SENT_AT),
        (State.AWAITING_REMOVAL, SENT_AT),
        (State.SUBMITTED, SENT_AT + timedelta(days=40)),
        (State.AWAITING_REMOVAL, SENT_AT + timedelta(days=40)),
    )
    still = scan((SENT_AT + timedelta(days=45)).date(), Status.FOUND)
    assert moved(retried, still).events[-1].state is State.AWAITING_REMOVAL
    assert moved(SENT, still).events[-1].state is State.FAILED


def test_the_ledger_keeps_every_event_with_its_scan() -> None:
    with RequestLedger(PERSON) as ledger:
        first = ledger.add(by_hand(PERSON, "spokeo", date(2026, 1, 10), 30))
        ledger.add_events(
            [(first, RequestEvent(State.CONFIRMED_REMOVED, SENT_AT, "gone", scan_id=7))]
        )
        [row] = ledger.requests()
    assert [e.state for e in row.events] == [State.AWAITING_REMOVAL, State.CONFIRMED_REMOVED]
    assert entry(row, SENT_AT).evidence == "scan 7"


def test_a_request_from_an_older_history_awaits_removal(private_dirs: dict[str, Path]) -> None:
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old = sqlite3.connect(path)  # a history of schema 3: requests had only a date
    old.executescript("".join(MIGRATIONS[:3]) + "\nPRAGMA user_version = 3;")
    old.execute(
        "INSERT INTO optouts (broker, submitted, recheck_days, note) "
        "VALUES ('spokeo', '2026-01-10', 30, '')"
    )
    old.commit()
    old.close()
    [row] = all_requests()
    assert (row.listing, [e.state for e in row.events]) == ("", [State.AWAITING_REMOVAL])
    assert row.events[0].at == datetime(2026, 1, 10, tzinfo=UTC)


def test_looking_again_for_the_mail_does_not_stretch_its_window() -> None:
    later = SENT_AT + timedelta(days=2)
    pending = request(
        (State.SUBMITTED, SENT_AT),
        (State.EMAIL_PENDING, SENT_AT),
        (State.EMAIL_PENDING, later),  # `optout run --due` looked again: nothing yet
    )
    assert entry(pending, SENT_AT + EMAIL_WINDOW).state is State.FAILED


def test_a_damaged_ledger_row_is_named_and_costs_only_the_ledger_section(
    private_dirs: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    from helpers.sample import sample_report
    from lowprofile.errors import StoreError
    from lowprofile.pipeline import Outputs, deliver

    with RequestLedger(PERSON) as ledger:
        first = ledger.add(by_hand(PERSON, "spokeo", date(2026, 1, 10), 30))
        ledger.base.db.execute(
            "INSERT INTO request_events (request_id, state, at) VALUES (?, 'bogus', ?)",
            (first, SENT_AT.isoformat()),
        )
        ledger.base.db.commit()
        with pytest.raises(StoreError, match=r"opt-out event 2 is damaged \('bogus'"):
            ledger.requests()
    outcome = deliver(sample_report(), Outputs(save=True), person=PERSON)
    assert outcome.scan_id is not None and outcome.problems == []  # the scan is kept
    assert outcome.report.ledger == []
    assert "the opt-out ledger is left out of this report" in caplog.text
