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
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from lowprofile.report.base import (
    INCOMPLETE_WORDS,
    assessment,
    clean_text,
    coverage_of,
    evidence_lines,
    findings_in_order,
    results_by_family,
    sites_of,
)
from lowprofile.report.terminal import STATUS_WORDS
from lowprofile.results import ScanReport, Severity, Status

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
    return env


def gauge_end(score: int) -> dict[str, str]:
    """Where the gauge's arc ends for a 0–100 score, on a half circle of radius 50 centred at
    (60, 60): numbers only, so nothing from a report reaches the SVG path."""
    angle = math.pi * (1 - max(0, min(100, int(score))) / 100)
    return {"x": f"{60 + 50 * math.cos(angle):.2f}", "y": f"{60 - 50 * math.sin(angle):.2f}"}


def _summary(report: ScanReport) -> dict[str, Any]:
    severity = report.counts_by_severity()
    status = report.counts_by_status()
    return {
        "findings": sum(severity.values()),
        "by_severity": [(s.value, severity[s.value]) for s in Severity if severity[s.value]],
        "checks": len(report.results),
        "clean": status[Status.NOT_FOUND.value],
        "hand": sum(status[s.value] for s in Status if s.needs_hand_check),
        "skipped": status[Status.SKIPPED.value],
    }


def render_html(report: ScanReport) -> str:
    """The whole page as one string, from an assessed report."""
    risk, plan = assessment(report)
    findings = [
        {
            "finding": row.finding,
            "severity": row.finding.severity.value,
            "sure": round(row.finding.confidence * 100),
            "evidence": evidence_lines(row.finding.evidence),
            "remedy": row.finding.remedy.summary if row.finding.remedy else "",
            "source": row.result.source or row.result.checker,
        }
        for row in findings_in_order(report)
    ]
    families = [
        (
            name,
            [
                {
                    "site": site,
                    "words": STATUS_WORDS[site.status],
                    "searches": [(r, STATUS_WORDS[r.status]) for r in site.searches],
                }
                for site in sites_of(results)
            ],
        )
        for name, results in results_by_family(report)
    ]
    template_text = resources.files("lowprofile.report").joinpath(TEMPLATE).read_text("utf-8")
    template = _environment().from_string(template_text)
    return template.render(
        subject_names=", ".join(str(n) for n in report.subject.get("names") or []) or "you",
        started=report.started.strftime("%Y-%m-%d %H:%M %Z").strip(),
        version=report.tool_version,
        summary=_summary(report),
        risk=risk,
        gauge=gauge_end(risk.score),
        coverage=coverage_of(report),
        coverage_sentence=coverage_of(report).sentence().capitalize(),
        incomplete_words=INCOMPLETE_WORDS,
        plan=[a for a in plan if a.kind != "emergency"],
        emergency=[a for a in plan if a.kind == "emergency"],
        findings=findings,
        families=families,
    )
