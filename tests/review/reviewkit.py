"""What the review tests share: the person, their profile, their latest scan over the local
sites, and a terminal that answers from a list of lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reviewsite import ReviewSite

from helpers.sample import listing
from lowprofile.results import CheckResult, ScanReport, Severity, Status
from lowprofile.store import Store
from lowprofile.subject import Address, Name, Subject

SUBJECT = Subject(
    names=(Name.parse("Jane Doe"),),
    emails=("jane@example.org",),
    addresses=(Address(city="Austin", state="TX"),),
    birth_year=1985,
)
PROFILE = """names = [{ first = "Jane", last = "Doe" }]
emails = ["jane@example.org"]
birth_year = 1985
addresses = [{ city = "Austin", state = "TX" }]
"""


def save_scan(site: ReviewSite, *more: CheckResult) -> None:
    """The latest scan: the challenge site blocked, two sites manual, a listing found on the
    opt-out site (whose form has a captcha)."""
    found = replace(
        listing("formsite", "Local", ("name", "address"), Severity.HIGH), where=site.listing
    )
    query = "?name=Jane-Doe&where=Austin-TX"
    results = [
        CheckResult(
            "brokers",
            "gated",
            Status.BLOCKED,
            detail="a bot wall",
            url=f"{site.base}/gated/search{query}",
            source="gated",
        ),
        CheckResult(
            "brokers",
            "handsite",
            Status.MANUAL,
            url=f"{site.base}/manual/search{query}",
            source="handsite",
        ),
        CheckResult("brokers", "formsite", Status.FOUND, (found,), source="formsite"),
        CheckResult(
            "brokers",
            "deadsite",
            Status.MANUAL,
            url=f"{site.dead_base}/manual/search{query}",
            source="deadsite",
        ),
        *more,
    ]
    now = datetime.now(UTC)
    report = ScanReport(
        subject=SUBJECT.masked(), started=now, finished=now, checkers=["brokers"], results=results
    )
    with Store() as store:
        store.save(report, SUBJECT.person_id)


class Keys:
    """The person's terminal: lines to answer with, in order (then the end of input), and
    everything said and asked."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)
        self.said: list[str] = []
        self.asked: list[str] = []

    def say(self, line: str) -> None:
        self.said.append(line)

    async def ask(self, prompt: str) -> str | None:
        self.asked.append(prompt)
        return self.lines.pop(0) if self.lines else None
