"""Issue 28, what mentions must show: local Atom and RSS feeds on 127.0.0.1 (with
LOWPROFILE_ALLOW_LOOPBACK=1), read by a real scan through the shared client.

An item naming the person in her city is a finding; a namesake elsewhere is said as such and
scored low; an article in two feeds is one finding; a malformed feed is one `error` result and
the others are still read; a second scan's diff shows only the new item; offline, the feeds
fail fast with the rest."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.fetch import http as fetch_http
from mentions.feedsite import ARTICLE, NAMESAKE, NEW, FeedSite, feed_site

runner = CliRunner()
PERSON = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX"]


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedSite]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    assert runner.invoke(app, ["init", *PERSON]).exit_code == 0
    with feed_site() as served:
        yield served


def add(*urls: str) -> None:
    for url in urls:
        result = runner.invoke(app, ["mentions", "add", url])
        assert result.exit_code == 0, result.output


def scan(*extra: str) -> dict:
    result = runner.invoke(app, ["scan", "--only", "mentions", "--json", "-", *extra])
    return json.loads(result.stdout)


def mentions(report: dict) -> list[dict]:
    return [f for r in report["results"] for f in r["findings"] if f["kind"] == "mention"]


def test_an_item_naming_her_in_her_city_is_a_finding(site: FeedSite) -> None:
    add(site.url("/alert.atom"))
    report = scan("--no-save")
    (found,) = mentions(report)
    assert found["where"] == ARTICLE  # unwrapped from Google's redirect
    assert found["title"] == "You are mentioned: Jane Doe speaks at the Austin council meeting"
    assert found["confidence"] >= 0.8 and found["severity"] == "medium"
    assert found["evidence"]["date"] == "2026-12-01"
    assert found["evidence"]["source"] == 'Google Alert - "Jane Doe"'
    assert found["evidence"]["link"] == ARTICLE
    assert found["reasons"] == ["your name in the item", "your city (Austin)"]
    (result,) = [r for r in report["results"] if r["checker"] == "mentions"]
    assert result["status"] == "found" and result["url"] is None  # the alert's address is private
    assert result["target"] == "your feed 1 (127.0.0.1)"


def test_a_namesake_elsewhere_reads_as_a_low_scored_namesake(site: FeedSite) -> None:
    add(site.url("/news.rss"))
    found = {f["where"]: f for f in mentions(scan("--no-save"))}
    namesake = found[NAMESAKE]
    assert namesake["title"].startswith("A namesake in Portland, OR (likely not you): ")
    assert namesake["confidence"] <= 0.2 and namesake["severity"] == "info"
    assert any("not your city" in reason for reason in namesake["reasons"])
    assert "https://news.example/weather" not in found  # an item that does not name her


def test_a_duplicate_across_two_feeds_is_one_finding(site: FeedSite) -> None:
    add(site.url("/alert.atom"), site.url("/news.rss"))
    report = scan("--no-save")
    assert [f["where"] for f in mentions(report)].count(ARTICLE) == 1
    assert len(mentions(report)) == 2  # the article and the namesake
    second = next(r for r in report["results"] if r["target"].startswith("your feed 2"))
    assert "1 already in an earlier feed" in second["detail"]


def test_a_malformed_feed_is_one_error_and_the_rest_still_read(site: FeedSite) -> None:
    add(site.url("/broken.rss"), site.url("/alert.atom"), site.url("/news.rss"))
    results = [r for r in scan("--no-save")["results"] if r["checker"] == "mentions"]
    errors = [r for r in results if r["status"] == "error"]
    assert len(errors) == 1 and errors[0]["target"] == "your feed 1 (127.0.0.1)"
    assert "not a well-formed feed" in errors[0]["detail"]
    assert "mismatched tag" in errors[0]["detail"]
    assert sorted(r["status"] for r in results) == ["error", "found", "possible"]


def test_a_second_scan_shows_only_the_new_item_in_the_diff(site: FeedSite) -> None:
    add(site.url("/alert.atom"), site.url("/news.rss"))
    scan()
    site.atom_extra.append(NEW)
    scan()
    diff = runner.invoke(app, ["history", "diff", "--json"])
    assert diff.exit_code == 0, diff.output
    changes = json.loads(diff.stdout)
    assert [f["where"] for f in changes["new"]] == [NEW]
    assert sorted(f["where"] for f in changes["unchanged"]) == sorted([ARTICLE, NAMESAKE])


def test_an_item_that_left_its_feed_is_earlier_not_resolved(site: FeedSite) -> None:
    """A feed carries only its latest items: one that left it was not taken down."""
    site.atom_extra.append(NEW)
    add(site.url("/alert.atom"))
    scan()
    site.atom_extra.clear()
    scan()
    changes = json.loads(runner.invoke(app, ["history", "diff", "--json"]).stdout)
    assert [f["where"] for f in changes["earlier"]] == [NEW]
    assert changes["resolved"] == []


def test_offline_the_feeds_fail_fast_with_the_rest(
    no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No packet leaves: every public host fails as it does offline (its name does not
    resolve). The news searches and the person's feeds all end as `error`, most without being
    tried, once the shared rule says the network is down."""
    monkeypatch.setattr(fetch_http, "NETWORK_DOWN_GRACE", 0.0)  # its own test: test_network_down
    tried: list[str] = []

    async def no_name(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.host)
        await asyncio.sleep(0.01)
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    no_network.route().mock(side_effect=no_name)
    monkeypatch.setenv("LOWPROFILE_MENTION_NEWS", "google, bing")
    monkeypatch.setenv("LOWPROFILE_CONCURRENCY", "2")
    assert runner.invoke(app, ["init", *PERSON]).exit_code == 0
    add(*(f"https://alerts{i}.example/feeds/{i}" for i in range(8)))
    started = time.monotonic()
    results = scan("--no-save")["results"]
    assert time.monotonic() - started < 20
    feeds = [r for r in results if r["checker"] == "mentions"]
    assert len(feeds) == 10 and all(r["status"] == "error" for r in feeds)
    assert sum("network looks down" in r["detail"] for r in feeds) >= 5
    assert len(tried) < 10


