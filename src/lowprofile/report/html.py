"""The HTML report: one self-contained page, safe to open even when findings are hostile.

Every string in a report may come from a web page written by an attacker. jinja2 autoescaping
escapes all text; links are emitted only for http(s) URLs with a host (anything else is shown as
text); no report text is ever placed in a script, a style or an unquoted attribute; and a
Content-Security-Policy forbids scripts and every outside request, as a second wall behind the
escaping. The page has no external fonts, images or scripts: it reads the same offline, on a
phone and on paper.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup, escape

from lowprofile.report import charts
from lowprofile.report.base import (
    LEDGER_WORDS,
    STATUS_ORDER,
    Row,
    SiteRow,
    assessment,
    clean_text,
    counts_line,
    coverage_of,
    evidence_lines,
    findings_in_order,
    incomplete_words,
    kind_lines,
    results_by_family,
    scope_words,
    sites_of,
)
from lowprofile.report.terminal import STATUS_WORDS
from lowprofile.results import CheckResult, Kind, ScanReport, Severity, Status

TEMPLATE = "templates/report.html.j2"


def link_target(url: Any) -> str | None:
    """The URL itself when it is safe to put in an ``href``: http(s), a host, no control or
    space characters (which browsers strip, turning ``java\\tscript:`` into a live scheme)."""
    text = str(url or "")
    if not text or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


def safe_link(url: Any, label: Any = None) -> Markup:
    """An anchor for safe http(s) URLs; any other (javascript:, data:, vbscript:…) is text."""
    shown = escape(clean_text(label if label is not None else (url or "")))
    target = link_target(url)
    if target is None:
        return Markup(shown)  # noqa: S704 - escaped above
    return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(target, shown)


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` output: markup we built passes; any other value is cleaned text (then
    autoescaped), so controls and bidi overrides from a page are shown as U+FFFD."""
    if isinstance(value, Markup) or value is None:
        return value
    return clean_text(value)


@cache
def _template() -> Template:
    """The page's template, compiled once per process (compiling costs more than rendering)."""
    text = resources.files("lowprofile.report").joinpath(TEMPLATE).read_text("utf-8")
    return _environment().from_string(text)


