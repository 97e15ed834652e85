"""The terminal report: score panel, a table per family, the plan as a checklist, hostile text."""

from __future__ import annotations

import io
import json

import pytest

from helpers.hostile import PAYLOADS, hostile_report
from helpers.sample import sample_report
from lowprofile.report.terminal import BRIEF_TASKS, TerminalReport
from lowprofile.reportfile import report_from_data
from lowprofile.results import ScanReport


def render(report: ScanReport, width: int = 100, details: bool = False) -> str:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    console.print(TerminalReport(report, details=details))
    return out.getvalue()


def test_score_families_and_checklist() -> None:
    report = sample_report("CA")
    text = render(report)
    risk = report.to_dict()["risk"]
    assert f"{risk['score']}/100  {risk['grade'].upper()} RISK" in text
    assert risk["reasons"][0] in text
    assert "2 sites could not be checked automatically" in text
    for family in ("brokers", "xposedornot", "hibp", "photos", "social"):
        assert family in text
    tasks = report.to_dict()["plan"]
    assert text.count("[ ]") == BRIEF_TASKS + 1  # the first tasks, and the emergency named
    assert f"+{len(tasks) - 1 - BRIEF_TASKS} more tasks" in text
    assert "1. [ ] " + tasks[0]["title"] in text
    assert text.index("what to do first") > text.index("brokers")
    full = render(report, details=True)
    assert full.count("[ ]") == len(tasks)
    assert "re-check after 45 days" in full and "needs email verification" in full
    assert "$ lowprofile photos strip" in full
    assert "https://privacy.ca.gov/drop/" in full


def test_plan_lines_fold_under_their_task() -> None:
    text = render(sample_report(), width=60, details=True)  # every step with --verbose
    lines = [line for line in text.splitlines() if "Use an email address" in line]
    assert lines and lines[0].index("- Use") > lines[0].index("│") + 4  # indented under [ ]


def test_hostile_text_is_neither_markup_nor_control_codes() -> None:
    text = render(hostile_report("".join(PAYLOADS)), width=200, details=True)
    assert "[bold red]markup[/]" in text  # shown as typed, not read as rich markup
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert "\ufffd" in text


def test_older_report_is_scored_before_it_is_shown() -> None:
    data = sample_report().to_dict()
    del data["risk"], data["plan"]
    text = render(report_from_data(data, "older"))
    assert "doxing risk" in text and "what to do first" in text


def test_the_ledger_survives_the_json_file_and_is_shown() -> None:
    from datetime import UTC, datetime

    from lowprofile.errors import ReportError
    from lowprofile.results import LedgerEntry, RequestState

    report = sample_report()
    when = datetime(2026, 11, 27, 9, tzinfo=UTC)
    report.ledger = [
        LedgerEntry("spokeo", "https://www.spokeo.com/p1", RequestState.REAPPEARED, when,
                    "removed by 2026-10-01, listed again in the scan of 2026-11-27", "scan 3")
    ]  # fmt: skip
    data = json.loads(json.dumps(report.to_dict()))
    again = report_from_data(data, "saved")
    assert again.ledger == report.ledger
    text = render(again, width=160)
    assert "your opt-outs" in text and "spokeo: listed again since 2026-11-27" in text
    data["ledger"][0]["state"] = "removed-ish"
    with pytest.raises(ReportError, match="ledger"):
        report_from_data(data, "saved")
