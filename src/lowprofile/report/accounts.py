"""The terminal view of ``usernames check``: the accounts found, and counted lines for the rest.

A username check is not a doxing assessment: it has no risk box and no advice about data
brokers, only what was asked (which accounts exist) and how much could be asked. Sites that
could not be read are one counted line (the JSON lists them), and an account on an adult or
dating site is named without its address unless the person asks for it: the address spells
out the username next to the site.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lowprofile.report.base import clean_text, coverage_of, sites_of
from lowprofile.report.terminal import SENSITIVE_WORDS, is_sensitive
from lowprofile.results import Finding, ScanReport, Status

WAITING_WORDS = {
    Status.BLOCKED: "blocked the check",
    Status.CHANGED: "no longer answer as their rule says",
    Status.ERROR: "could not be read",
    Status.MANUAL: "only answer over plain http: not asked (open them yourself)",
    Status.SKIPPED: "were skipped",
}


class AccountsReport:
    """A rich renderable: ``console.print(AccountsReport(report))``."""

    def __init__(self, report: ScanReport, *, show_sensitive: bool = False) -> None:
        self.report = report
        self.show_sensitive = show_sensitive

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for part in self._parts():
            for segment in console.render(part, options):
                yield (
                    segment if segment.control else Segment(clean_text(segment.text), segment.style)
                )

    def _parts(self) -> Iterator[RenderableType]:
        sentence = coverage_of(self.report).sentence()
        yield Text(clean_text(sentence[:1].upper() + sentence[1:]), style="bold")
        accounts = [f for r in self.report.results for f in r.findings]
        if accounts:
            yield self._accounts(accounts)
        else:
            yield Text("No account under these usernames on the sites that answered.")
        for status, count in self._waiting().items():
            words = WAITING_WORDS.get(status, status.value)
            yield Text(
                f"{count} site{'s' if count != 1 else ''} {words} (--json lists them)", style="dim"
            )

    def _accounts(self, accounts: list[Finding]) -> Table:
        table = Table(
            title=f"{len(accounts)} account{'s' if len(accounts) != 1 else ''} found", expand=True
        )
        table.add_column("Site", ratio=2, overflow="fold")
        table.add_column("Where", ratio=5, overflow="fold")
        for finding in accounts:
            site = str(finding.evidence.get("site") or finding.title)
            hidden = is_sensitive(finding) and not self.show_sensitive
            where = (
                Text(SENSITIVE_WORDS, style="dim") if hidden else Text(clean_text(finding.where))
            )
            table.add_row(Text(clean_text(site)), where)
        return table

    def _waiting(self) -> dict[Status, int]:
        """Sites without an answer, counted per status (one line each, never a list)."""
        counts: dict[Status, int] = {}
        for site in sites_of(self.report.results):
            if site.status.is_answer or (
                site.status is Status.SKIPPED and not site.searches[0].source
            ):
                continue
            counts[site.status] = counts.get(site.status, 0) + 1
        return counts
