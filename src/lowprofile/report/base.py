"""What every renderer of a ScanReport shares: findings put in reading order with their evidence
as plain text, and text made safe to show.

Evidence is shown as text lines (never as markup) and capped, so a listing with two hundred
relatives or a folder of photos stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lowprofile.coverage import scope_statement
from lowprofile.results import (
    Action,
    CheckResult,
    Coverage,
    Finding,
    LedgerEntry,
    RequestState,
    Risk,
    ScanReport,
    Status,
)
from lowprofile.safe_text import clean_text

EVIDENCE_FIRST = (
    "name", "age", "locations", "addresses", "phones", "relatives", "breach", "title", "date",
    "data_classes", "records", "lat", "lon", "taken", "map", "cluster", "count", "sources",
)  # fmt: skip
"""Evidence keys shown first, in this order; any other key follows alphabetically."""
EVIDENCE_HIDDEN = frozenset({"verified", "url", "exposed", "photos"})
"""Keys shown elsewhere (the Where column, the plan) or only noise to a reader."""
MAX_ITEMS = 8
MAX_TEXT = 300


def coverage_of(report: ScanReport) -> Coverage:
    """The report's coverage (an assessed report always has one)."""
    return report.coverage if report.coverage is not None else Coverage()


def headline(risk: Risk) -> str:
    """The score in words, the way every renderer shows it first; an incomplete scan has no
    overall grade, only its per-kind results (``kind_lines``)."""
    if risk.incomplete:
        return "INCOMPLETE: no overall grade"
    return f"{risk.score}/100  {risk.grade.value.upper()} RISK"


INCOMPLETE_WORDS = (
    "Too few sources answered for this to mean you are safe: what could not be checked may "
    "still list you. Check those by hand (they are in the plan) or scan again later."
)
NARROWED_WORDS = (
    "This scan searched only the sites you named, so the score says nothing of the others: "
    "run `lowprofile scan` without --site for your risk."
)


def scope_words(report: ScanReport) -> str | None:
    """What the scan did not cover (said first), or None when it covered every kind the
    profile allows."""
    return scope_statement(coverage_of(report))


def incomplete_words(report: ScanReport) -> str:
    """Why there is no grade: a scan narrowed on purpose, a kind of source not covered, or too
    few answers."""
    if coverage_of(report).only:
        return NARROWED_WORDS
    return scope_words(report) or INCOMPLETE_WORDS


def kind_lines(report: ScanReport) -> list[str]:
    """Each kind's own result ("Photos: 2 of 14 photos reveal a location"): what an incomplete
    scan shows instead of a grade."""
    return [kind.result for kind in coverage_of(report).kinds]


def counts_line(coverage: Coverage) -> str:
    """The one count model in a line: every view prints these same numbers, in sites."""
    counts = coverage.counts()
    unit = coverage.unit
    return (
        f"{counts['searched']} {unit} searched, {counts['answered']} answered, "
        f"{counts['unreadable']} could not be read; {counts['by_hand']} sites to check by hand"
    )


def assessment(report: ScanReport) -> tuple[Risk, list[Action]]:
    """The report's risk and plan. Renderers only read them: a report is assessed once, where it
    is made (``pipeline``) or loaded (``reportfile``), never while it is drawn."""
    if report.risk is None:
        raise ValueError("a report must be assessed (plan.assess_report) before it is rendered")
    return report.risk, report.plan


