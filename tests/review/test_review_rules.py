"""The review's rules without a browser: what is queued and in which order, the progress line
and its file, the monthly notification's last line, the refusal without a display, and the
sitting's evidence folder kept and exportable."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reviewkit import SUBJECT, save_scan
from reviewsite import ReviewSite, write_broker
from typer.testing import CliRunner

from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.browser.folders import remove_orphans, scan_folder
from lowprofile.cli.main import app
from lowprofile.optout.model import Channel, Request, RequestEvent, RequestState
from lowprofile.results import CheckResult, ScanReport, Status
from lowprofile.review.queue import Kind, build_queue, estimate_minutes, waiting_for_person
from lowprofile.sitting import Progress, opened_line, progress_line, progress_path
from lowprofile.store import Store

BASE = "http://127.0.0.1:9"


def broker(folder: Path, broker_id: str, *, manual: bool = False, steps: bool = False) -> Broker:
    path = write_broker(folder, broker_id, BASE, "search", manual=manual, steps=steps)
    loaded, problems = check_broker_file(path, allow_loopback=True)
    assert loaded is not None, problems
    return loaded


@pytest.fixture
def brokers(tmp_path: Path) -> dict[str, Broker]:
    formsite = broker(tmp_path, "formsite", steps=True)
    quiet = replace(
        formsite,
        id="quietsite",
        optout=replace(
            formsite.optout, steps=tuple(s for s in formsite.optout.steps if s.action != "captcha")
        ),
    )
    return {
        "blocked": broker(tmp_path, "blocked"),
        "changedsite": broker(tmp_path, "changedsite"),
        "handsite": broker(tmp_path, "handsite", manual=True),
        "readsite": broker(tmp_path, "readsite"),
        "formsite": formsite,
        "quietsite": quiet,
        "plainform": broker(tmp_path, "plainform"),
    }


def found(broker_id: str, where: str) -> CheckResult:
    from helpers.sample import listing
    from lowprofile.results import Severity

    finding = replace(listing(broker_id, "X", ("name", "address"), Severity.HIGH), where=where)
    return CheckResult("brokers", broker_id, Status.FOUND, (finding,), source=broker_id)


def report(*results: CheckResult) -> ScanReport:
    now = datetime.now(UTC)
    return ScanReport(
        subject=SUBJECT.masked(),
        started=now,
        finished=now,
        checkers=["brokers"],
        results=list(results),
    )


def searched(broker_id: str, status: Status) -> CheckResult:
    return CheckResult(
        "brokers", broker_id, status, detail="why", url=f"{BASE}/{broker_id}?q=1", source=broker_id
    )


SCAN = report(
    searched("blocked", Status.BLOCKED),
    searched("blocked", Status.BLOCKED),  # a second search of one site: one stop
    searched("changedsite", Status.CHANGED),
    searched("handsite", Status.MANUAL),
    searched("readsite", Status.NOT_FOUND),
    found("formsite", f"{BASE}/person/a"),
    found("quietsite", f"{BASE}/person/b"),
    found("plainform", f"{BASE}/person/c"),
)


def test_the_queue_holds_what_waits_for_the_person(brokers: dict[str, Broker]) -> None:
    items = build_queue(SCAN, brokers)
    stops = [(i.kind.value, i.broker.id) for i in items]
    # opt-outs of listings first (they remove the most risk per minute), then the searches;
    # an opt-out that plays unattended (no captcha) is `optout run`'s, not the review's
    assert stops[:2] == [("optout", "formsite"), ("optout", "plainform")]
    assert sorted(stops[2:]) == [
        ("search", "blocked"),
        ("search", "changedsite"),
        ("search", "handsite"),
    ]
    assert items[0].worth > items[-1].worth > 0
    plain = next(i for i in items if i.broker.id == "plainform")
    assert plain.url == plain.broker.optout.url  # a form with no steps opens the form
    assert [
        i.broker.id for i in build_queue(SCAN, brokers, kind=Kind.SEARCH, only=["handsite"])
    ] == ["handsite"]
    assert {i.kind for i in build_queue(SCAN, brokers, kind=Kind.OPTOUT)} == {Kind.OPTOUT}


def test_a_request_on_its_way_is_not_queued_and_one_that_needs_you_is(
    brokers: dict[str, Broker],
) -> None:
    def request(broker_id: str, listing: str, state: RequestState) -> Request:
        event = RequestEvent(state, datetime.now(UTC))
        day = event.at.date()
        return Request(1, "p", Channel.STEPS, broker_id, day, 30, listing=listing, events=(event,))

    waiting = [
        request("formsite", f"{BASE}/person/a", RequestState.AWAITING_REMOVAL),
        request("quietsite", f"{BASE}/person/b", RequestState.NEEDS_YOU),
        # a listing of an older scan whose run needs you: queued though this scan missed it
        request("quietsite", f"{BASE}/person/old", RequestState.NEEDS_YOU),
    ]
    optouts = [(i.broker.id, i.url, i.why) for i in build_queue(SCAN, brokers, waiting)]
    assert sorted(o for o in optouts if o[0] != "plainform" and "needs you" in o[2]) == [
        ("quietsite", f"{BASE}/person/b", "the last run needs you"),
        ("quietsite", f"{BASE}/person/old", "the last run needs you"),
    ]
    assert not [o for o in optouts if o[0] == "formsite"]


def test_a_form_with_no_steps_is_one_stop_for_all_its_listings(
    brokers: dict[str, Broker],
) -> None:
    twice = report(found("plainform", f"{BASE}/person/c"), found("plainform", f"{BASE}/person/d"))
    items = build_queue(twice, brokers)
    assert [(i.broker.id, i.url) for i in items] == [("plainform", brokers["plainform"].optout.url)]
    assert items[0].minutes == 5


def test_progress_line_and_estimate() -> None:
    assert progress_line(12, 91, 360, 20) == "12 of 91, 6 min so far, about 26 min left"
    assert progress_line(0, 3, 0, None) == "0 of 3, 0 s so far"
    assert progress_line(3, 3, 95, 31) == "3 of 3, 2 min so far"
    assert estimate_minutes([], 20) == 0


def test_progress_is_a_private_file_read_back(private_dirs: dict[str, Path]) -> None:
    progress = Progress("person-1")
    progress.record("search:a:u", "listed", 12.5)
    progress.record("search:b:u", "found", 7.5, opened=True)
    path = progress_path("person-1")
    assert path.stat().st_mode & 0o777 == 0o600
    again = Progress.load("person-1")
    assert list(again.answers) == ["search:a:u", "search:b:u"]
    assert again.seconds_per_site == 10.0 and again.opened == 1
    path.write_text("{not json")
    assert Progress.load("person-1").answers == {}  # a damaged file starts a new sitting


def test_the_next_review_says_what_the_last_one_opened_up(private_dirs: dict[str, Path]) -> None:
    earlier = Progress("person-1")
    earlier.record("search:blocked:u", "found", 9.0, opened=True)
    earlier.record("search:changedsite:u", "found", 9.0, opened=True)
    earlier.record("search:handsite:u", "listed", 9.0)
    before = report(searched("blocked", Status.BLOCKED))
    latest = report(searched("blocked", Status.NOT_FOUND), searched("changedsite", Status.BLOCKED))
    earlier.answers = {
        key: replace(a, at=before.started.isoformat()) for key, a in earlier.answers.items()
    }
    assert opened_line(earlier, before) == ""  # the sitting came after that scan
    assert opened_line(earlier, latest) == (
        "Your last review opened up 2 site(s) for automatic scans; your latest scan read 1 of "
        "them by itself."
    )
    assert opened_line(Progress("person-2"), latest) == ""


def test_the_monthly_line_counts_and_times_the_stops(
    review_site: ReviewSite, private_dirs: dict[str, Path]
) -> None:
    save_scan(review_site)
    with Store() as store:
        latest = store.load(store.resolve("latest", SUBJECT.person_id))
    line = waiting_for_person(latest, SUBJECT.person_id, None)
    assert line == "4 sites need you: run `lowprofile review` (about 11 minutes)"
    assert waiting_for_person(latest, SUBJECT.person_id, 30.0).endswith("(about 2 minutes)")


def test_the_scheduled_notification_ends_with_the_review_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.checkers import base
    from lowprofile.schedule import notify as notify_module
    from lowprofile.schedule import runner

    profile = tmp_path / "p.toml"
    profile.write_text('names = ["Jane Doe"]\nphoto_dirs = []\n')
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: sent.append((t, m)) or [])
    monkeypatch.setattr(base, "BUILTIN_CHECKERS", {"photos": base.BUILTIN_CHECKERS["photos"]})
    line = "3 sites need you: run `lowprofile review` (about 4 minutes)"
    monkeypatch.setattr(runner, "_waiting_line", lambda report, person: line)
    runner.run_scheduled(profile)
    assert sent == [("lowprofile: your monthly scan", f"No new exposures. {line}")]


def test_no_display_is_refused_plainly(
    review_site: ReviewSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = CliRunner().invoke(app, ["review"])
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "lowprofile: no display: run it on your desktop, or under xvfb-run"
    )


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--kind", "both"], "lowprofile: --kind 'both': give search or optout"),
        (["--only", "nosuchsite"], "lowprofile: --only: unknown broker(s): nosuchsite"),
    ],
)
def test_bad_flags_are_one_line_exit_2(
    review_site: ReviewSite, monkeypatch: pytest.MonkeyPatch, flags: list[str], said: str
) -> None:
    monkeypatch.setenv("DISPLAY", ":99")  # never opened: the flags are refused first
    save_scan(review_site)
    result = CliRunner().invoke(app, ["review", *flags])
    assert result.exit_code == 2
    assert result.stderr.startswith(said) and len(result.stderr.splitlines()) == 1


def test_a_sittings_evidence_is_kept_and_exportable(private_dirs: dict[str, Path]) -> None:
    folder = private_dirs["data"] / "evidence" / "review-20261201T100000Z"
    (folder / "gated").mkdir(parents=True)
    (folder / "gated" / "manifest.json").write_text(json.dumps({"pages": []}))
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert remove_orphans([], [], now=later).deleted == 0
    assert folder.is_dir()
    assert scan_folder("review-20261201T100000Z") == folder


def test_a_scan_report_says_what_the_last_review_opened_up_in_every_output() -> None:
    """The JSON carries it and reads it back; the terminal and the HTML say it in words."""
    import io

    from rich.console import Console

    from lowprofile.plan import assess_report
    from lowprofile.report.html import render_html
    from lowprofile.report.terminal import TerminalReport
    from lowprofile.results import ReviewOpened
    from lowprofile.sitting import Answer, opened_by_review

    earlier = Progress("person-1")
    earlier.answers = {"search:blocked:u": Answer("found", 9.0, "2026-01-01T00:00:00+00:00", True)}
    latest = report(searched("blocked", Status.NOT_FOUND))
    latest.review = opened_by_review(earlier, latest)
    assert latest.review == ReviewOpened(opened=1, read=1)
    assess_report(latest)
    again = ScanReport.from_dict(latest.to_dict())
    assert again.review == latest.review
    words = "Your last review opened up 1 site(s) for automatic scans; this scan read 1 of them"
    assert words in render_html(latest)
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(TerminalReport(latest))
    assert words in " ".join(out.getvalue().split())
