"""The scan core: plugged-in checkers run concurrently, failures become results, exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from lowprofile.checkers import base
from lowprofile.checkers.base import CheckContext, Readiness, select_checkers
from lowprofile.config import Settings
from lowprofile.results import CheckResult, Finding, ScanReport, Severity, Status
from lowprofile.scan import exit_code, run_scan
from lowprofile.subject import Subject, subject_from_flags


def subject() -> Subject:
    return subject_from_flags(["Jane Doe", "Janie Smith"], city="Austin", state="TX")


def test_plugin_checker_runs_inside_a_scan(plugins: None) -> None:
    specs, unknown = select_checkers(["fake"])
    assert unknown == []
    report = asyncio.run(run_scan(subject(), specs, Settings()))
    assert [r.status for r in report.results] == [Status.FOUND, Status.FOUND]
    assert report.checkers == ["fake"]
    assert exit_code(report, Severity.HIGH) == 1
    assert exit_code(report, Severity.CRITICAL) == 0


def test_raising_and_unloadable_checkers_become_errors(plugins: None) -> None:
    specs, _ = select_checkers(None, skip=["fake", "netcheck"])
    report = asyncio.run(run_scan(subject(), specs, Settings()))
    by_checker = {r.checker: r for r in report.results}
    assert by_checker["broken"].status is Status.ERROR
    assert "RuntimeError: boom" in by_checker["broken"].detail
    assert by_checker["missing"].status is Status.ERROR
    assert "cannot be loaded" in by_checker["missing"].detail
    assert by_checker["nokey"].status is Status.SKIPPED
    assert by_checker["nokey"].detail == "no API key"


def test_unknown_names_are_reported(plugins: None) -> None:
    _, unknown = select_checkers(["fake", "nope"], skip=["zilch"])
    assert unknown == ["nope", "zilch"]


def test_progress_reaches_the_observer(plugins: None) -> None:
    events: list[tuple[str, object]] = []

    class Recorder:
        def checker_started(self, checker_id: str, title: str, total: int) -> None:
            events.append(("start", total))

        def advance(self, checker_id: str, steps: int) -> None:
            events.append(("advance", steps))

        def result(self, result: CheckResult) -> None:
            events.append(("result", result.status))

        def checker_finished(self, checker_id: str) -> None:
            events.append(("finish", checker_id))

    specs, _ = select_checkers(["fake"])
    asyncio.run(run_scan(subject(), specs, Settings(), observer=Recorder()))
    assert events[0] == ("start", 2)
    assert events.count(("advance", 1)) == 2
    assert events[-1] == ("finish", "fake")


def report_with(*statuses: Status, severity: Severity = Severity.LOW) -> ScanReport:
    results = []
    for status in statuses:
        findings = ()
        if status.has_findings:
            findings = (Finding(kind="k", title="t", where=f"w{len(results)}", severity=severity),)
        results.append(CheckResult("c", f"t{len(results)}", status, findings=findings))
    now = datetime.now(UTC)
    return ScanReport(subject={}, started=now, finished=now, checkers=["c"], results=results)


@pytest.mark.parametrize(
    ("statuses", "severity", "code"),
    [
        ((Status.NOT_FOUND, Status.BLOCKED), Severity.LOW, 0),
        ((Status.FOUND,), Severity.HIGH, 1),
        ((Status.FOUND,), Severity.MEDIUM, 0),
        ((Status.ERROR, Status.ERROR), Severity.LOW, 3),
        ((Status.ERROR, Status.NOT_FOUND), Severity.LOW, 0),
        ((Status.ERROR, Status.MANUAL), Severity.LOW, 3),
        ((Status.BLOCKED, Status.MANUAL), Severity.LOW, 0),
        ((), Severity.LOW, 0),
    ],
)
def test_exit_codes(statuses: tuple[Status, ...], severity: Severity, code: int) -> None:
    assert exit_code(report_with(*statuses, severity=severity), Severity.HIGH) == code


def test_report_json_round_trip_keeps_extra_sections() -> None:
    report = report_with(Status.FOUND, Status.NOT_FOUND)
    report.extra["from_a_plugin"] = {"score": 42}
    again = ScanReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()


def test_newer_report_schema_is_refused() -> None:
    data = report_with().to_dict()
    data["schema_version"] = 999
    with pytest.raises(ValueError, match="newer"):
        ScanReport.from_dict(data)


class _Direct:
    """A checker object used without entry points, to check the Protocol is satisfied."""

    id = "direct"
    title = "Direct"

    def readiness(self, settings: Settings) -> Readiness:
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        return 0

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        yield CheckResult("direct", "x", Status.NOT_FOUND)


def test_protocol_is_runtime_checkable() -> None:
    assert isinstance(_Direct(), base.Checker)
