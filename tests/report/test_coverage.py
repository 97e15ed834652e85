"""Coverage first: every report says what it could check before any score, and a score built
on too few answers is incomplete, never a reassuring low."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.coverage import measure
from lowprofile.plan import assess_report
from lowprofile.report.html import render_html
from lowprofile.results import CheckResult, ScanReport, Status
from lowprofile.subject import Name, Subject

runner = CliRunner()


def result(checker: str, source: str, status: Status, target: str = "t") -> CheckResult:
    return CheckResult(checker, target, status, source=source)


def report_of(*results: CheckResult) -> ScanReport:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    report = ScanReport({"names": ["J*** D**"]}, now, now, ["brokers", "hibp"], list(results))
    return assess_report(report)


def test_sites_count_once_however_many_searches() -> None:
    coverage = measure(
        [
            result("brokers", "spokeo", Status.ERROR, "a"),
            result("brokers", "spokeo", Status.NOT_FOUND, "b"),  # one answer: checked
            result("brokers", "fps", Status.BLOCKED),
            result("brokers", "fps", Status.ERROR),
            result("brokers", "intelius", Status.MANUAL),
            result("hibp", "hibp", Status.NOT_FOUND, "a@x"),
            result("hibp", "hibp", Status.NOT_FOUND, "b@x"),
            result("xposedornot", "xposedornot", Status.ERROR, "a@x"),
        ]
    )
    assert coverage.sentence() == (
        "checked 1 of 2 people-search sites, 1 of 2 breach services; could not read 2 sources; "
        "1 site to check by hand"
    )
    assert not coverage.offline


def test_offline_is_incomplete_not_low() -> None:
    report = report_of(
        result("brokers", "spokeo", Status.ERROR),
        result("brokers", "fps", Status.ERROR),
        result("hibp", "hibp", Status.ERROR),
    )
    assert report.coverage is not None and report.coverage.offline
    assert report.risk is not None and report.risk.incomplete and report.risk.score == 0
    assert "(offline?)" in report.coverage.sentence()
    page = render_html(report)
    assert "incomplete" in page and "low risk" not in page.lower()


def test_blocked_sites_are_not_offline_but_still_incomplete() -> None:
    report = report_of(*(result("brokers", f"s{i}", Status.BLOCKED) for i in range(3)))
    assert report.coverage is not None and not report.coverage.offline
    assert report.risk is not None and report.risk.incomplete


def test_enough_answers_give_a_grade() -> None:
    report = report_of(
        result("brokers", "a", Status.NOT_FOUND),
        result("brokers", "b", Status.NOT_FOUND),
        result("brokers", "c", Status.BLOCKED),
    )
    assert report.risk is not None and not report.risk.incomplete


def test_an_offline_scan_says_so_first_and_exits_3(private_dirs, no_network) -> None:
    no_network.route().mock(side_effect=httpx.ConnectError("name resolution failed"))
    result = runner.invoke(
        app,
        [
            "scan",
            "--name",
            "Jane Doe",
            "--city",
            "Austin",
            "--state",
            "TX",
            "--email",
            "jane@example.com",
            "--json",
            "-",
            "--no-save",
        ],
    )
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["coverage"]["offline"] and data["risk"]["incomplete"]
    unreadable = data["coverage"]["counts"]["unreadable"]  # every site and the breach service
    assert f"could not read {unreadable} sources" in data["coverage"]["sentence"]
    assert "no source could be reached: are you offline?" in " ".join(result.stderr.split())
    terminal = runner.invoke(
        app, ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--no-save"]
    )
    lines = terminal.stdout.strip().splitlines()
    assert lines[0].startswith("This scan did not cover you: People-search:")  # said first
    coverage_line = next(line for line in lines if line.startswith("Checked 0 of"))
    assert "(offline?)" in coverage_line
    assert "INCOMPLETE" in terminal.stdout and "LOW RISK" not in terminal.stdout
    assert len(terminal.output.splitlines()) < 60  # a screenful, not a wall of failures


def test_a_scan_narrowed_to_some_sites_says_so_and_is_never_low() -> None:
    from lowprofile.report.base import NARROWED_WORDS
    from lowprofile.reportfile import report_from_data

    answered = [result("brokers", "spokeo", Status.NOT_FOUND)]
    narrowed = report_of(*answered)
    narrowed.scope = ["spokeo"]  # as `scan --site spokeo` makes it
    narrowed.subject = Subject(names=(Name.parse("Jane Doe"),)).masked()
    assess_report(narrowed)
    assert narrowed.coverage is not None and narrowed.risk is not None
    assert narrowed.coverage.sentence() == (
        "searched only spokeo (--site); checked 1 of 1 people-search sites"
    )
    assert narrowed.risk.incomplete and narrowed.risk.score == 0
    assert NARROWED_WORDS in render_html(narrowed)
    again = report_from_data(json.loads(json.dumps(narrowed.to_dict())), "saved")
    assert again.scope == ["spokeo"] and again.risk is not None and again.risk.incomplete
    whole = report_of(*answered)
    assert whole.risk is not None and not whole.risk.incomplete  # the same answer, every site


def _kinds(results: list[CheckResult], subject: dict, checkers: list[str]) -> dict[str, str]:
    coverage = measure(results, subject=subject, checkers=checkers)
    return {k.kind: k.state for k in coverage.kinds}


def test_each_kind_the_profile_allows_is_checked_or_says_why_not() -> None:
    subject = {"names": ["J*** D**"], "emails": ["j***@x"], "usernames": [], "photo_dirs": 0}
    answered = [result("brokers", "spokeo", Status.NOT_FOUND)]
    # A profile without usernames or photos does not ask for them: not a skip by choice.
    assert _kinds(answered, subject, ["brokers"]) == {
        "people-search": "checked",
        "breaches": "left_out",  # it has an email, and no breach service ran
    }
    half = [*answered, *(result("brokers", f"s{i}", Status.BLOCKED) for i in range(3))]
    assert _kinds(half, subject | {"emails": []}, ["brokers"]) == {"people-search": "partly"}
    # Sites skipped one by one for this person (US-only, no US address): nothing left out.
    abroad = [CheckResult("brokers", "a", Status.SKIPPED, detail="US-only", source="a")]
    assert _kinds(abroad, subject | {"emails": []}, ["brokers"]) == {}
    by_hand = [*abroad, result("brokers", "ukphonebook", Status.MANUAL)]
    assert _kinds(by_hand, subject | {"emails": []}, ["brokers"]) == {"people-search": "by_hand"}
    nobody = {"names": [], "photo_dirs": 1}
    photos = [
        CheckResult("photos", "/p", Status.NOT_FOUND, detail="0 of 3 photos reveal a location")
    ]
    coverage = measure(photos, subject=nobody, checkers=["brokers", "photos"])
    assert [(k.kind, k.state) for k in coverage.kinds] == [
        ("people-search", "no_name"),
        ("photos", "checked"),
    ]
    assert coverage.kinds[1].result == "Photos: 0 of 3 photos reveal a location"
    assert not coverage.complete
