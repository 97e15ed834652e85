"""The terminal report: the risk score with its reasons, a table per checker family, and the plan
as a checklist (``[ ]`` per task).

Every string that came from a web page or a file is wrapped in ``rich.text.Text`` so that scraped
text such as ``[bold]`` or ``[/]`` is shown as typed, never read as rich markup.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lowprofile.report.base import (
    SiteRow,
    assessment,
    clean_text,
    coverage_of,
    headline,
    incomplete_words,
    ledger_line,
    results_by_family,
    sites_of,
)
from lowprofile.results import (
    Action,
    CheckResult,
    Finding,
    Grade,
    Risk,
    ScanReport,
    Severity,
    Status,
)

STATUS_STYLE = {
    Status.FOUND: "bold red",
    Status.POSSIBLE: "yellow",
    Status.NOT_FOUND: "green",
    Status.BLOCKED: "magenta",
    Status.CHANGED: "magenta",
    Status.ERROR: "red",
    Status.MANUAL: "cyan",
    Status.SKIPPED: "dim",
}
SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
GRADE_STYLE = {
    Grade.SEVERE: "bold red",
    Grade.HIGH: "red",
    Grade.ELEVATED: "yellow",
    Grade.MODERATE: "cyan",
}
MAX_LINKS = 6
BRIEF_LINKS = 2
"""Links per task shown without ``--verbose``: enough to start, short enough to read."""
STATUS_WORDS = {
    Status.FOUND: "found",
    Status.POSSIBLE: "possible",
    Status.NOT_FOUND: "not found",
    Status.BLOCKED: "blocked: check by hand",
    Status.CHANGED: "page changed: check by hand",
    Status.ERROR: "error: check by hand",
    Status.MANUAL: "check by hand",
    Status.SKIPPED: "skipped",
}


BRIEF_NAMES = 8
"""Site names listed on a shared status line before "+N more"."""


def _waiting_words(status: Status, names: list[str]) -> str:
    if status is Status.MANUAL:
        return "no automatic search: their prefilled links are in the plan"
    shown = ", ".join(names[:BRIEF_NAMES])
    more = f" +{len(names) - BRIEF_NAMES} more (--verbose)" if len(names) > BRIEF_NAMES else ""
    if status is Status.SKIPPED:
        return "not searched (--verbose says why)"
    return shown + more


def _text(value: object, style: str = "") -> Text:
    """Report text as a rich Text: never read as markup, controls and bidi overrides shown as
    U+FFFD (rich passes ESC sequences from a hostile page straight to the terminal)."""
    return Text(clean_text(value), style=style)


def status_text(status: Status) -> Text:
    return Text(STATUS_WORDS[status], style=STATUS_STYLE[status])


def severity_text(severity: Severity) -> Text:
    return Text(severity.value, style=SEVERITY_STYLE[severity])


class TerminalReport:
    """A rich renderable: ``console.print(TerminalReport(report))``."""

    def __init__(
        self, report: ScanReport, *, show_not_found: bool = False, details: bool = False
    ) -> None:
        self.report = report
        self.show_not_found = show_not_found
        self.details = details
        """Every search on its own line (``--verbose``), not one line per site."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Every segment's text is cleaned once more on the way out: a backstop, so a string
        # added here later without ``_text`` still cannot reach the terminal as a control code.
        for part in self._parts():
            for segment in console.render(part, options):
                if segment.control:
                    yield segment
                else:
                    yield Segment(clean_text(segment.text), segment.style)

    def _parts(self) -> Iterator[RenderableType]:
        risk, plan = assessment(self.report)
        yield self._coverage_line()
        yield self._risk_panel(risk)
        if self.details:
            yield self._summary()
        families = results_by_family(self.report)
        if self.details:
            for checker_id, results in families:
                yield self._search_table(checker_id, results)
        else:
            yield self._sites_table(families)
            not_run = self._not_run(families)
            if not_run is not None:
                yield not_run
        yield self._plan(plan)
        if self.report.ledger:
            yield self._ledger()

    def _ledger(self) -> Panel:
        """Where the person's opt-out requests stand after this scan."""
        lines = [_text(f"• {ledger_line(entry)}") for entry in self.report.ledger]
        return Panel(Group(*lines), title="your opt-outs", expand=True)

    def _coverage_line(self) -> Text:
        coverage = coverage_of(self.report)
        style = "bold red" if coverage.offline else "bold yellow" if coverage.failed else "bold"
        return _text(coverage.sentence()[:1].upper() + coverage.sentence()[1:], style)

    def _risk_panel(self, risk: Risk) -> Panel:
        style = "bold yellow" if risk.incomplete else GRADE_STYLE.get(risk.grade, "cyan")
        lines = [Text(headline(risk), style=style)]
        if risk.incomplete:
            lines.append(Text(incomplete_words(self.report), style="yellow"))
        if self.report.findings:
            lines.append(self._findings_count())
        lines += [_text(f"• {reason}") for reason in risk.reasons]
        if not risk.reasons:
            lines.append(Text("No exposures were found in the sources that answered."))
        if risk.caveat and not risk.incomplete:  # an incomplete score has said it already
            lines.append(_text(f"! {risk.caveat}", "yellow"))
        return Panel(Group(*lines), title="doxing risk", expand=False)

    def _plan(self, plan: list[Action]) -> Panel:
        """The checklist: ``[ ]`` per task, with time, method, re-check, needs, command, links."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        for number, action in enumerate(plan, 1):
            lines = [_text(action.title, "bold")]
            meta = [f"about {action.minutes} min"]
            if action.method:
                meta.append(action.method)
            if action.recheck_days:
                meta.append(f"re-check after {action.recheck_days} days")
            if action.requires:
                meta.append("needs " + ", ".join(action.requires))
            lines.append(_text(" · ".join(meta), "dim"))
            # Steps and every link with --verbose (and in the HTML report); by default the
            # checklist stays a screenful: what to do, the command, the first links.
            if self.details or not (action.links or action.command):
                steps = action.steps if self.details else action.steps[:1]
                lines.extend(_text(f"- {step}") for step in steps)
            if action.command:
                lines.append(_text(f"$ {action.command}", "cyan"))
            links = action.links
            shown = MAX_LINKS if self.details else BRIEF_LINKS
            for link in links[:shown]:
                line = _text(f"{link.get('label', '')}: ", "dim")
                line.append(clean_text(link.get("url", "")), style="underline")
                lines.append(line)
            if len(links) > shown:
                more = len(links) - shown
                lines.append(Text(f"(+{more} more: --verbose or the HTML report)", style="dim"))
            grid.add_row(Text(f"{number}. [ ]"), Group(*lines))
            if self.details:
                grid.add_row("", "")
        return Panel(grid, title="what to do first", expand=True)

    def _findings_count(self) -> Text:
        counts = self.report.counts_by_severity()
        line = Text()
        total = sum(counts.values())
        line.append(f"{total} finding{'s' if total != 1 else ''}", style="bold")
        parts = [(s, counts[s.value]) for s in Severity if counts[s.value]]
        if parts:
            line.append(": ")
            for i, (severity, n) in enumerate(parts):
                if i:
                    line.append(", ")
                line.append(f"{n} {severity.value}", style=SEVERITY_STYLE[severity])
        return line

    def _summary(self) -> Panel:
        status = self.report.counts_by_status()
        hand = sum(status[s.value] for s in Status if s.needs_hand_check)
        lines = []
        checked = Text(
            f"{len(self.report.results)} checks: {status['not_found']} clean, "
            f"{status['found'] + status['possible']} with findings, {hand} to check by hand, "
            f"{status['skipped']} skipped"
        )
        lines.append(checked)
        return Panel(Group(*lines), title="lowprofile scan", expand=False)

    def _sites_table(self, families: list[tuple[str, list[CheckResult]]]) -> Table:
        """One table, one line per site (best status, its findings, a link to check by hand);
        sites with nothing to show but a status share one line per status."""
        table = Table(expand=True, show_lines=False)
        table.add_column("Site", overflow="fold", ratio=2)
        table.add_column("Status", ratio=2)
        table.add_column("Findings / what to do", overflow="fold", ratio=5)
        hidden = 0
        for checker_id, results in families:
            ran = [r for r in results if r.target != "*" or r.status is not Status.SKIPPED]
            if not ran:
                continue
            if len(families) > 1:
                table.add_row(_text(checker_id, "bold"), "", "")
            waiting: dict[Status, list[str]] = {}
            for site in sites_of(ran):
                if site.status is Status.NOT_FOUND and not self.show_not_found:
                    hidden += 1
                    continue
                if not site.findings and site.status not in (Status.NOT_FOUND, Status.FOUND):
                    waiting.setdefault(site.status, []).append(site.name)
                    continue
                table.add_row(_text(site.name), status_text(site.status), self._site_lines(site))
            for status, names in waiting.items():
                table.add_row(
                    Text(f"{len(names)} site{'s' if len(names) != 1 else ''}"),
                    status_text(status),
                    _text(_waiting_words(status, names), "dim"),
                )
        if hidden:
            table.caption = f"{hidden} clean site{'s' if hidden != 1 else ''} not shown"
        return table

    def _site_lines(self, site: SiteRow) -> Group:
        lines: list[Text] = []
        findings = [f for r in site.searches for f in r.findings]
        for finding in findings:
            lines += list(self._finding_lines(finding))
        if not findings and site.detail:
            lines.append(_text(site.detail, "dim"))
        if site.link:
            lines.append(_text(site.link, "underline"))
        if not site.verified and site.status.is_answer:
            lines.append(Text("recipe unverified against the live site", style="dim italic"))
        return Group(*lines)

    @staticmethod
    def _not_run(families: list[tuple[str, list[CheckResult]]]) -> Text | None:
        """Checkers that were not ready (no API key, nothing to check), on one line."""
        reasons = [
            f"{checker_id} ({r.detail})" if r.detail else checker_id
            for checker_id, results in families
            for r in results
            if r.target == "*" and r.status is Status.SKIPPED
        ]
        return _text("Not run: " + "; ".join(reasons), "dim") if reasons else None

    def _search_table(self, checker_id: str, results: list[CheckResult]) -> Table:
        table = Table(title=_text(checker_id, "bold"), expand=True, show_lines=False)
        table.add_column("Target", overflow="fold", ratio=2)
        table.add_column("Status", ratio=2)
        table.add_column("Findings / detail", overflow="fold", ratio=5)
        for result in results:
            table.add_row(
                _text(result.source or result.target),
                status_text(result.status),
                Group(*self._details(result)),
            )
        return table

    def _finding_lines(self, finding: Finding) -> Iterator[Text]:
        line = Text()
        line.append_text(severity_text(finding.severity))
        line.append(" ")
        line.append(clean_text(finding.title))
        if finding.confidence < 1.0:
            line.append(f" ({finding.confidence:.0%} sure)", style="dim")
        yield line
        if finding.where:
            yield _text(f"  {finding.where}", "dim")

    def _details(self, result: CheckResult) -> Iterator[Text]:
        for finding in result.findings:
            yield from self._finding_lines(finding)
        if result.detail:
            yield _text(result.detail, "dim")
        if result.url and result.status.needs_hand_check:
            yield _text(result.url, "underline")
        if not result.verified and result.status.is_answer:
            yield Text("recipe unverified against the live site", style="dim italic")
