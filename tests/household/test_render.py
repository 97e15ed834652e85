"""The household page and terminal with hostile text from a member's listing: escaped, never
a live link or markup."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from lowprofile.household.links import links_to_you
from lowprofile.household.render import render_html, terminal
from lowprofile.household.report import HouseholdReport, Scanned
from lowprofile.plan import assess_report
from lowprofile.results import CheckResult, Finding, Remedy, ScanReport, Status
from lowprofile.subject import Address, Name, Subject

JANE = Subject(names=(Name.parse("Jane Doe"),), addresses=(Address("Austin", "TX", "12 Elm St"),))
HOSTILE = "<script>alert(1)</script>[bold]x[/bold]"


def _report(findings: tuple[Finding, ...] = ()) -> ScanReport:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    results = [
        CheckResult("brokers", "*", Status.FOUND if findings else Status.NOT_FOUND, findings)
    ]
    return assess_report(ScanReport({}, when, when, ["brokers"], results))


def _household() -> HouseholdReport:
    listing = Finding(
        kind="broker_listing",
        title=f"Evil lists {HOSTILE}",
        where="javascript:alert(1)",
        remedy=Remedy(action="optout", summary="opt out", url="javascript:alert(2)"),
        evidence={"broker": "evil", "relatives": [], "addresses": [f"12 Elm St, Austin {HOSTILE}"]},
    )
    member = _report((listing,))
    you = Scanned("you", "p-you", _report())
    john = Scanned("John", "p-john", member)
    return HouseholdReport(you, [john], links_to_you(JANE, "John", member))


def test_the_page_escapes_what_a_listing_says() -> None:
    household = _household()
    assert household.links, "the hostile listing still shows her address"
    page = render_html(household)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_the_terminal_shows_markup_as_typed() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system=None)
    console.print(terminal(_household()))
    assert "[bold]x[/bold]" in out.getvalue()
