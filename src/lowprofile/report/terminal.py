"""The terminal report: the risk score with its reasons, a table per checker family, and the plan
as a checklist (``[ ]`` per task).

Every string that came from a web page or a file is wrapped in ``rich.text.Text`` so that scraped
text such as ``[bold]`` or ``[/]`` is shown as typed, never read as rich markup.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    OverflowMethod,
    RenderableType,
    RenderResult,
)
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lowprofile.coverage import family_words
from lowprofile.report.base import (
    SiteRow,
    assessment,
    clean_text,
    counts_line,
    coverage_of,
    headline,
    incomplete_words,
    kind_lines,
    ledger_line,
    results_by_family,
    scope_words,
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
BRIEF_LINKS = 1
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


BRIEF_NAMES = 3
"""Site names listed on a shared status line before "+N more" (all of them with --verbose)."""
LIST_SITES_UP_TO = 40
"""A status shared by more sites than this is one counted line even with --verbose (the 700
username sites that could not be read): the HTML report and the JSON list them."""
BRIEF_SITES = 6
"""Sites with findings shown without --verbose; the rest are counted in one line."""
BRIEF_TASKS = 4
"""Plan tasks shown without --verbose (the emergency steps are always named last)."""
BRIEF_REASONS = 3
BRIEF_LEDGER = 4
SENSITIVE_WORDS = "link hidden: an adult or dating site (--show-sensitive shows it)"


def _waiting_words(status: Status, names: list[str], details: bool) -> str:
    """What a group of sites sharing a status waits for, naming a few (all with --verbose,
    none when there are too many to read)."""
    if status is Status.MANUAL:
        return "no automatic search: links in the plan"
    if status is Status.SKIPPED:
        return "not searched (--verbose says why)"
    if len(names) > LIST_SITES_UP_TO:
        return "named in the HTML and JSON reports"
    limit = len(names) if details else BRIEF_NAMES
    shown = ", ".join(names[:limit])
    more = f" +{len(names) - limit} more (--verbose)" if len(names) > limit else ""
    return shown + more


def _text(value: object, style: str = "") -> Text:
    """Report text as a rich Text: never read as markup, controls and bidi overrides shown as
    U+FFFD (rich passes ESC sequences from a hostile page straight to the terminal)."""
    return Text(clean_text(value), style=style)


BRIEF_STATUS_WORDS = STATUS_WORDS | {
    Status.BLOCKED: "blocked",
    Status.CHANGED: "page changed",
    Status.ERROR: "could not read",
}
"""Statuses in the one-screen table, where the plan says what to check by hand."""


def status_text(status: Status, brief: bool = False) -> Text:
    words = BRIEF_STATUS_WORDS if brief else STATUS_WORDS
    return Text(words[status], style=STATUS_STYLE[status])


def severity_text(severity: Severity) -> Text:
    return Text(severity.value, style=SEVERITY_STYLE[severity])


class TerminalReport:
    """A rich renderable: ``console.print(TerminalReport(report))``.

    By default it fits one screen whatever the scan: sites sharing a status share a line, the
    plan shows its first tasks, every list is capped. ``details`` (``--verbose``) adds what each
    site said, every site name and every step, still one line per site, never per search."""

    def __init__(
        self,
        report: ScanReport,
        *,
        show_not_found: bool = False,
        details: bool = False,
        show_sensitive: bool = False,
    ) -> None:
        self.report = report
        self.show_not_found = show_not_found
        self.details = details
        self.show_sensitive = show_sensitive
        """Print the address of accounts on adult or dating sites (hidden unless asked)."""

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
        scope = scope_words(self.report)
        if scope:
            yield _text(scope, "bold yellow")  # what was not checked comes first
        yield self._coverage_line()
        yield self._risk_panel(risk, said=bool(scope))
        if self.details:
            yield self._summary()
        families = results_by_family(self.report)
        yield self._sites_table(families)
        not_run = self._not_run(families)
        if not_run is not None:
            yield not_run
        yield self._plan(plan)
        if self.report.ledger:
            yield self._ledger()

    def _ledger(self) -> Panel:
        """Where the person's opt-out requests stand after this scan."""
        entries = self.report.ledger
        shown = entries if self.details else entries[:BRIEF_LEDGER]
        lines = [_text(f"• {ledger_line(entry)}") for entry in shown]
        if len(entries) > len(shown):
            more = len(entries) - len(shown)
            lines.append(Text(f"(+{more} more: lowprofile optout status)", style="dim"))
        return Panel(Group(*lines), title="your opt-outs", expand=True)

    def _coverage_line(self) -> Text:
        coverage = coverage_of(self.report)
        style = "bold red" if coverage.offline else "bold yellow" if coverage.failed else "bold"
        return _text(coverage.sentence()[:1].upper() + coverage.sentence()[1:], style)

    def _risk_panel(self, risk: Risk, *, said: bool = False) -> Panel:
        """The grade with its reasons; without a grade, each kind's own result instead.
        ``said``: the scope statement was printed already, so it is not repeated here."""
        style = "bold yellow" if risk.incomplete else GRADE_STYLE.get(risk.grade, "cyan")
        lines = [Text(headline(risk), style=style)]
        if risk.incomplete:
            if not said:
                lines.append(_text(incomplete_words(self.report), "yellow"))
            lines += [_text(f"· {line}") for line in kind_lines(self.report)]
        if self.report.findings:
            lines.append(self._findings_count())
        reasons = risk.reasons if self.details else risk.reasons[:BRIEF_REASONS]
        lines += [_text(f"• {reason}") for reason in reasons]
        if not risk.reasons:
            lines.append(Text("No exposures were found in the sources that answered."))
        if risk.caveat and not risk.incomplete:  # an incomplete score has said it already
            lines.append(_text(f"! {risk.caveat}", "yellow"))
        return Panel(Group(*lines), title="doxing risk", expand=False)

    def _plan(self, plan: list[Action]) -> Panel:
        """The checklist: ``[ ]`` per task, with time, method, re-check, needs, command, links.
        Without --verbose: the first tasks, one link each, and the emergency steps named."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        tasks = [a for a in plan if a.kind != "emergency"]
        last = [a for a in plan if a.kind == "emergency"]
        shown = tasks if self.details else tasks[:BRIEF_TASKS]
        for number, action in enumerate(shown, 1):
            grid.add_row(Text(f"{number}. [ ]"), self._task_lines(action))
            if self.details:
                grid.add_row("", "")
        if len(tasks) > len(shown):
            more = len(tasks) - len(shown)
            words = f"+{more} more task{'s' if more != 1 else ''}: --verbose or the HTML report"
            grid.add_row("", Text(words, "dim"))
        for action in last:  # by name only without --verbose: the steps are in the HTML
            number = len(shown) + 1
            grid.add_row(Text(f"{number}. [ ]"), self._task_lines(action, brief=not self.details))
        return Panel(grid, title="what to do first", expand=True)

    def _task_lines(self, action: Action, *, brief: bool = False) -> Group:
        lines = [_text(action.title, "bold")]
        if brief:  # the emergency steps by name only: they are in --verbose and the HTML
            return Group(*lines)
        meta = [f"about {action.minutes} min"]
        if action.method:
            meta.append(action.method)
        if action.recheck_days:
            meta.append(f"re-check after {action.recheck_days} days")
        if action.requires:
            meta.append("needs " + ", ".join(action.requires))
        lines.append(_text(" · ".join(meta), "dim"))
        # Steps and every link with --verbose (and in the HTML report); by default the
        # checklist stays a screenful: what to do, the command, the first link.
        if self.details or not (action.links or action.command):
            steps = action.steps if self.details else action.steps[:1]
            lines.extend(_text(f"- {step}") for step in steps)
        if action.command:
            lines.append(_text(f"$ {action.command}", "cyan"))
        links = action.links
        shown = MAX_LINKS if self.details else (0 if action.command else BRIEF_LINKS)
        for link in links[:shown]:
            line = _text(f"{link.get('label', '')}: ", "dim")
            line.append(clean_text(link.get("url", "")), style="underline")
            lines.append(line)
        if len(links) > shown:
            more = len(links) - shown
            lines.append(Text(f"(+{more} more links: --verbose or the HTML report)", style="dim"))
        return Group(*lines)

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
        """The one count model in a line (the same numbers as the HTML, the JSON and the plan)."""
        return Panel(
            _text(counts_line(coverage_of(self.report))), title="lowprofile scan", expand=False
        )

    def _sites_table(self, families: list[tuple[str, list[CheckResult]]]) -> Table:
        """One table, one line per site with findings (the first few by default), and one line
        per status for the sites with nothing else to show."""
        table = Table(expand=True, show_lines=False)
        wrap: OverflowMethod = "fold" if self.details else "ellipsis"
        table.add_column("Site", overflow=wrap, ratio=2, no_wrap=not self.details)
        table.add_column("Status", ratio=2, no_wrap=not self.details, overflow=wrap)
        table.add_column("Findings / what to do", overflow=wrap, ratio=5, no_wrap=not self.details)
        hidden = shown = more = 0
        for checker_id, results in families:
            ran = [r for r in results if r.target != "*" or r.status is not Status.SKIPPED]
            if not ran:
                continue
            if len(families) > 1:
                table.add_row(_text(checker_id, "bold"), "", "")
            waiting: dict[Status, list[SiteRow]] = {}
            for site in sites_of(ran):
                if site.status is Status.NOT_FOUND and not self.show_not_found:
                    hidden += 1
                    continue
                if not site.findings and site.status not in (Status.NOT_FOUND, Status.FOUND):
                    waiting.setdefault(site.status, []).append(site)
                    continue
                if not self.details and shown >= BRIEF_SITES:
                    more += 1
                    continue
                shown += 1
                table.add_row(_text(site.name), self._status(site.status), self._site_lines(site))
            for status, sites in waiting.items():
                if self.details and status is Status.SKIPPED:
                    self._skipped_rows(table, sites)
                    continue
                if self.details and len(sites) <= LIST_SITES_UP_TO and status.needs_hand_check:
                    for site in sites:
                        table.add_row(_text(site.name), status_text(status), _text(site.detail))
                    continue
                unit = family_words(checker_id).split()[-1]
                table.add_row(
                    Text(f"{len(sites)} {unit.removesuffix('s') if len(sites) == 1 else unit}"),
                    self._status(status),
                    _text(_waiting_words(status, [s.name for s in sites], self.details), "dim"),
                )
        if more:
            table.add_row(
                Text(f"{more} more"),
                Text("with findings"),
                Text("--verbose or the HTML report", style="dim"),
            )
        if hidden:
            table.caption = f"{hidden} clean site{'s' if hidden != 1 else ''} not shown"
        return table

    @staticmethod
    def _skipped_rows(table: Table, sites: list[SiteRow]) -> None:
        """With --verbose, why sites were not searched: one row per reason, with its sites."""
        reasons: dict[str, list[str]] = {}
        for site in sites:
            reasons.setdefault(site.searches[0].detail, []).append(site.name)
        for reason, names in reasons.items():
            shown = ", ".join(names[:LIST_SITES_UP_TO])
            more = (
                f" +{len(names) - LIST_SITES_UP_TO} more" if len(names) > LIST_SITES_UP_TO else ""
            )
            count = Text(f"{len(names)} site{'s' if len(names) != 1 else ''}")
            table.add_row(count, status_text(Status.SKIPPED), _text(f"{reason}: {shown}{more}"))

    def _status(self, status: Status) -> Text:
        return status_text(status, brief=not self.details)

    def _site_lines(self, site: SiteRow) -> Group:
        lines: list[Text] = []
        findings = [f for r in site.searches for f in r.findings]
        shown = findings if self.details else findings[:1]
        for finding in shown:
            lines += list(self._finding_lines(finding))
        if len(findings) > len(shown):
            lines.append(Text(f"+{len(findings) - len(shown)} more findings", style="dim"))
        if not findings and site.detail:
            lines.append(_text(site.detail, "dim"))
        if site.link and (self.details or not findings):
            lines.append(_text(site.link, "underline"))
        if self.details and not site.verified and site.status.is_answer:
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

    def _finding_lines(self, finding: Finding) -> Iterator[Text]:
        line = Text()
        line.append_text(severity_text(finding.severity))
        line.append(" ")
        line.append(clean_text(finding.title))
        if finding.confidence < 1.0:
            line.append(f" ({finding.confidence:.0%} sure)", style="dim")
        yield line
        if not self.details:
            return
        if finding.where and is_sensitive(finding) and not self.show_sensitive:
            yield Text(f"  {SENSITIVE_WORDS}", style="dim")
        elif finding.where:
            yield _text(f"  {finding.where}", "dim")


def is_sensitive(finding: Finding) -> bool:
    """An account on an adult or dating site: its address is not printed unless asked."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    return bool(evidence.get("sensitive"))
