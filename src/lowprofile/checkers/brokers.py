"""The data-driven people-search checker: one engine, one TOML file per site.

For each broker and each of the Subject's names and places it fills the search URL, fetches it
through the shared client, reads the page (bot wall, no-results marker, result cards), and scores
each card against the Subject. Every outcome is a result with an honest status; the sites are
searched concurrently while each one only sees one request at a time (the politeness of fetch/).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from lowprofile.brokers.installed import recipe_summary
from lowprofile.brokers.listing import Listing, MatchResult
from lowprofile.brokers.loader import BrokerSet, load_brokers
from lowprofile.brokers.matcher import POSSIBLE, match_listing, normalize, verdict
from lowprofile.brokers.page import DRIFT_REASON
from lowprofile.brokers.reach import abroad_results, not_searched_abroad, searched_subject
from lowprofile.brokers.schema import Broker
from lowprofile.brokers.search import (
    STEPS_NEED_BROWSER,
    Fetchers,
    PageCache,
    fetch_and_read,
    fill,
)
from lowprofile.brokers.template import MissingValue, Query, queries_for, queries_left_out
from lowprofile.browser.locate import availability
from lowprofile.checkers.base import CheckContext, Readiness, result_for_net_error
from lowprofile.config import Settings
from lowprofile.errors import NetError
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.optout.model import HandCheck
from lowprofile.privacy import mask_name
from lowprofile.results import CheckResult, Finding, Kind, Remedy, Severity, Status
from lowprofile.subject import Subject

log = logging.getLogger(__name__)

CHECKER_ID = "brokers"
MINUTES_BY_METHOD = {"web form": 5, "email": 10, "phone": 10, "account": 15, "mail": 30}
DRIFT_CONFIDENCE = 0.6
"""The most a listing read from page text (not the recipe's fields) can be: a possible match."""
_PLACE_VARIABLES = frozenset({"city", "state", "state_full", "zip"})
_MISSING_WORDS = {
    "city": "a city",
    "state": "a state",
    "state_full": "a state",
    "zip": "a postcode",
    "age": "a birth year",
    "first": "a first name",
    "last": "a last name",
    "middle": "a middle name",
}


def place_words(query: Query) -> str:
    """The query's place, masked as the report masks it ("A*****, TX")."""
    if query.address is None:
        return ""
    return " ".join(p for p in (mask_name(query.address.city), query.address.state) if p)


def describe_query(broker: Broker, query: Query) -> str:
    """The result's target: broker id and the masked search (never the user's words in clear)."""
    place = place_words(query)
    return f"{broker.id}: {mask_name(query.name.full)}{', ' + place if place else ''}"


def severity_for(exposed: tuple[str, ...]) -> Severity:
    """A street address or phone next to a name is how a doxer reaches the door."""
    address, phone, relatives = "address" in exposed, "phone" in exposed, "relatives" in exposed
    if address and phone and relatives:
        return Severity.CRITICAL
    if address or phone:
        return Severity.HIGH
    if relatives or "locations" in exposed or "age" in exposed:
        return Severity.MEDIUM
    return Severity.LOW


OPTOUT_RUN = "lowprofile optout run --show-browser"
"""Where a broker file has opt-out steps, lowprofile does the opt-out (the person watches)."""


def optout_remedy(broker: Broker) -> Remedy:
    optout = broker.optout
    summary = f"Request removal from {broker.name} ({optout.method})"
    if broker.parent:
        summary += f"; {broker.parent} runs it, so one request may cover its sister sites"
    if optout.method == "email" and optout.email:
        summary += f"; write to {optout.email}"
    return Remedy(
        action="optout",
        summary=summary,
        url=optout.url,
        method=optout.method,
        requires=optout.requires,
        group=broker.group,
        minutes=MINUTES_BY_METHOD.get(optout.method, 10),
        recheck_days=optout.recheck_days,
        command=f"{OPTOUT_RUN} {broker.id}" if optout.steps else None,
    )


def hand_check_result(
    broker: Broker, checked: HandCheck, target: str, url: str, today: date | None = None
) -> CheckResult | None:
    """A site with no automatic search, answered by the person: listed stays a finding (with
    its opt-out) until they say it is gone; "not listed" holds until the site's re-check time."""
    when = checked.checked.isoformat()
    if checked.listed:
        finding = Finding(
            kind=Kind.BROKER_LISTING,
            title=f"{broker.name} lists you (you checked by hand on {when})",
            where=checked.url or url,
            exposed=("name",),
            severity=Severity.MEDIUM,
            remedy=optout_remedy(broker),
            evidence={"broker": broker.id, "checked_by_hand": when},
            reasons=("you found yourself there by hand",),
            key=f"{CHECKER_ID}:{broker.id}:by-hand",
        )
        detail = f"listed: you checked by hand on {when}"
        return CheckResult(
            CHECKER_ID, target, Status.FOUND, (finding,), detail, url, broker.id, broker.verified
        )
    age = ((today or date.today()) - checked.checked).days
    if age > broker.optout.recheck_days:
        return None  # too long ago: look again
    detail = f"not listed when you checked by hand on {when}"
    return CheckResult(
        CHECKER_ID, target, Status.NOT_FOUND, (), detail, url, broker.id, broker.verified
    )


def listing_digest(listing: Listing) -> str:
    """The identity of a listing without a link: all it shows, so two namesakes in one town
    with different ages or phones stay two findings (the same card twice is still one)."""
    shown = json.dumps(listing.to_dict(), sort_keys=True, ensure_ascii=False)
    return "card:" + hashlib.sha256(normalize(shown).encode("utf-8")).hexdigest()[:16]


def listing_finding(broker: Broker, listing: Listing, match: MatchResult, url: str) -> Finding:
    shown = [f for f in match.exposed if f != "name"]
    what = ", ".join(shown) if shown else "your name"
    identity = listing.url or listing_digest(listing)
    return Finding(
        kind="broker_listing",
        title=f"{broker.name} lists {what}",
        where=listing.url or url,
        exposed=match.exposed,
        severity=severity_for(match.exposed),
        confidence=match.confidence,
        remedy=optout_remedy(broker),
        evidence={"broker": broker.id, "verified": broker.verified, **listing.to_dict()},
        reasons=match.reasons,
        key=f"{CHECKER_ID}:{broker.id}:{identity}",
    )


def judge_listings(
    broker: Broker, listings: list[Listing], subject: Subject, url: str
) -> tuple[Status, tuple[Finding, ...], str]:
    """found / possible / not_found for parsed cards, with findings for those that match."""
    scored = [(listing, match_listing(listing, subject)) for listing in listings]
    findings = tuple(
        listing_finding(broker, listing, match, url)
        for listing, match in sorted(scored, key=lambda pair: -pair[1].confidence)
        if match.confidence >= POSSIBLE
    )
    status = verdict(max((match.confidence for _, match in scored), default=0.0))
    if status is Status.FOUND:
        return status, findings, f"{len(findings)} listing(s) match you"
    if status is Status.POSSIBLE:
        return status, findings, "a listing partly matches you: check it"
    return status, (), f"{len(listings)} listing(s) on the page, none matches you"


def planned_requests(
    brokers: Iterable[Broker], queries: Callable[[Broker], Sequence[Query]], fetcher: Fetchers
) -> dict[str, list[str]]:
    """Broker id -> the URLs its searches will request over plain HTTP, each distinct request
    once (the page cache shares one between clone sites): the work the scheduler plans with."""
    seen: set[tuple[str, str, str]] = set()
    planned: dict[str, list[str]] = {}
    for broker in brokers:
        if not broker.automatic or broker.searched_as or fetcher.wants_browser(broker):
            continue
        for query in queries(broker):
            try:
                search = fill(broker, query)
            except MissingValue:
                continue
            key = (broker.search.method, search.url, repr(sorted(search.form.items())))
            if key not in seen:
                seen.add(key)
                planned.setdefault(broker.id, []).append(search.url)
    return planned


def busiest_first(brokers: Iterable[Broker], planned: dict[str, list[str]]) -> list[Broker]:
    """Brokers whose host has the most planned requests first (ties keep the files' order): the
    longest polite chain must start at once, not queue behind sites searched once each."""
    per_host = Counter(_host(url) for urls in planned.values() for url in urls)

    def work(broker: Broker) -> int:
        urls = planned.get(broker.id)
        return per_host[_host(urls[0])] if urls else 0

    return sorted(brokers, key=work, reverse=True)


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


class BrokerChecker:
    """People-search and data-broker sites, driven by the broker files.

    The subject's searches (name × place, ``queries_for``) are worked out once per scan and
    handed down; what the person recorded by hand comes in the context, read by the pipeline."""

    id = CHECKER_ID
    title = "People-search sites"

    def __init__(self, broker_set: BrokerSet | None = None) -> None:
        self._set = broker_set
        self._pages = PageCache()
        self._queries: dict[Subject, tuple[Query, ...]] = {}

    def brokers_for(self, settings: Settings) -> BrokerSet:
        """The broker files, loaded once with this scan's ``allow_loopback`` (no config read)."""
        if self._set is None:
            self._set = load_brokers(allow_loopback=settings.allow_loopback)
        return self._set

    def queries(self, subject: Subject, broker: Broker | None = None) -> tuple[Query, ...]:
        """The subject's searches (on ``broker``: a US-only site searches the US places only),
        computed on first use and kept for the scan: the progress count, the scheduler's plan
        and every broker's searches share them."""
        searched = (searched_subject(broker, subject) or subject) if broker else subject
        if searched not in self._queries:
            self._queries[searched] = tuple(queries_for(searched))
        return self._queries[searched]

    def readiness(self, settings: Settings) -> Readiness:
        if not self.brokers_for(settings).brokers:
            return Readiness(False, "no broker files could be loaded")
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        brokers = len(self._set.brokers) if self._set is not None else 0
        return len(self.queries(subject)) * brokers

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        for problem in self.brokers_for(ctx.settings).problems:
            path, _, rest = problem.partition(":")
            yield CheckResult(CHECKER_ID, Path(path).name, Status.ERROR, detail=problem)
        missing = self._browser_missing(ctx)
        if missing:
            yield CheckResult(CHECKER_ID, "browser engine", Status.SKIPPED, detail=missing)
        left_out = queries_left_out(subject)
        if left_out:
            yield CheckResult(CHECKER_ID, "*", Status.SKIPPED, detail=left_out)
        chosen = self.chosen(ctx)
        abroad = not_searched_abroad(chosen, subject)
        for result in abroad_results(CHECKER_ID, abroad):
            yield result
        chosen = [b for b in chosen if b not in abroad]

        def queries(broker: Broker) -> tuple[Query, ...]:
            return self.queries(subject, broker)

        planned = planned_requests(
            chosen, queries, Fetchers(ctx.http, ctx.browser, ctx.browser_mode)
        )
        ctx.http.expect(url for urls in planned.values() for url in urls)
        tasks = [
            asyncio.create_task(self._search_broker(broker, queries(broker), subject, ctx))
            for broker in busiest_first(chosen, planned)
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                for result in await next_done:
                    yield result
        finally:
            for task in tasks:
                task.cancel()

    def chosen(self, ctx: CheckContext) -> list[Broker]:
        """The brokers this scan searches: every one, or the sites asked for (``--site``)."""
        sites = set(ctx.options.sites)
        brokers = self.brokers_for(ctx.settings).brokers
        return [b for b in brokers.values() if not sites or b.id in sites]

    def _browser_missing(self, ctx: CheckContext) -> str:
        """Said once per scan: why the browser is not there, when a recipe (or ``always``)
        wanted it; those sites are then fetched over HTTP and read honestly."""
        if ctx.browser is not None or ctx.browser_mode == "never":
            return ""
        wanted = ctx.browser_mode == "always" or any(
            b.automatic and (b.search.fetch == "browser" or b.search.mode == "steps")
            for b in self.brokers_for(ctx.settings).brokers.values()
        )
        found = availability()
        return (found.reason or "the browser engine is off") if wanted else ""

    @staticmethod
    def _by_hand(broker: Broker, ctx: CheckContext) -> str:
        """Why this site is a link for the person to open ("" when lowprofile searches it): no
        automatic search, or a search played as steps with no browser to play it in."""
        if not broker.automatic:
            return f"{broker.name} cannot be searched automatically: open the link and look"
        if broker.search.mode == "steps" and (ctx.browser is None or ctx.browser_mode == "never"):
            why = "--browser never" if ctx.browser_mode == "never" else None
            why = why or availability().reason or "the browser engine is off"
            return f"{broker.name}: {STEPS_NEED_BROWSER}, and {why}: open the link and look"
        return ""

    async def _search_broker(
        self, broker: Broker, queries: Sequence[Query], subject: Subject, ctx: CheckContext
    ) -> list[CheckResult]:
        results: list[CheckResult] = []
        seen_urls: set[str] = set()
        seen_findings: set[str] = set()
        seen_hints: set[str] = set()
        subject = searched_subject(broker, subject) or subject  # a US-only site: US places only
        for query in queries:
            try:
                result = await self._search_one(broker, query, subject, ctx, seen_urls)
            except Exception as exc:  # one broken recipe must not end the others
                log.debug("broker %s failed", broker.id, exc_info=True)
                result = CheckResult(
                    CHECKER_ID,
                    describe_query(broker, query),
                    Status.ERROR,
                    detail=f"{broker.name}: {exc.__class__.__name__}: {exc}",
                    source=broker.id,
                    verified=broker.verified,
                )
            ctx.advance(1)
            if result is None:
                continue
            origin = self.brokers_for(ctx.settings).origins.get(broker.id)
            result = replace(result, recipe=origin.label if origin else None)
            if result.status is Status.SKIPPED:
                if result.detail in seen_hints:
                    continue  # the same missing detail for another name: said once
                seen_hints.add(result.detail)
            fresh = tuple(f for f in result.findings if f.key not in seen_findings)
            if len(fresh) < len(result.findings):
                # Another name of the user led to the same listing: report it once.
                note = f"{len(result.findings) - len(fresh)} listing(s) already reported above"
                result = replace(result, findings=fresh, detail=f"{result.detail}; {note}")
            seen_findings.update(f.key for f in fresh)
            results.append(result)
        return results

    async def _search_one(
        self,
        broker: Broker,
        query: Query,
        subject: Subject,
        ctx: CheckContext,
        seen_urls: set[str],
    ) -> CheckResult | None:
        target = describe_query(broker, query)
        known = self.brokers_for(ctx.settings).brokers
        if broker.searched_as and broker.searched_as in known:
            host = known[broker.searched_as]
            if not seen_urls:
                seen_urls.add("")  # one such note per broker, not one per name searched
                return CheckResult(
                    CHECKER_ID,
                    broker.name,
                    Status.SKIPPED,
                    detail=f"shows {host.name}'s listings: searched there, removed by its opt-out",
                    url=f"https://{broker.domain}/",
                    source=broker.id,
                    verified=broker.verified,
                )
            return None
        try:
            search = fill(broker, query)
        except MissingValue as exc:
            needed = _MISSING_WORDS.get(exc.variable, exc.variable)
            if exc.variable in _PLACE_VARIABLES and query.address is not None:
                entry = "the address " + place_words(query)
            elif exc.variable == "age":
                entry = "your birth year"
            else:
                entry = "your name"
            return CheckResult(
                CHECKER_ID,
                target,
                Status.SKIPPED,
                detail=f"{broker.name} searches need {needed}: add {entry} to your profile"
                if entry == "your birth year"
                else f"{broker.name} searches need {needed}: add it to {entry} in your profile",
                url=f"https://{broker.domain}/",
                source=broker.id,
                verified=broker.verified,
            )
        url = search.url
        # A search played as steps starts on one page for every name: its values tell it apart.
        asked = f"{url} {sorted(search.values.items())}" if search.steps else url
        if asked in seen_urls:
            return None
        seen_urls.add(asked)
        by_hand = self._by_hand(broker, ctx)
        if by_hand:
            checked = ctx.hand_checks.get(broker.id)
            if checked is not None:
                answer = hand_check_result(broker, checked, target, url)
                if answer is not None:
                    return answer
            return CheckResult(
                CHECKER_ID,
                target,
                Status.MANUAL,
                detail=by_hand,
                url=url,
                source=broker.id,
                verified=broker.verified,
            )
        try:
            fetcher = Fetchers(ctx.http, ctx.browser, ctx.browser_mode)
            page = await fetch_and_read(fetcher, broker, search, self._pages)
        except NetError as exc:
            return result_for_net_error(CHECKER_ID, target, exc, url=url, source=broker.id)
        if ctx.save_pages is not None:
            folder = ensure_private_dir(ctx.save_pages)
            write_private(folder / f"{broker.id}-{len(seen_urls)}.html", page.text)
        reading = page.reading
        findings: tuple[Finding, ...] = ()
        status, detail = reading.status, reading.reason
        if status is Status.FOUND:
            status, findings, detail = judge_listings(broker, reading.listings, subject, url)
            if reading.drifted and findings:
                # Listings read from the page text, not the recipe: never more than possible.
                findings = tuple(
                    replace(
                        f,
                        confidence=min(f.confidence, DRIFT_CONFIDENCE),
                        reasons=(*f.reasons, DRIFT_REASON),
                    )
                    for f in findings
                )
                status, detail = Status.POSSIBLE, f"{detail}; {DRIFT_REASON}"
        if findings and ctx.evidence is not None:
            try:
                await ctx.evidence.keep(broker.id, page.url or url, page.text, page.via)
            except OSError as exc:  # the finding stands without its evidence; say so
                detail += f"; evidence not kept: {exc.strerror or exc}"
        if status.is_answer:
            # What backs the recipe, never blurred: proved on a real page, or a definition.
            origin = self.brokers_for(ctx.settings).origins.get(broker.id)
            detail += f" (recipe {recipe_summary(broker.id, origin)})"
        return CheckResult(
            CHECKER_ID,
            target,
            status,
            findings=findings,
            detail=detail,
            url=url,
            source=broker.id,
            verified=broker.verified,
        )
