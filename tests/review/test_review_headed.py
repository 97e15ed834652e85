"""The issue's proof under a real display: one ``review`` over five local sites.

The challenge site is read by lowprofile itself once the "person" (this test, through
Playwright, as a person would click) passes its check, with no key pressed; the manual site
is recorded from one key; the opt-out goes out once the captcha is "solved" and reaches the
ledger; the dead site is said plainly. Evidence is kept for each answer, a rescan counts the
hand answers, and the challenge site's next unattended scan is read with the kept cookies.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from reviewkit import SUBJECT, Keys, save_scan
from reviewsite import ReviewSite
from typer.testing import CliRunner

from lowprofile.brokers.loader import load_brokers
from lowprofile.cli.main import app
from lowprofile.config import load_settings
from lowprofile.optout.records import RequestLedger
from lowprofile.results import CheckResult, Status
from lowprofile.review.queue import Item, build_queue
from lowprofile.review.session import Stop, sit
from lowprofile.sitting import Progress
from lowprofile.store import Store

pytestmark = pytest.mark.browser


async def person(item: Item, page: Any) -> None:
    """The person's hands: click through the challenge, tick the captcha."""
    if item.broker.id == "gated":
        await page.locator("#continue").click(timeout=20_000)
    elif item.broker.id == "formsite":
        await page.check("#human", timeout=20_000)


def queue() -> list[Item]:
    with Store() as store:
        report = store.load(store.resolve("latest", SUBJECT.person_id))
    with RequestLedger(SUBJECT.person_id) as ledger:
        return build_queue(report, load_brokers().brokers, ledger.requests())


def review(keys: Keys, items: list[Item], progress: Progress | None = None) -> list[Stop]:
    progress = progress or Progress(SUBJECT.person_id)
    with RequestLedger(SUBJECT.person_id) as ledger:
        return asyncio.run(
            sit(items, SUBJECT, load_settings(), ledger, progress, keys, watch=person)
        )


def test_one_review_answers_every_site(
    headed: str, review_site: ReviewSite, private_dirs: dict[str, Path]
) -> None:
    save_scan(review_site)
    items = queue()
    assert {i.broker.id for i in items} == {"gated", "handsite", "formsite", "deadsite"}
    assert items[0].broker.id == "formsite"  # a listing's opt-out is worth most per minute
    keys = Keys("l")
    stops = {s.item.broker.id: s for s in review(keys, items)}

    assert stops["gated"].answer == "found", stops["gated"]
    assert stops["gated"].opened
    assert stops["handsite"].answer == "listed"
    assert stops["formsite"].answer == "submitted", stops["formsite"]
    assert stops["deadsite"].answer == "dead"
    assert any("deadsite" in line and "did not answer" in line for line in keys.said)
    # one key in all: the manual site's; the recipe site asked for nothing
    assert len(keys.asked) == 1 and "handsite" in keys.asked[0]
    assert review_site.posts and review_site.posts[0]["token"] == ["ok"]

    for broker in ("gated", "handsite", "formsite"):
        folder = Path(stops[broker].evidence)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert any(name.endswith(".png") for page in manifest["pages"] for name in page["files"])
    with RequestLedger(SUBJECT.person_id) as ledger:
        checks = ledger.hand_checks()
        requests = ledger.requests()
    assert checks["gated"].listed and checks["handsite"].listed
    assert checks["gated"].url.endswith("/person/jane-doe-austin")
    assert [(r.broker, r.state.value) for r in requests] == [("formsite", "awaiting_removal")]

    # The next unattended scan: headless, the kept cookies; the hand answer counted.
    result = CliRunner().invoke(
        app, ["scan", "--only", "brokers", "--browser", "auto", "--json", "-"]
    )
    assert result.exit_code in (0, 1), result.output
    rescan = json.loads(result.stdout)
    statuses = {r["source"]: r for r in rescan["results"]}
    assert statuses["gated"]["status"] == "found", statuses["gated"]
    assert statuses["handsite"]["status"] == "found"
    assert "by hand" in statuses["handsite"]["detail"]
    # the report says what the sitting opened up, and that this scan read it by itself
    assert rescan["review"] == {"opened": 1, "read": 1}


def test_interrupted_after_two_resume_starts_at_the_third(
    headed: str, review_site: ReviewSite, private_dirs: dict[str, Path]
) -> None:
    other = CheckResult(
        "brokers",
        "othersite",
        Status.MANUAL,
        url=f"{review_site.base}/manual/other",
        source="othersite",
    )
    save_scan(review_site, other)
    command = ["review", "--kind", "search"]
    for site in ("deadsite", "handsite", "othersite"):
        command += ["--only", site]
    # deadsite goes by itself, handsite takes "n", then the input ends at othersite
    first = CliRunner().invoke(app, command, input="n\n")
    assert first.exit_code == 0, first.output
    assert "stopped before Local othersite" in first.stderr
    assert "Answered 2 of 3 stops." in first.stderr

    again = CliRunner().invoke(app, [*command, "--resume"], input="s\n")
    assert again.exit_code == 0, again.output
    stops = [line for line in again.stderr.splitlines() if line.startswith("[")]
    assert len(stops) == 1 and stops[0].startswith("[2 of 3, "), again.stderr
    assert "Local othersite" in stops[0] and "left" in stops[0]
    assert "Answered 3 of 3 stops." in again.stderr