def _environment() -> Environment:
    env = Environment(
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["safe_link"] = safe_link
    env.filters["num"] = number
    return env


def page_environment() -> Environment:
    """The report's escaping rules (autoescape, cleaned text, ``safe_link``) for another page
    drawn from the same reports: the household report."""
    return _environment()


def number(value: Any) -> str:
    """The only way a value reaches an SVG attribute: an int or a finite float we computed, as
    digits. Anything else (a string above all) is a bug in this module, so it raises."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"not a number for an SVG attribute: {value!r}")
    return f"{value:.1f}".removesuffix(".0")


def _summary(report: ScanReport) -> dict[str, Any]:
    """The findings by severity; the counts of sites are the coverage's (``counts_line``)."""
    severity = report.counts_by_severity()
    return {
        "findings": sum(severity.values()),
        "by_severity": [(s.value, severity[s.value]) for s in Severity if severity[s.value]],
    }


GROUP_WORDS = {
    Status.NOT_FOUND: "sites did not list you",
    Status.BLOCKED: "sites blocked the search",
    Status.CHANGED: "sites whose page changed",
    Status.ERROR: "sites could not be read",
    Status.MANUAL: "sites to check by hand",
    Status.SKIPPED: "sites skipped (a detail your profile lacks)",
}
"""How a collapsed group of sites sharing a status is named."""
GROUP_FROM = 40
"""A status shared by more sites than this is one collapsed list of names, not a table."""


def _family_rows(results: list[CheckResult]) -> dict[str, Any]:
    """A family's sites as table rows; a status shared by many sites with nothing found (the
    700 username sites that could not be read) is a collapsed list of names: no wall of links,
    and no link that spells out the username on an adult or dating site."""
    sites = sites_of(results)
    by_status: dict[Status, list[SiteRow]] = {}
    for site in sites:
        if not site.findings:
            by_status.setdefault(site.status, []).append(site)
    collapsed = {s for s, members in by_status.items() if len(members) > GROUP_FROM}
    return {
        "sites": [
            {
                "site": site,
                "words": STATUS_WORDS[site.status],
                "searches": [(r, STATUS_WORDS[r.status]) for r in site.searches],
            }
            for site in sites
            if site.findings or site.status not in collapsed
        ],
        "groups": [
            {
                "count": len(by_status[status]),
                "words": GROUP_WORDS.get(status, status.value),
                "names": [site.name for site in by_status[status]],
            }
            for status in STATUS_ORDER
            if status in collapsed
        ],
    }


WHEN_WORDS = {Kind.BREACH: "Breached", Kind.PASTE: "Posted", Kind.PHOTO_LOCATION: "Taken"}
"""How a finding's date reads, by kind; any other kind's date is "Dated"."""
DATE_KEYS = ("date", "taken", "added", "published")
FALLBACK_REASONS = {
    Kind.BREACH: "the breach service matched the email address you gave",
    Kind.PASTE: "the paste contains the email address you gave",
    Kind.PHOTO_LOCATION: "the photo is in a folder you asked to scan",
    Kind.PHOTO_IDENTITY: "the photos are in a folder you asked to scan",
}
"""Why a finding is yours when its checker gave no reason: what the search itself was for."""


def _when(row: Row) -> str:
    """The finding's date as a person says it ("Breached 1 May 2019"), or nothing."""
    evidence = row.finding.evidence if isinstance(row.finding.evidence, dict) else {}
    for key in DATE_KEYS:
        value = evidence.get(key)
        if isinstance(value, str | int) and str(value).strip():
            words = WHEN_WORDS.get(row.finding.kind, "Dated")  # type: ignore[call-overload]
            return f"{words} {charts.readable_date(value)}"
    return ""


def _why(row: Row) -> list[str]:
    reasons = [str(r) for r in row.finding.reasons if str(r).strip()]
    if reasons:
        return reasons
    fallback = FALLBACK_REASONS.get(row.finding.kind)  # type: ignore[call-overload]
    return [fallback] if fallback else []


INERT_COPY = "/inert/"
"""Where the inert copies of kept pages lie in a broker's evidence folder (``browser/
evidence.py``): the only pages the report links to, since the page as received would run the
broker's scripts and tell it when and from where the report was read."""


def _proof(entry: Mapping[str, str] | None) -> dict[str, str]:
    """The evidence links of a finding, only as ``file:`` URIs into the person's own evidence
    folder and a ``data:image/jpeg`` picture: anything else (a folder name that would make
    another scheme, a page that is not an inert copy) is left out. Empty when no proof of the
    page was kept."""
    if not entry or not entry.get("folder", "").startswith("file:///"):
        return {}
    proof = {k: entry.get(k, "") for k in ("folder", "page", "screenshot")}
    proof = {k: v if v.startswith("file:///") else "" for k, v in proof.items()}
    if INERT_COPY not in proof["page"]:
        proof["page"] = ""
    picture = entry.get("thumbnail", "")
    proof["thumbnail"] = picture if picture.startswith("data:image/jpeg;base64,") else ""
    return proof


def _finding_row(row: Row, proofs: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    finding = row.finding
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    remedy = finding.remedy
    return {
        "proof": _proof(proofs.get(str(evidence.get("broker") or ""))),
        "finding": finding,
        "severity": finding.severity.value,
        "sure": round(finding.confidence * 100),
        "when": _when(row),
        "is_link": link_target(finding.where) is not None,
        "map": evidence.get("map") if link_target(evidence.get("map")) else None,
        "why": _why(row),
        "evidence": evidence_lines(evidence),
        "remedy": remedy.summary if remedy else "",
        "remedy_url": remedy.url if remedy and link_target(remedy.url) else None,
        "command": remedy.command if remedy else None,
        "source": row.result.source or row.result.checker,
    }


TrendPoints = Iterable[tuple[date | datetime, int]]


def render_html(
    report: ScanReport,
    trend: TrendPoints | None = None,
    home: tuple[float, float] | None = None,
    evidence: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The whole page as one string, from an assessed report.

    ``trend`` is the score of earlier scans of the same subject, oldest first (the history's, which
    this floor does not read: the caller passes it); this scan is added as the last point.
    ``home`` is the profile's home coordinates when the caller knows them: a saved report does not
    carry them, so without it the photo map is centred on the likeliest home the scan found.
    ``evidence`` maps a broker to the kept proof of its page (``file:`` links, a ``data:``
    thumbnail), from the scan's evidence folder; a saved report shown again has none."""
    risk, plan = assessment(report)
    rows = findings_in_order(report)
    points = [(when, score) for when, score in trend or () if _before(when, report.started)]
    families = [(name, _family_rows(results)) for name, results in results_by_family(report)]
    return _template().render(
        subject_names=", ".join(str(n) for n in report.subject.get("names") or []) or "you",
        started=report.started.strftime("%Y-%m-%d %H:%M %Z").strip(),
        version=report.tool_version,
        summary=_summary(report),
        risk=risk,
        gauge=charts.gauge(risk.score),
        coverage=coverage_of(report),
        coverage_sentence=coverage_of(report).sentence().capitalize(),
        counts_line=counts_line(coverage_of(report)).capitalize(),
        review_sentence=report.review.sentence() if report.review else "",
        scope=scope_words(report),
        kinds=kind_lines(report),
        incomplete_words=incomplete_words(report),
        plan=[a for a in plan if a.kind != "emergency"],
        emergency=[a for a in plan if a.kind == "emergency"],
        findings=[_finding_row(row, evidence or {}) for row in rows],
        bars=charts.severity_bars([row.finding for row in rows]),
        places=charts.cluster_map(report.findings, home),
        trend=charts.trend([*points, (report.started, risk.score)]),
        families=families,
        ledger=[
            {"entry": e, "words": LEDGER_WORDS[e.state], "since": e.since.strftime("%Y-%m-%d")}
            for e in report.ledger
        ],
    )


def _before(when: object, started: datetime) -> bool:
    """Only earlier scans make the trend: the report itself (saved in the history too) is the
    last point, added once."""
    if not isinstance(when, date):
        return False
    return charts.naive_utc(when) < charts.naive_utc(started)
