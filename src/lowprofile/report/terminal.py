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
    RenderableType,
    RenderResult,
)
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from lowprofile.coverage import family_words
from lowprofile.report.base import (
    LEDGER_WORDS,
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
    RequestState,
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
BRIEF_SITES = 5
"""Sites with findings shown without --verbose; the rest are counted in one line."""
BRIEF_TASKS = 4
"""Plan tasks shown without --verbose (the emergency steps are always named last)."""
BRIEF_REASONS = 3
BRIEF_URGENT = 3
URGENT = frozenset({RequestState.REAPPEARED, RequestState.FAILED, RequestState.NEEDS_YOU})
"""Opt-out states shown one by one without --verbose: they need the person."""
SENSITIVE_WORDS = "link hidden: an adult or dating site (--show-sensitive shows it)"


Cells = tuple[RenderableType, RenderableType, RenderableType]
"""One row of the sites table."""


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
    Status.ERROR: "could not be read",
    Status.MANUAL: "to check by hand",
    Status.SKIPPED: "not searched",
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
        if self.report.review is not None:
            yield _text(self.report.review.sentence(), "dim")
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

    def _ledger(self) -> RenderableType:
        """Where the person's opt-out requests stand after this scan: each one with --verbose;
        by default the few that need the person (listed again, failed, needs you) and a count
        per state of the rest."""
        entries = self.report.ledger
        urgent = [] if self.details else [e for e in entries if e.state in URGENT][:BRIEF_URGENT]
        shown = entries if self.details else urgent
        lines = [_text(f"• {ledger_line(entry)}") for entry in shown]
        rest = [e for e in entries if e not in shown]
        if rest:
            states: dict[str, int] = {}
            for entry in rest:
                states[LEDGER_WORDS[entry.state]] = states.get(LEDGER_WORDS[entry.state], 0) + 1
            counts = ", ".join(f"{n} {words}" for words, n in states.items())
            lines.append(_text(f"{'and ' if shown else ''}{counts} (lowprofile optout status)"))
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
        if not self.details:
            more = len(tasks) - len(shown)
            words = f"+{more} more task{'s' if more != 1 else ''}; " if more else ""
            words += "every step and link: --verbose or the HTML report"
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
            # By default the link alone (its label is in --verbose and the HTML): one line.
            line = _text(f"{link.get('label', '')}: ", "dim") if self.details else Text()
            line.append(clean_text(link.get("url", "")), style="underline")
            lines.append(line)
        if len(links) > shown and self.details:
            more = len(links) - shown
            lines.append(Text(f"(+{more} more links: the HTML report)", style="dim"))
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
        """One table: one line per site with findings (the first few by default), and for the
        sites with nothing else to show one line per family by default (its counts by status),
        one line per status (or per site, when few) with --verbose."""
        table = Table(expand=True, show_lines=False)
        table.add_column("Site", overflow="fold", ratio=2)
        table.add_column("Status", ratio=2)
        table.add_column("Findings / what to do", overflow="fold", ratio=5)
        hidden = shown = more = 0
        named = sum(1 for _, results in families if _ran(results)) > 1
        for checker_id, results in families:
            rows: list[Cells] = []
            waiting: dict[Status, list[SiteRow]] = {}
            for site in sites_of(_ran(results)):
                if site.status is Status.NOT_FOUND and not self.show_not_found:
                    hidden += 1
                elif not site.findings and site.status not in (Status.NOT_FOUND, Status.FOUND):
                    waiting.setdefault(site.status, []).append(site)
                elif not self.details and shown >= BRIEF_SITES:
                    more += 1
                else:
                    shown += 1
                    rows.append(
                        (_text(site.name), self._status(site.status), self._site_lines(site))
                    )
            rows += self._waiting_rows(checker_id, waiting)
            if rows and named:
                table.add_row(_text(checker_id, "bold"), "", "")
            for row in rows:
                table.add_row(*row)
        if more:
            table.add_row(
                Text(f"{more} more"),
                Text("with findings"),
                Text("--verbose or the HTML report", style="dim"),
            )
        if hidden:
            table.caption = f"{hidden} clean site{'s' if hidden != 1 else ''} not shown"
        return table

    def _waiting_rows(
        self,
        checker_id: str,
        waiting: dict[Status, list[SiteRow]],
    ) -> list[Cells]:
        """The sites of one family with no answer and no finding. By default one row with the
        count per status (which sites: --verbose, the HTML or the JSON); with --verbose one
        row per status, or per site when there are few."""
        unit = family_words(checker_id).split()[-1]

        def count(n: int) -> Text:
            return Text(f"{n} {unit.removesuffix('s') if n == 1 else unit}")

        if not waiting:
            return []
        if not self.details:
            total = sum(len(sites) for sites in waiting.values())
            words = "; ".join(f"{len(v)} {BRIEF_STATUS_WORDS[k]}" for k, v in waiting.items())
            if Status.MANUAL in waiting:
                words += " (links in the plan)"
            return [(count(total), Text("no answer", style="yellow"), _text(words, "dim"))]
        rows: list[Cells] = []
        for status, sites in waiting.items():
            if status is Status.SKIPPED:
                rows += _skipped_rows(sites)
            elif len(sites) <= LIST_SITES_UP_TO and status.needs_hand_check:
                rows += [(_text(s.name), status_text(status), _text(s.detail)) for s in sites]
            else:
                words = _waiting_words(status, [s.name for s in sites], self.details)
                rows.append((count(len(sites)), self._status(status), _text(words, "dim")))
        return rows

    def _status(self, status: Status) -> Text:
        return status_text(status, brief=not self.details)

    def _site_lines(self, site: SiteRow) -> Group:
        lines: list[Text] = []
        findings = [f for r in site.searches for f in r.findings]
        shown = findings if self.details else findings[:1]
        for finding in shown:
            lines += list(self._finding_lines(finding))
        if len(findings) > len(shown):
            more = len(findings) - len(shown)
            lines.append(Text(f"+{more} more finding{'s' if more != 1 else ''}", style="dim"))
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
        # One line per finding by default (cut with "…"); whole with --verbose.
        line = Text() if self.details else Text(no_wrap=True, overflow="ellipsis")
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


def _ran(results: list[CheckResult]) -> list[CheckResult]:
    """Results of sites that were looked at (a checker that was not ready is "Not run")."""
    return [r for r in results if r.target != "*" or r.status is not Status.SKIPPED]


def _skipped_rows(
    sites: list[SiteRow],
) -> list[Cells]:
    """With --verbose, why sites were not searched: one row per reason, with its sites."""
    reasons: dict[str, list[str]] = {}
    for site in sites:
        reasons.setdefault(site.searches[0].detail, []).append(site.name)
    rows: list[Cells] = []
    for reason, names in reasons.items():
        shown = ", ".join(names[:LIST_SITES_UP_TO])
        more = f" +{len(names) - LIST_SITES_UP_TO} more" if len(names) > LIST_SITES_UP_TO else ""
        count = Text(f"{len(names)} site{'s' if len(names) != 1 else ''}")
        rows.append((count, status_text(Status.SKIPPED), _text(f"{reason}: {shown}{more}")))
    return rows


def is_sensitive(finding: Finding) -> bool:
    """An account on an adult or dating site: its address is not printed unless asked."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    return bool(evidence.get("sensitive"))
