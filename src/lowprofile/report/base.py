"""What every renderer of a ScanReport shares: the risk and plan sections, checked, and findings
put in reading order with their evidence as plain text.

A saved JSON report may be old (no ``risk`` or ``plan`` yet) or edited by hand; renderers call
``ensure_assessed`` so they only ever see sections of the documented shape, recomputed from the
results when the saved ones are missing or malformed. Evidence is shown as text lines (never as
markup) and capped, so a listing with two hundred relatives or a folder of photos stays readable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from lowprofile.results import CheckResult, Finding
from lowprofile.safe_text import clean_text
from lowprofile.scan import ScanReport

log = logging.getLogger(__name__)

GRADES = ("low", "moderate", "elevated", "high", "severe")
EVIDENCE_FIRST = (
    "name", "age", "locations", "addresses", "phones", "relatives", "breach", "title", "date",
    "data_classes", "records", "lat", "lon", "taken", "map", "cluster", "count", "sources",
)  # fmt: skip
"""Evidence keys shown first, in this order; any other key follows alphabetically."""
EVIDENCE_HIDDEN = frozenset({"verified", "url", "exposed", "photos"})
"""Keys shown elsewhere (the Where column, the plan) or only noise to a reader."""
MAX_ITEMS = 8
MAX_TEXT = 300


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _valid_risk(risk: Any) -> bool:
    if not isinstance(risk, dict):
        return False
    score = risk.get("score")
    return (
        isinstance(score, int)
        and not isinstance(score, bool)
        and 0 <= score <= 100
        and risk.get("grade") in GRADES
        and _is_str_list(risk.get("reasons"))
        and isinstance(risk.get("caveat"), str | None)
    )


def _valid_action(action: Any) -> bool:
    if not isinstance(action, dict):
        return False
    links = action.get("links")
    minutes = action.get("minutes")
    recheck = action.get("recheck_days")
    return (
        isinstance(action.get("id"), str)
        and isinstance(action.get("title"), str)
        and isinstance(action.get("kind"), str)
        and _is_str_list(action.get("steps"))
        and _is_str_list(action.get("requires", []))
        and _is_str_list(action.get("covers", []))
        and isinstance(links, list)
        and all(
            isinstance(link, dict)
            and isinstance(link.get("url"), str)
            and isinstance(link.get("label"), str)
            for link in links
        )
        and isinstance(minutes, int)
        and not isinstance(minutes, bool)
        and (recheck is None or isinstance(recheck, int))
        and isinstance(action.get("method"), str | None)
        and isinstance(action.get("command"), str | None)
    )


def ensure_assessed(report: ScanReport) -> bool:
    """Make sure ``report.extra`` holds well-formed ``risk`` and ``plan`` sections.

    Returns True when they had to be (re)computed from the results: missing in an older report,
    or not of the documented shape in an edited one.
    """
    risk = report.extra.get("risk")
    plan = report.extra.get("plan")
    if _valid_risk(risk) and isinstance(plan, list) and all(map(_valid_action, plan)):
        return False
    if risk is not None or plan is not None:
        log.warning("the report's risk or plan section is malformed: recomputed from its results")
    from lowprofile.plan import assess_report

    assess_report(report)
    return True


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
