"""The household report drawn three ways: the terminal, JSON and one HTML page.

The terminal and the page open with the links to the user (the part only a household scan can
show), then each person's own report. Every string from a page is untrusted: the terminal wraps
it in ``Text`` and cleans it, the page goes through the single report's escaping rules
(``report.html.page_environment``: autoescape, cleaned text, links only for http(s)).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from lowprofile.household.report import HouseholdReport, Scanned
from lowprofile.report.json import write_json_text
from lowprofile.results import json_text

if TYPE_CHECKING:
    from jinja2 import Template
    from rich.console import RenderableType


def dumps(household: HouseholdReport) -> str:
    return json_text(household.to_dict(), indent=2) + "\n"


def write_json(household: HouseholdReport, destination: str) -> None:
    """Write to a file (0600, atomically) or to stdout when ``destination`` is ``-``."""
    write_json_text(dumps(household), destination)


def terminal(household: HouseholdReport, *, details: bool = False) -> RenderableType:
    """The links to the user first, then each person's report under their name."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    from lowprofile.report.base import clean_text
    from lowprofile.report.terminal import TerminalReport

    def text(value: object, style: str = "") -> Text:
        return Text(clean_text(str(value)), style=style)

    names = ", ".join(m.name for m in household.members)
    parts: list[RenderableType] = [
        text(f"Household scan: you and {len(household.members)} member(s) ({names})", "bold")
    ]
    lines: list[RenderableType] = []
    for link in household.links:
        lines.append(text(f"• {link.member}: {link.finding.title}", "bold"))
        lines.append(text(f"  {link.finding.where}"))
        lines += [text(f"  {why}") for why in link.why]
        lines.append(text(f"  opt-out (for {link.member}, who is the one listed):"))
        if link.finding.remedy is not None and link.finding.remedy.url:
            lines.append(text(f"    {link.finding.remedy.url}"))
        lines += [text(f"    {command}") for command in link.commands]
        if link.states:
            lines.append(text(f"  {link.member}'s request: {', '.join(link.states)}"))
    if not lines:
        lines.append(text("No member's listing names you or shows your address."))
    parts.append(Panel(Group(*lines), title="links to you", expand=True))
    for person in household.everyone:
        parts.append(Rule(text(_heading(person, household), "bold")))
        parts.append(TerminalReport(person.report, details=details))
    return Group(*parts)


@cache
def _template() -> Template:
    from lowprofile.report.html import page_environment

    text = resources.files("lowprofile.household").joinpath("household.html.j2").read_text("utf-8")
    return page_environment().from_string(text)


def _heading(person: Scanned, household: HouseholdReport) -> str:
    return "You" if person is household.you else f"{person.name} (household member)"


def _person(person: Scanned, household: HouseholdReport) -> dict[str, Any]:
    from lowprofile.report.base import assessment, findings_in_order, headline

    risk, plan = assessment(person.report)
    return {
        "name": _heading(person, household),
        "headline": headline(risk),
        "findings": [row.finding for row in findings_in_order(person.report)],
        "plan": [a for a in plan if a.kind != "emergency"][:10],
        "ledger": person.report.ledger,
    }


def render_html(household: HouseholdReport) -> str:
    """The one household page: the links to the user, then each person's findings and plan."""
    return _template().render(
        links=household.links,
        people=[_person(p, household) for p in household.everyone],
    )
