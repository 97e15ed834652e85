"""The mentions checker: pages that name the person, read from feeds, never from result pages.

The feeds are the person's own Google Alerts (and any feed they added: ``mentions add``), which
the pipeline hands in through ``ScanOptions.mention_feeds``, and the news search feeds for the
exact name (``mentions.news``; which ones is the setting ``mention_news``). Every feed is one
request through the shared client, so the fence, the proxy, the per-host clock and the offline
rule hold for them as for every other source; feedparser only ever sees the bytes.

Each feed is one result: ``found``/``possible`` with its mentions, ``not_found`` when it was
read and names nobody, ``error`` with why when it could not be fetched or is malformed (the
other feeds are still read). An article in two feeds is one finding, in the first feed that
carried it, keyed by its normalised link so that the next scan's diff shows only new pages.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator

from lowprofile.brokers.matcher import verdict
from lowprofile.checkers.base import CheckContext, Readiness, result_for_net_error
from lowprofile.config import Settings
from lowprofile.errors import NetError
from lowprofile.mentions.feeds import feed_host
from lowprofile.mentions.findings import CHECKER_ID, mention_finding
from lowprofile.mentions.links import normalise
from lowprofile.mentions.matching import match_item
from lowprofile.mentions.news import FeedSource, news_feeds
from lowprofile.mentions.reading import Feed, read_feed
from lowprofile.results import CheckResult, Finding, Status
from lowprofile.subject import Subject


def feed_sources(subject: Subject, ctx: CheckContext) -> list[FeedSource]:
    """The news searches the settings choose, then the person's own feeds (by host only)."""
    own = [
        FeedSource(f"your feed {i} ({feed_host(url)})", url, False)
        for i, url in enumerate(ctx.options.mention_feeds, 1)
    ]
    return news_feeds(subject, ctx.settings.mention_news_sources) + own


def _result(source: FeedSource, status: Status, detail: str, **extra: object) -> CheckResult:
    return CheckResult(
        checker=CHECKER_ID,
        target=source.label,
        status=status,
        detail=detail,
        url=source.url if source.shown else None,
        source=source.label,
        **extra,  # type: ignore[arg-type]
    )


async def read_source(source: FeedSource, ctx: CheckContext) -> Feed | CheckResult:
    """One feed's items, or the ``error`` result saying why it could not be read."""
    try:
        response = await ctx.http.get(source.url)
    except NetError as exc:
        shown = source.url if source.shown else None
        return result_for_net_error(CHECKER_ID, source.label, exc, url=shown, source=source.label)
    if response.status_code != 200:
        return _result(source, Status.ERROR, f"{source.label}: HTTP {response.status_code}")
    feed = read_feed(response.content, str(response.url), response.headers.get("content-type", ""))
    if feed.problem:
        return _result(source, Status.ERROR, f"{source.label}: {feed.problem}")
    return feed


def mentions_in(
    feed: Feed, source: FeedSource, subject: Subject, seen: set[str]
) -> tuple[list[Finding], int]:
    """The findings of one read feed, less the pages an earlier feed already gave (added to
    ``seen``), and how many of its items were such repeats."""
    findings, repeats = [], 0
    for item in feed.items:
        mention = match_item(item.text, item.link, subject)
        if mention is None:
            continue
        page = normalise(item.link)
        if page in seen:
            repeats += 1
            continue
        seen.add(page)
        findings.append(mention_finding(item, mention, source.label))
    return findings, repeats


class MentionsChecker:
    """Pages that name the person, from their alert feeds and news searches for their name."""

    id = CHECKER_ID
    title = "Mentions of your name (alert and news feeds)"

    def readiness(self, settings: Settings) -> Readiness:
        if importlib.util.find_spec("feedparser") is None:
            return Readiness(False, "feedparser is not installed")
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        return 0

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        if not any(not name.single for name in subject.names):
            yield CheckResult(
                checker=CHECKER_ID,
                target="*",
                status=Status.SKIPPED,
                detail="mentions need a first and a last name",
            )
            return
        sources = feed_sources(subject, ctx)
        if not sources:
            yield CheckResult(
                checker=CHECKER_ID,
                target="*",
                status=Status.SKIPPED,
                detail="no feeds: `lowprofile mentions setup` says how to add your Google Alerts",
            )
            return
        ctx.http.expect(source.url for source in sources)
        read = await asyncio.gather(*(read_source(source, ctx) for source in sources))
        seen: set[str] = set()
        for source, outcome in zip(sources, read, strict=True):
            if isinstance(outcome, CheckResult):
                yield outcome
                continue
            findings, repeats = mentions_in(outcome, source, subject, seen)
            best = max((f.confidence for f in findings), default=0.0)
            status = verdict(best) if best >= 0.5 else Status.NOT_FOUND
            if findings and status is Status.NOT_FOUND:
                status = Status.POSSIBLE  # namesakes only: said, scored low, not dropped
            detail = f"{len(outcome.items)} item(s) read, {len(findings)} naming you"
            if repeats:
                detail += f", {repeats} already in an earlier feed"
            yield _result(source, status, detail, findings=tuple(findings))
