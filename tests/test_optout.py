"""Opt-out states from fixture scans, and the email drafts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes

import pytest

from helpers.sample import listing
from lowprofile.optout import draft_request, track
from lowprofile.results import CheckResult, OptOutState, ScanReport, Severity, Status
from lowprofile.store import OptOutRow
from lowprofile.subject import Address, Name, Subject

SUBMITTED, DUE, REMOVED = OptOutState.SUBMITTED, OptOutState.DUE, OptOutState.REMOVED
FAILED, RELISTED = OptOutState.FAILED, OptOutState.RELISTED

REQUEST = OptOutRow(1, "spokeo", date(2026, 1, 10), 30, "")


def scan_on(day: date, status: Status) -> ScanReport:
    findings = ()
    if status is Status.FOUND:
        findings = (listing("spokeo", "Spokeo", ("name", "address"), Severity.HIGH),)
    when = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    result = CheckResult("brokers", "spokeo: J*** D**", status, findings, source="spokeo")
    return ScanReport({}, when, when, ["brokers"], [result])


@pytest.mark.parametrize(
    ("scans", "today", "state"),
    [
        ([], date(2026, 1, 20), SUBMITTED),
        ([], date(2026, 2, 15), DUE),
        ([(date(2026, 1, 5), Status.FOUND)], date(2026, 2, 15), DUE),  # before the request
        ([(date(2026, 2, 12), Status.BLOCKED)], date(2026, 2, 15), DUE),  # no answer
        ([(date(2026, 2, 12), Status.NOT_FOUND)], date(2026, 2, 15), REMOVED),
        ([(date(2026, 2, 12), Status.FOUND)], date(2026, 2, 15), FAILED),
        ([(date(2026, 1, 20), Status.FOUND)], date(2026, 1, 25), SUBMITTED),  # too early to tell
        ([(date(2026, 2, 12), Status.NOT_FOUND), (date(2026, 4, 1), Status.FOUND)],
         date(2026, 4, 2), RELISTED),
    ],
)  # fmt: skip
def test_states(scans: list[tuple[date, Status]], today: date, state: str) -> None:
    reports = [scan_on(day, status) for day, status in scans]
    assert track(REQUEST, reports, today).state == state


def subject(state: str, country: str = "US") -> Subject:
    return Subject(
        names=(Name("Jane", "Doe", "Q"),),
        addresses=(Address("Springfield", state, country=country),),
        emails=("jane@example.com",),
        phones=("512-555-0142",),
        birth_year=1984,
    )


@pytest.mark.parametrize(
    ("state", "country", "words"),
    [("CA", "US", "California Consumer Privacy Act"), ("", "UK", "Article 17"),
     ("TX", "US", "Please remove all of my personal information")],
)  # fmt: skip
def test_draft_wording(state: str, country: str, words: str) -> None:
    message, mailto = draft_request(
        subject(state, country), "Example People", "privacy@example.com",
        ["https://example.com/p/1"], today=date(2026, 11, 24),
    )  # fmt: skip
    body = message.get_content()
    assert words in body or words in message["Subject"]
    assert "https://example.com/p/1" in body and "Jane Q Doe" in body
    assert "512" not in body and "1984" not in body  # only what is needed to find the record
    assert mailto.startswith("mailto:privacy@example.com?subject=")
    again = message_from_bytes(message.as_bytes())
    assert again["To"] == "privacy@example.com"