def _short(value: Any) -> str:
    text = " ".join(clean_text(value).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        shown = [_value_text(v) for v in value[:MAX_ITEMS]]
        more = f" (+{len(value) - MAX_ITEMS} more)" if len(value) > MAX_ITEMS else ""
        return _short("; ".join(shown)) + more
    if isinstance(value, dict):
        parts = [f"{k} {_value_text(v)}" for k, v in value.items() if v not in (None, "", [], {})]
        return _short(", ".join(parts[:MAX_ITEMS]))
    return _short(value)


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """``key: value`` lines for a person to read; every value is text (it may be hostile)."""
    keys = [k for k in EVIDENCE_FIRST if k in evidence]
    keys += sorted(k for k in evidence if k not in EVIDENCE_FIRST)
    lines = []
    for key in keys:
        value = evidence[key]
        if key in EVIDENCE_HIDDEN or value in (None, "", [], {}):
            continue
        lines.append(f"{_short(str(key).replace('_', ' '))}: {_value_text(value)}")
    return lines


@dataclass(frozen=True)
class Row:
    """One finding with the result it came from, for tables sorted by what matters most."""

    finding: Finding
    result: CheckResult


def findings_in_order(report: ScanReport) -> list[Row]:
    """Worst severity first, then surest first; ties keep the scan's order."""
    rows = [Row(f, r) for r in report.results for f in r.findings]
    return sorted(rows, key=lambda row: (-row.finding.severity.rank, -row.finding.confidence))


def results_by_family(report: ScanReport) -> list[tuple[str, list[CheckResult]]]:
    """Results grouped by checker, in the order the scan ran them (strays last)."""
    families: dict[str, list[CheckResult]] = {c: [] for c in report.checkers}
    for result in report.results:
        families.setdefault(result.checker, []).append(result)
    return [(name, rows) for name, rows in families.items() if rows]


STATUS_ORDER = (
    Status.FOUND,
    Status.POSSIBLE,
    Status.NOT_FOUND,
    Status.BLOCKED,
    Status.CHANGED,
    Status.ERROR,
    Status.MANUAL,
    Status.SKIPPED,
)
"""Which status speaks for a site searched several times: a real answer beats a failure."""


@dataclass(frozen=True)
class SiteRow:
    """One site or service with every search made there: what a person reads in one line."""

    name: str
    status: Status
    searches: list[CheckResult]

    @property
    def findings(self) -> int:
        return sum(len(r.findings) for r in self.searches)

    @property
    def link(self) -> str | None:
        """Where to check by hand: the prefilled search of the first search that needs it."""
        if not self.status.needs_hand_check:
            return None
        return next((r.url for r in self.searches if r.url), None)

    @property
    def detail(self) -> str:
        """The detail of the search that gave the site its status; the rest are in --verbose."""
        chosen = next(r for r in self.searches if r.status is self.status)
        others = len(self.searches) - 1
        more = f" (+{others} more search{'es' if others > 1 else ''})" if others else ""
        return chosen.detail + more

    @property
    def verified(self) -> bool:
        return all(r.verified for r in self.searches)


def sites_of(results: list[CheckResult]) -> list[SiteRow]:
    """Results of one family grouped by site (or service, or folder), in the order they ran."""
    grouped: dict[str, list[CheckResult]] = {}
    for result in results:
        grouped.setdefault(result.source or result.target, []).append(result)
    rows = []
    for name, searches in grouped.items():
        status = min((r.status for r in searches), key=STATUS_ORDER.index)
        rows.append(SiteRow(name, status, searches))
    return rows


LEDGER_WORDS = {
    RequestState.SUBMITTED: "sent",
    RequestState.EMAIL_PENDING: "waiting for the broker's email",
    RequestState.AWAITING_REMOVAL: "waiting for the removal",
    RequestState.CONFIRMED_REMOVED: "removed (confirmed by a scan)",
    RequestState.FAILED: "failed",
    RequestState.REAPPEARED: "listed again",
    RequestState.NEEDS_YOU: "needs you",
}
"""Each ledger state as a reader says it; the state's own name stays beside it."""


def ledger_line(entry: LedgerEntry) -> str:
    """One opt-out request in a sentence: where, its state since when, and why."""
    where = entry.listing or "the whole site"
    since = entry.since.astimezone().strftime("%Y-%m-%d")
    words = LEDGER_WORDS[entry.state]
    return clean_text(f"{entry.broker}: {words} since {since} ({entry.detail}); {where}")