def test_the_feed_list_is_private(site: FeedSite, private_dirs: dict[str, Path]) -> None:
    add(site.url("/alert.atom"))
    (kept,) = (private_dirs["data"] / "mentions").iterdir()
    assert kept.stat().st_mode & 0o777 == 0o600
    listed = runner.invoke(app, ["mentions", "list"])
    assert listed.stdout.strip() == f"1. {site.url('/alert.atom')}"
    assert runner.invoke(app, ["mentions", "remove", "1"]).exit_code == 0
    assert "No feeds kept" in runner.invoke(app, ["mentions", "list"]).stdout
    assert runner.invoke(app, ["mentions", "remove", "1"]).exit_code == 2


def test_a_new_mention_is_in_the_monthly_notification(
    site: FeedSite, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.checkers import base
    from lowprofile.schedule import notify as notify_module
    from lowprofile.schedule.runner import run_scheduled

    add(site.url("/alert.atom"))
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: sent.append((t, m)) or [])
    monkeypatch.setattr(base, "BUILTIN_CHECKERS", {"mentions": base.BUILTIN_CHECKERS["mentions"]})
    profile = private_dirs["config"] / "profile.toml"
    run_scheduled(profile)
    assert sent == []
    site.atom_extra.append(NEW)
    run_scheduled(profile)
    ((title, message),) = sent
    assert title == "lowprofile: 1 new exposure(s)"
    assert message.startswith("You are mentioned: Jane Doe joins the Austin library board.")


def test_the_plan_asks_for_an_alert_only_until_one_is_read(site: FeedSite) -> None:
    def plan() -> set[str]:
        result = runner.invoke(app, ["scan", "--site", "411", "--json", "-", "--no-save"])
        return {a["id"] for a in json.loads(result.stdout)["plan"]}

    assert "google-alerts" in plan()
    add(site.url("/alert.atom"))
    assert "google-alerts" not in plan()
