"""A report from its JSON form: checked against the one schema, then assessed once.

``docs/report-schema.json`` is the only description of the file. A saved report may be old (no
``risk`` or ``plan`` yet), edited by hand, or hostile; the schema decides, and nothing here repeats
its rules. A report whose results break the schema is refused with a one-line error naming the
place; one whose risk or plan sections alone are missing or malformed has them recomputed from
its results, so every renderer only ever sees a report of the documented shape.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lowprofile.errors import ReportError
from lowprofile.plan import assess_report
from lowprofile.results import SCHEMA_VERSION, ScanReport
from lowprofile.safe_text import json_from_outside

log = logging.getLogger(__name__)

ASSESSMENT = ("coverage", "risk", "plan")
"""Sections computed from the results: recomputed, not refused, when broken."""
MAX_REPORT_BYTES = 64 * 1024 * 1024
"""A report bigger than this is not one lowprofile wrote (a big scan is a few MB)."""


@cache
def report_schema() -> dict[str, Any]:
    """The report schema, from the installed package or, in a source checkout, from docs/."""
    packaged = resources.files("lowprofile") / "_data" / "report-schema.json"
    if packaged.is_file():
        text = packaged.read_text("utf-8")
    else:
        text = (Path(__file__).resolve().parents[2] / "docs" / "report-schema.json").read_text(
            "utf-8"
        )
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_problems(data: Any) -> list[tuple[str, str]]:
    """(place, message) for each way ``data`` breaks the schema, place like ``results/0/status``."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    problems = []
    for error in validator.iter_errors(data):
        place = "/".join(str(p) for p in error.absolute_path)
        if not place and error.validator == "required":
            # A missing top-level section: name it, so older reports without a plan are known.
            missing = [k for k in error.validator_value if k not in data]
            place = missing[0] if missing else ""
        problems.append((place, error.message[:200]))
    return problems


def report_from_data(data: Any, origin: str) -> ScanReport:
    """A checked, assessed ScanReport; ReportError (naming ``origin`` and the place) if it is not
    a lowprofile report."""
    if not isinstance(data, dict):
        raise ReportError(
            f"{origin}: not a lowprofile JSON report (its top level is not an object)"
        )
    version = data.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ReportError(
            f"{origin}: report schema_version {version} is newer than this lowprofile reads "
            f"({SCHEMA_VERSION}); upgrade lowprofile"
        )
    problems = schema_problems(data)
    broken = [(p, m) for p, m in problems if p.split("/")[0] not in ASSESSMENT]
    if broken:
        place, message = broken[0]
        raise ReportError(
            f"{origin}: not a lowprofile JSON report: {place or 'top level'}: {message}"
        )
    recompute = len(problems) > 0
    if recompute and any(key in data for key in ASSESSMENT):
        log.warning(
            "%s: the risk or plan section is malformed: recomputed from its results", origin
        )
    try:
        report = ScanReport.from_dict(data, with_assessment=not recompute)
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        raise ReportError(f"{origin}: not a lowprofile JSON report: {exc}") from exc
    if not report.assessed:
        assess_report(report)
    return report


def report_from_text(text: str | bytes, origin: str) -> ScanReport:
    """Parse and check a report's JSON text; deep or huge input is an error, not a crash."""
    if len(text) > MAX_REPORT_BYTES:
        raise ReportError(f"{origin}: too large to be a lowprofile report ({len(text)} bytes)")
    try:
        data = json_from_outside(text)
    except ValueError as exc:
        raise ReportError(f"{origin}: not a lowprofile JSON report: {exc}") from exc
    return report_from_data(data, origin)


def read_report(path: Path) -> ScanReport:
    """Load a saved JSON report file; a broken file is a one-line error naming it."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError as exc:
        raise ReportError(f"{path}: no such report") from exc
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return report_from_text(text, str(path))
