"""Issue 25: one count model. A report with found, manual, blocked and error results, each site
searched several times, shows the same counts, in sites, in the terminal, the HTML, the JSON
and the plan; and a default rendering fits one screen however big the scan."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from lxml import html as lxml_html
from rich.console import Console

from helpers.sample import sample_results
from lowprofile.plan import SITTING_MINUTES, assess_report
from lowprofile.report.html import render_html
from lowprofile.report.json import dumps
from lowprofile.report.terminal import TerminalReport
from lowprofile.results import (
    CheckResult,
    Finding,
    LedgerEntry,
    RequestState,
    ScanReport,
    Severity,
    Status,
)

PLACES = ("A***** TX", "D***** TX", "H***** TX")


def searches(source: str, status: Status, checker: str = "brokers") -> list[CheckResult]:
    """One site searched for three places: three results, three URLs, one site."""
    return [
        CheckResult(
            checker,
            f"{source}: J*** D**, {place}",
            status,
            detail=f"{status.value} at {source}",
            url=f"https://{source}.example/search?city={i}",
            source=source,
        )
        for i, place in enumerate(PLACES)
    ]


def listing(source: str) -> CheckResult:
    finding = Finding(
        kind="broker_listing",
        title=f"{source} lists your address",
        where=f"https://{source}.example/jane",
        exposed=("name", "address"),
        severity=Severity.HIGH,
        evidence={"broker": source},
    )
    return CheckResult("brokers", f"{source}: J*** D**", Status.FOUND, (finding,), source=source)


def mixed_report() -> ScanReport:
    results = [listing("spokeo"), *searches("spokeo", Status.ERROR)]
    results += searches("fastpeoplesearch", Status.BLOCKED) + searches("radaris", Status.ERROR)
    results += searches("411", Status.MANUAL) + searches("checkpeople", Status.MANUAL)
    results += searches("clustrmaps", Status.NOT_FOUND)
    results += [r for i in range(5) for r in searches(f"user{i}", Status.ERROR, "usernames")[:1]]
    results += searches("plainhttp", Status.MANUAL, "usernames")[:1]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    subject = {"names": ["J*** D**"], "usernames": ["j***84"], "emails": [], "photo_dirs": 0}
    return assess_report(ScanReport(subject, now, now, ["brokers", "usernames"], results))


EXPECTED = {"searched": 9, "answered": 2, "unreadable": 7, "by_hand": 3}
"""spokeo and clustrmaps answered; fastpeoplesearch, radaris and 5 username sites could not
be read; 411, checkpeople and one username site have no automatic search."""


def terminal(report: ScanReport, details: bool = False, width: int = 80) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    console.print(TerminalReport(report, details=details))
    return " ".join(out.getvalue().replace("│", " ").split())


def counts_in(text: str) -> dict[str, int]:
    """The counts as a reader finds them in a rendering (terminal or HTML text)."""
    found = {
        "unreadable": re.search(r"could not read (\d+) sites", text),
        "by_hand": re.search(r"(\d+) sites to check by hand", text),
        "plan_by_hand": re.search(r"Search (\d+) sites by hand", text),
        "plan_unreadable": re.search(r"(\d+) sites could not be read this time", text),
        "searched": re.search(r"(\d+) sites searched", text),
        "answered": re.search(r"searched, (\d+) answered", text),
    }
    return {key: int(match.group(1)) for key, match in found.items() if match}


def test_every_view_shows_the_same_counts_in_sites() -> None:
    report = mixed_report()
    data = __import__("json").loads(dumps(report))
    assert data["coverage"]["counts"] == EXPECTED
    assert data["risk"]["unchecked"] == EXPECTED["unreadable"] + EXPECTED["by_hand"]
    plan = {a["id"]: a for a in data["plan"]}
    assert plan["hand-checks"]["title"].startswith(f"Search {EXPECTED['by_hand']} sites")
    assert plan["retry-checks"]["title"].startswith(f"{EXPECTED['unreadable']} sites could")
    want = EXPECTED | {
        "plan_by_hand": EXPECTED["by_hand"],
        "plan_unreadable": EXPECTED["unreadable"],
    }
    page = lxml_html.fromstring(render_html(report)).text_content()
    assert counts_in(" ".join(page.split())) == want
    assert counts_in(terminal(report, details=True)) == want


def test_hand_check_minutes_are_per_site_and_fit_a_sitting() -> None:
    report = mixed_report()
    plan = {a.id: a for a in report.plan}
    assert plan["hand-checks"].minutes == 2 * 2  # two people-search sites, not six URLs
    big = mixed_report()
    big.results += [r for i in range(400) for r in searches(f"site{i}", Status.ERROR)]
    assess_report(big)
    retry = next(a for a in big.plan if a.id == "retry-checks")
    assert retry.minutes <= SITTING_MINUTES
    assert any("more than one sitting" in step for step in retry.steps)
    # A username site's link spells out the username: it is not among the plan's links.
    assert not any("user" in link["url"] for link in retry.links)


def lines_of(report: ScanReport, details: bool = False) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system=None)
    console.print(TerminalReport(report, details=details))
    return out.getvalue().splitlines()


def test_a_big_scan_fits_one_screen_and_verbose_is_per_site() -> None:
    report = mixed_report()
    report.results += [listing(f"broker{i}") for i in range(40)]
    assess_report(report)
    before = len(lines_of(report, details=True))
    failed = [r for i in range(700) for r in searches(f"wmn{i}", Status.ERROR, "usernames")[:1]]
    report.results += failed + [r for i in range(30) for r in searches(f"b{i}", Status.ERROR)]
    assess_report(report)
    verbose = lines_of(report, details=True)
    assert not any("wmn1" in line for line in verbose)  # 705 failed username sites: one line
    # 30 more people-search sites that failed, 90 URLs: one line each (two when it wraps).
    assert before < len(verbose) <= before + 2 * 30 + 5
    # Whatever else a scan holds (every family and status, many tasks, a long ledger), the
    # default view stays one screen.
    for status in (Status.BLOCKED, Status.CHANGED, Status.MANUAL, Status.SKIPPED):
        for checker in ("brokers", "usernames"):
            report.results += [
                searches(f"{checker}{status}{i}", status, checker)[0] for i in range(50)
            ]
    report.results += sample_results()
    report.checkers += ["xposedornot", "hibp", "photos", "social"]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    report.ledger = [
        LedgerEntry(f"b{i}", "", RequestState.SUBMITTED, now, "sent") for i in range(20)
    ]
    assess_report(report)
    brief = lines_of(report)
    assert len(brief) <= 60, "\n".join(brief)
