"""The ledger's state rules at their edges (issue 29's mutation run: each test here was written
for a change to ``optout/ledger.py`` that ``test_ledger.py`` let through). Dates, details and
entries are written out as literals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from helpers.records import PERSON
from helpers.sample import listing
from lowprofile.optout.ledger import (
    advance,
    entry,
    last_sent,
    listing_seen,
    recheck_on,
    scan_events,
    state_at,
)
from lowprofile.optout.model import Channel, Request, RequestEvent
from lowprofile.results import CheckResult, LedgerEntry, RequestState, ScanReport, Severity, Status

State = RequestState
PAGE = "https://www.spokeo.com/Jane-Doe/Texas/Austin/p123"
SENT_AT = datetime(2026, 1, 10, 12, tzinfo=UTC)


def _request(*events: RequestEvent, listing_url: str = PAGE, id_: int = 1) -> Request:
    return Request(id_, PERSON, Channel.STEPS, "spokeo", date(2026, 1, 10), 30, "", listing_url,
                   events)  # fmt: skip


def _ev(state: State, at: datetime, detail: str = "", evidence: str = "") -> RequestEvent:
    return RequestEvent(state, at, detail or state.value, evidence)


SENT = _request(
    _ev(State.SUBMITTED, SENT_AT, "sent", "shots/1"), _ev(State.AWAITING_REMOVAL, SENT_AT)
)


def _scan(when: datetime, *results: CheckResult) -> ScanReport:
    return ScanReport({}, when, when, ["brokers"], list(results))


def _found(*urls: str, checker: str = "brokers", source: str = "spokeo") -> CheckResult:
    base = listing("spokeo", "Spokeo", ("name", "address"), Severity.HIGH)
    found = tuple(replace(base, where=u, key=u) for u in urls)
    return CheckResult(checker, "spokeo: J*** D**", Status.FOUND, found, source=source)


def _none(source: str = "spokeo", checker: str = "brokers") -> CheckResult:
    return CheckResult(checker, "spokeo: J*** D**", Status.NOT_FOUND, (), source=source)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_only_this_brokers_searches_count() -> None:
    """Another broker's blocked search, or a breach checker's result with the same source
    name, says nothing about this listing."""
    other = CheckResult("brokers", "x", Status.BLOCKED, (), source="whitepages")
    same_name = CheckResult("hibp", "x", Status.BLOCKED, (), source="spokeo")
    assert listing_seen(_scan(SENT_AT, _none(), other), "spokeo", PAGE) is False
    assert listing_seen(_scan(SENT_AT, _none(), same_name), "spokeo", PAGE) is False


@pytest.mark.parametrize(
    "shown",
    [PAGE, PAGE + "/", PAGE + "#top", PAGE + "/#top"],
)
def test_a_listing_is_the_same_page_with_or_without_slash_or_fragment(shown: str) -> None:
    assert listing_seen(_scan(SENT_AT, _found(shown)), "spokeo", PAGE) is True
    assert listing_seen(_scan(SENT_AT, _found(PAGE)), "spokeo", shown) is True


@pytest.mark.parametrize(
    "other",
    [
        "https://www.spokeo.com/Jane-Doe/Texas/Austin/p1234",
        "https://www.spokeo.com/Jane-Doe/Texas/Austin/p123/photos",
        "//www.spokeo.com/Jane-Doe/Texas/Austin/p123",
        "https://www.spokeo.com/Jane-Doe/Texas/Austin/p123 x",
    ],
)
def test_another_page_is_another_listing(other: str) -> None:
    assert listing_seen(_scan(SENT_AT, _found(other)), "spokeo", PAGE) is False


def test_a_mail_awaited_past_its_window_failed_when_the_window_closed() -> None:
    pending = _request(
        _ev(State.SUBMITTED, SENT_AT),
        _ev(State.EMAIL_PENDING, SENT_AT, evidence="shots/7"),
        _ev(State.EMAIL_PENDING, SENT_AT + timedelta(days=2)),  # looked again: not later
    )
    assert state_at(pending, SENT_AT + timedelta(days=2, hours=23)).state is State.EMAIL_PENDING
    failed = state_at(pending, SENT_AT + timedelta(days=5))
    assert failed == RequestEvent(
        State.FAILED,
        datetime(2026, 1, 13, 12, tzinfo=UTC),
        "the confirmation email never arrived within 3 days",
        "",
    )
    one = _request(_ev(State.EMAIL_PENDING, SENT_AT, evidence="shots/8"))
    assert state_at(one, SENT_AT + timedelta(days=3)).evidence == "shots/8"


def test_the_window_failure_is_written_down_by_the_next_scan() -> None:
    pending = _request(_ev(State.SUBMITTED, SENT_AT), _ev(State.EMAIL_PENDING, SENT_AT))
    added = scan_events(pending, _scan(_at(date(2026, 1, 20))))
    assert [(e.state, e.at) for e in added] == [
        (State.FAILED, datetime(2026, 1, 13, 12, tzinfo=UTC))
    ]


def test_a_scan_at_the_very_time_of_the_last_event_still_counts() -> None:
    assert [e.state for e in scan_events(SENT, _scan(SENT_AT, _none()))] == [
        State.CONFIRMED_REMOVED
    ]


def test_the_removal_is_dated_in_utc() -> None:
    """A scan's local start time is kept in UTC, the calendar day too."""
    local = datetime(2026, 2, 12, 1, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
    [gone] = scan_events(SENT, _scan(local, _none()))
    assert gone.at.tzinfo is UTC and gone.at == datetime(2026, 2, 12, 1, 30, tzinfo=UTC)
    assert gone.detail == "gone in the scan of 2026-02-12"


def test_still_listed_on_the_recheck_day_is_a_failure_with_its_day() -> None:
    due = recheck_on(SENT)
    assert due == date(2026, 2, 9)
    assert scan_events(SENT, _scan(_at(due - timedelta(days=1)), _found(PAGE))) == []
    [failed] = scan_events(SENT, _scan(_at(due), _found(PAGE)))
    assert failed == RequestEvent(
        State.FAILED,
        _at(due),
        "still listed in the scan of 2026-02-09, after the re-check date",
    )


def test_the_wait_starts_again_from_the_last_form_sent() -> None:
    resent = _request(
        _ev(State.SUBMITTED, SENT_AT),
        _ev(State.FAILED, SENT_AT + timedelta(days=31)),
        _ev(State.SUBMITTED, SENT_AT + timedelta(days=40)),
        _ev(State.AWAITING_REMOVAL, SENT_AT + timedelta(days=40)),
    )
    assert last_sent(resent) == SENT_AT + timedelta(days=40)
    assert recheck_on(resent) == date(2026, 3, 21)
    by_hand = _request(_ev(State.AWAITING_REMOVAL, SENT_AT + timedelta(days=3)))
    assert last_sent(by_hand) is None
    assert recheck_on(by_hand) == date(2026, 2, 9)  # from the day it was recorded as sent


def test_advance_moves_every_request_but_the_registrys() -> None:
    registry = replace(_request(_ev(State.SUBMITTED, SENT_AT), id_=2), channel=Channel.REGISTRY)
    second = _request(_ev(State.SUBMITTED, SENT_AT), _ev(State.AWAITING_REMOVAL, SENT_AT), id_=3)
    report = _scan(_at(date(2026, 2, 12)), _none())
    moved = advance([SENT, registry, second], report)
    gone = RequestEvent(
        State.CONFIRMED_REMOVED, _at(date(2026, 2, 12)), "gone in the scan of 2026-02-12"
    )
    assert moved.events == [(1, gone), (3, gone)]
    assert moved.entries == [
        LedgerEntry(
            "spokeo", PAGE, State.CONFIRMED_REMOVED, gone.at, gone.detail, "shots/1", SENT_AT
        ),
        LedgerEntry("spokeo", PAGE, State.CONFIRMED_REMOVED, gone.at, gone.detail, "", SENT_AT),
    ]


def test_an_entry_says_when_the_recheck_is_due() -> None:
    early = entry(SENT, _at(date(2026, 2, 8)))
    assert early.detail == "awaiting_removal"
    due = entry(SENT, _at(date(2026, 2, 9)))
    assert due.detail == ("awaiting_removal; re-check due since 2026-02-09: run lowprofile scan")
    removed = _request(_ev(State.SUBMITTED, SENT_AT), _ev(State.CONFIRMED_REMOVED, SENT_AT))
    assert entry(removed, _at(date(2026, 6, 1))).detail == "confirmed_removed"


def test_an_entry_keeps_the_newest_evidence_and_the_first_send() -> None:
    req = _request(
        _ev(State.NEEDS_YOU, SENT_AT - timedelta(days=2)),
        _ev(State.SUBMITTED, SENT_AT, evidence="shots/1"),
        _ev(State.SUBMITTED, SENT_AT + timedelta(days=1), evidence="shots/2"),
        _ev(State.AWAITING_REMOVAL, SENT_AT + timedelta(days=1)),
    )
    got = entry(req, SENT_AT + timedelta(days=2))
    assert got == LedgerEntry(
        "spokeo", PAGE, State.AWAITING_REMOVAL, SENT_AT + timedelta(days=1), "awaiting_removal",
        "shots/2", SENT_AT,
    )  # fmt: skip
    scanned = replace(
        req, events=(*req.events, RequestEvent(State.REAPPEARED, SENT_AT, "x", "", 42))
    )
    assert entry(scanned, SENT_AT).evidence == "scan 42"


def test_an_entry_with_no_evidence_says_none() -> None:
    bare = _request(_ev(State.NEEDS_YOU, SENT_AT))
    assert entry(bare, SENT_AT).evidence == ""
    assert entry(bare, SENT_AT).submitted is None


def test_a_request_recorded_as_sent_by_hand_was_sent_at_its_first_event() -> None:
    by_hand = _request(
        _ev(State.AWAITING_REMOVAL, SENT_AT), _ev(State.CONFIRMED_REMOVED, SENT_AT + timedelta(1))
    )
    assert entry(by_hand, SENT_AT + timedelta(days=2)).submitted == SENT_AT
    never = _request(_ev(State.NEEDS_YOU, SENT_AT), _ev(State.FAILED, SENT_AT + timedelta(1)))
    assert entry(never, SENT_AT + timedelta(days=2)).submitted is None
