"""The HTML report: one self-contained page, safe to open even when findings are hostile.

Every string in a report may come from a web page written by an attacker. jinja2 autoescaping
escapes all text; links are emitted only for http(s) URLs (anything else is shown as text); no
report text is ever placed in a script or a style; and a Content-Security-Policy forbids scripts
and every outside request, as a second wall behind the escaping.
"""

from __future__ import annotations

from collections import defaultdict
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment
from markupsafe import Markup, escape

from lowprofile.report.terminal import STATUS_WORDS
from lowprofile.scan import ScanReport


def safe_link(url: Any, label: Any = None) -> Markup:
    """An anchor for http(s) URLs; any other scheme (javascript:, data:…) becomes plain text."""
    text = str(url or "")
    shown = escape(str(label if label is not None else text))
    try:
        scheme = urlsplit(text.strip()).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https") or any(c in text for c in "\n\r\t\x00"):
        return Markup(shown)  # noqa: S704 - escaped above
    return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(text, shown)


def _environment() -> Environment:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)  # noqa: S701
    env.filters["safe_link"] = safe_link
    return env


def _evidence_text(evidence: dict[str, Any]) -> str:
    shown = []
    for key in ("name", "age", "locations", "addresses", "phones", "relatives", "breach", "date",
                "data_classes", "records", "lat", "lon", "taken", "sources"):  # fmt: skip
        value = evidence.get(key)
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        shown.append(f"{key}: {value}")
    return "\n".join(shown)


def render_html(report: ScanReport) -> str:
    data = report.to_dict()
    risk = data.get("risk") or {"score": 0, "grade": "low", "reasons": []}
    findings = []
    for result in report.results:
        for f in result.findings:
            row = f.to_dict()
            row["evidence_text"] = _evidence_text(f.evidence)
            findings.append(row)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    findings.sort(key=lambda row: (order[row["severity"]], -row["confidence"]))
    families: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in report.results:
        row = result.to_dict()
        row["status_words"] = STATUS_WORDS[result.status]
        row["hand"] = result.status.needs_hand_check
        families[result.checker].append(row)
    template_text = (
        resources.files("lowprofile.report").joinpath("templates/report.html.j2").read_text("utf-8")
    )
    template = _environment().from_string(template_text)
    return template.render(
        subject_names=", ".join(str(n) for n in report.subject.get("names", [])) or "you",
        started=report.started.strftime("%Y-%m-%d %H:%M UTC"),
        version=report.tool_version,
        results=report.results,
        risk=risk,
        plan=data.get("plan") or [],
        findings=findings,
        families=sorted(families.items()),
    )
