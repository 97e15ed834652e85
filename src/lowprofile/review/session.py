"""The sitting itself: one visible window, one stop at a time, the person present.

For each stop the window opens the site's prefilled search (or the opt-out form, filled as far
as its steps go) and the terminal says in one line what to do. Where the site has a recipe the
page is polled until the wall is gone and the recipe reads it (found, possible or not found):
no key is needed. Where it has none the person answers with one key. Every answer keeps the
page, a screenshot and a manifest, and goes into the person's own ledger (a hand check, or a
request). A site that does not answer is said plainly, and the sitting goes on.

The person passes the checks; nothing here solves, hides or fakes anything (SECURITY.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from lowprofile.brokers.page import PageReading, read_page
from lowprofile.browser.engine import PERSON_WAIT, BrowserEngine
from lowprofile.browser.evidence import EvidenceKeeper, evidence_root
from lowprofile.checkers.brokers import judge_listings
from lowprofile.config import Settings
from lowprofile.errors import NetError
from lowprofile.fetch.fence import check_public_target
from lowprofile.optout.model import HandCheck
from lowprofile.optout.records import RequestLedger, by_hand
from lowprofile.optout_steps.session import Job, run_brokers
from lowprofile.results import Status
from lowprofile.review.person import Interrupted, ReviewPerson, Terminal, Watch
from lowprofile.review.queue import Item, Kind
from lowprofile.review.tabs import Tabs
from lowprofile.sitting import Progress, progress_line
from lowprofile.subject import Subject

log = logging.getLogger(__name__)

POLL = 0.2
"""Seconds between two looks at a page the person is working on: short enough that noticing
the wall is gone adds little to their time, long enough to cost the machine nothing."""
UNREAD_GRACE = 10.0
"""Seconds a page with no wall but no result marker either is given to finish drawing before
the person is asked what it shows."""
VIA = "review"
READ_LINE = "pass the check in the window if it shows one; I'll read the page when results appear"
LOOK_LINE = "look for yourself in the window, then: l listed, n not listed, s skip, o URL"
FORM_LINE = "fill in and send the form in the window, then: d sent, s skip"
READ_ANSWERS = (Status.FOUND, Status.POSSIBLE, Status.NOT_FOUND)


@dataclass(frozen=True)
class Stop:
    """How one stop ended, and where its seconds went (the bench adds these up)."""

    item: Item
    answer: str
    detail: str
    seconds: float
    load: float = 0.0
    """Seconds the page took to load (the site's own time)."""
    person: float = 0.0
    """Seconds spent waiting for the person (a wall, a key, a captcha)."""
    evidence: str = ""
    opened: bool = False

    @property
    def overhead(self) -> float:
        """What the tool itself added: all the rest."""
        return max(0.0, self.seconds - self.load - self.person)


class Review:
    """One sitting over ``items`` for ``subject``, in ``engine``'s visible window."""

    def __init__(
        self,
        subject: Subject,
        engine: BrowserEngine,
        keeper: EvidenceKeeper,
        ledger: RequestLedger,
        progress: Progress,
        terminal: Terminal,
        *,
        watch: Watch | None = None,
        wait: float = PERSON_WAIT,
    ) -> None:
        self.subject = subject
        self.engine = engine
        self.keeper = keeper
        self.ledger = ledger
        self.progress = progress
        self.terminal = terminal
        self.watch = watch
        self.wait = wait
        self._person_seconds = 0.0
        self.tabs = Tabs(engine)

    async def run(self, items: Sequence[Item]) -> list[Stop]:
        """Every stop not yet answered in this sitting, in order; stops at the end of input
        (the person left: ``--resume`` goes on from the next one)."""
        stops: list[Stop] = []
        waiting = [item for item in items if item.key not in self.progress.answers]
        try:
            for number, item in enumerate(waiting):
                upcoming = waiting[number + 1] if number + 1 < len(waiting) else None
                if not await self._one(item, upcoming, items, stops):
                    break
        finally:
            await self.tabs.discard()
        return stops

    async def _one(
        self, item: Item, upcoming: Item | None, items: Sequence[Item], stops: list[Stop]
    ) -> bool:
        """Say where the sitting stands, play one stop and keep its answer; False once the
        person has left."""
        total = len(items)
        done = len([i for i in items if i.key in self.progress.answers])
        elapsed = sum(a.seconds for a in self.progress.answers.values())
        line = progress_line(done, total, elapsed, self.progress.seconds_per_site)
        self.terminal.say(f"[{line}] {item.broker.name}: {item.kind.value}, {item.why}")
        try:
            stop = await self._stop(item, upcoming)
        except Interrupted:
            self.terminal.say(
                f"stopped before {item.broker.name}: `lowprofile review --resume` goes on here"
            )
            return False
        self.progress.record(item.key, stop.answer, stop.seconds, opened=stop.opened)
        self.terminal.say(f"  {item.broker.name}: {stop.detail}")
        stops.append(stop)
        return True

    async def _stop(self, item: Item, upcoming: Item | None = None) -> Stop:
        self._person_seconds = 0.0
        started = time.monotonic()
        if item.kind is Kind.OPTOUT and item.has_steps:
            answer, detail, evidence = await self._steps(item)
            return Stop(
                item,
                answer,
                detail,
                time.monotonic() - started,
                0.0,
                self._person_seconds,
                evidence,
            )
        problem = self._unopenable(item)
        if problem:
            return Stop(item, "dead", f"not opened: {problem}", time.monotonic() - started)
        async with self.tabs.open(item.url) as page:
            status, load, failed = await self._open(page, item.url)
            if failed:
                detail = f"did not answer ({failed}): it may be down, try it another day"
                return Stop(item, "dead", detail, time.monotonic() - started, load)
            helper = self._watching(item, page)
            try:
                if item.kind is Kind.OPTOUT:
                    answer, detail, opened = await self._form(item), "", False
                    detail = "recorded as sent by you" if answer == "sent" else "skipped"
                elif item.reads_itself:
                    answer, detail, opened = await self._read(item, page, status)
                else:
                    answer, detail = await self._look(item, page)
                    opened = False
                if upcoming is not None and not self._unopenable(upcoming):
                    self.tabs.prepare(upcoming.url)
                evidence = "" if answer == "skipped" else await self._keep(item, page)
            finally:
                if helper is not None:
                    helper.cancel()
        seconds = time.monotonic() - started
        return Stop(item, answer, detail, seconds, load, self._person_seconds, evidence, opened)

    def _unopenable(self, item: Item) -> str:
        """Why the sitting will not open ``item`` in a tab of its own ('' when it will): its
        opt-out steps open their own, and a private address is never opened."""
        if item.kind is Kind.OPTOUT and item.has_steps:
            return "its steps open their own tab"
        return (
            check_public_target(item.url, allow_loopback=self.engine.settings.allow_loopback) or ""
        )

    def _watching(self, item: Item, page: Any) -> asyncio.Task[None] | None:
        """The test's stand-in for the person's hands on the window, if any."""
        if self.watch is None:
            return None
        return asyncio.ensure_future(self.watch(item, page))

    async def _open(self, page: Any, url: str) -> tuple[int, float, str]:
        """Load ``url``: (its HTTP status, seconds, why it failed or '')."""
        from playwright.async_api import Error

        settings = self.engine.settings
        budget = (settings.connect_timeout + settings.read_timeout) * 1000
        started = time.monotonic()
        try:
            response = await page.goto(url, timeout=budget, wait_until="domcontentloaded")
        except Error:
            log.debug("%s did not load", url, exc_info=True)
            return 0, time.monotonic() - started, f"nothing at {urlsplit(url).netloc}"
        status = response.status if response is not None else 200
        seconds = time.monotonic() - started
        if status == 502 and not (await page.content()).count("<p"):  # noqa: PLR2004
            return status, seconds, f"nothing at {urlsplit(url).netloc}"
        return status, seconds, ""

    async def _read(self, item: Item, page: Any, status: int) -> tuple[str, str, bool]:
        """Poll the page until the recipe reads an answer; the person passes any wall."""
        statuses = [status]

        def navigated(response: Any) -> None:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                statuses.append(response.status)

        page.on("response", navigated)
        try:
            reading, walled = await self._poll(item, page, statuses)
        finally:
            page.remove_listener("response", navigated)
        if reading is None:  # no wall now, yet no page the recipe knows: the person says
            answer, detail = await self._look(item, page)
            return answer, detail, False
        found, findings, detail = judge_listings(
            item.broker, reading.listings, self.subject, page.url
        )
        listed = found in (Status.FOUND, Status.POSSIBLE)
        where = findings[0].where if findings else page.url
        self._hand_check(item, listed, where)
        opened = walled or item.why.startswith(Status.BLOCKED.value)
        return found.value, f"read by lowprofile: {found.value} ({detail})", opened

    async def _poll(
        self, item: Item, page: Any, statuses: list[int]
    ) -> tuple[PageReading | None, bool]:
        """The reading once it is an answer, with whether a wall stood first; None when the
        page shows no wall and no answer for ``UNREAD_GRACE`` seconds (or the person's time
        ran out)."""
        said = walled = False
        started = time.monotonic()
        unread_since: float | None = None
        while True:
            html = await _content(page)
            reading = read_page(item.broker, html, statuses[-1], page.url)
            if reading.status in READ_ANSWERS:
                return reading, walled
            now = time.monotonic()
            if reading.status is Status.BLOCKED:
                walled, unread_since = True, None
            else:
                unread_since = unread_since or now
            if not said:
                self.terminal.say(f"  {READ_LINE}")
                said = True
            gave_up = now - started > self.wait
            if gave_up or (unread_since is not None and now - unread_since > UNREAD_GRACE):
                return None, walled
            await asyncio.sleep(POLL)
            self._person_seconds += time.monotonic() - now

    async def _look(self, item: Item, page: Any) -> tuple[str, str]:
        """One key from the person: l, n, s, or o with a listing's address."""
        while True:
            text = await self._ask(f"  {item.broker.name}: {LOOK_LINE} > ")
            key, _, rest = text.strip().partition(" ")
            key = key.lower()
            if key == "s":
                return "skipped", "skipped"
            if key in ("l", "n"):
                self._hand_check(item, key == "l", page.url if key == "l" else "")
                word = "listed" if key == "l" else "not listed"
                return word.replace(" ", "_"), f"{word}: recorded"
            if key == "o" and rest.strip().startswith(("https://", "http://")):
                self._hand_check(item, True, rest.strip())
                return "listed", f"listed at {rest.strip()}: recorded"
            self.terminal.say("  one of: l, n, s, or o followed by the listing's address")

    async def _form(self, item: Item) -> str:
        """A web form with no steps: the person sends it, and says so."""
        while True:
            key = (await self._ask(f"  {item.broker.name}: {FORM_LINE} > ")).strip().lower()
            if key == "s":
                return "skipped"
            if key == "d":
                broker = item.broker
                request = by_hand(
                    self.ledger.person, broker.id, date.today(), broker.optout.recheck_days
                )
                self.ledger.add(request)
                return "sent"
            self.terminal.say("  d (sent) or s (skip)")

    async def _steps(self, item: Item) -> tuple[str, str, str]:
        """The broker's opt-out steps for the listing, the person at its captcha."""
        person = ReviewPerson(self.terminal, item, self.watch, self._timed)
        try:
            outcomes = await run_brokers(
                [Job(item.broker, item.url)],
                self.subject,
                person,
                self.engine,
                self.keeper,
                self.ledger,
                dry_run=False,
            )
        except NetError as exc:
            return "dead", f"did not answer ({exc}): it may be down; going on", ""
        outcome = outcomes[0]
        return (
            outcome.state.value,
            f"{outcome.state.value}: {outcome.detail}",
            str(outcome.evidence or ""),
        )

    async def _ask(self, prompt: str) -> str:
        return await self._timed(self.terminal.ask(prompt))

    async def _timed(self, waiting: Awaitable[str | None]) -> str:
        """Await the person, counting the seconds as theirs; end of input is Interrupted."""
        started = time.monotonic()
        try:
            answer = await waiting
        finally:
            self._person_seconds += time.monotonic() - started
        if answer is None:
            raise Interrupted
        return answer

    def _hand_check(self, item: Item, listed: bool, url: str) -> None:
        self.ledger.add_hand_check(HandCheck(item.broker.id, listed, date.today(), url))

    async def _keep(self, item: Item, page: Any) -> str:
        """The page as it stands, a screenshot and the manifest, as the answer's evidence."""
        read = self.engine.settings.read_timeout
        png: bytes = await page.screenshot(full_page=True, timeout=read * 1000)
        html = await _content(page)
        folder = await self.keeper.keep(item.broker.id, page.url, html, VIA, png)
        return str(folder)


async def _content(page: Any) -> str:
    """The DOM now; a page caught reloading (a challenge passed) is looked at again."""
    from playwright.async_api import Error

    for _ in range(20):
        try:
            html: str = await page.content()
            return html
        except Error:
            await asyncio.sleep(POLL)
    html = await page.content()
    return html


async def sit(
    items: Sequence[Item],
    subject: Subject,
    settings: Settings,
    ledger: RequestLedger,
    progress: Progress,
    terminal: Terminal,
    *,
    watch: Watch | None = None,
) -> list[Stop]:
    """One sitting in one visible browser; its evidence in one ``review-<stamp>`` folder. The
    engine keeps each site's cookies as it closes (an interrupted sitting's too)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    async with BrowserEngine(settings, visible=True) as engine:
        keeper = EvidenceKeeper(evidence_root() / f"review-{stamp}", engine)
        review = Review(subject, engine, keeper, ledger, progress, terminal, watch=watch)
        return await review.run(items)


def summary(items: Sequence[Item], progress: Progress) -> list[str]:
    """The closing lines: how far the sitting got, what was read and recorded, and how many
    sites it opened up for the automatic scans."""
    answers = [progress.answers[i.key] for i in items if i.key in progress.answers]
    words = Counter(a.answer for a in answers)
    lines = [f"Answered {len(answers)} of {len(items)} stops."]
    if len(answers) < len(items):
        lines.append("`lowprofile review --resume` goes on with the rest.")
    dead = words.pop("dead", 0)
    if words:
        lines.append(
            "; ".join(f"{n} {word.replace('_', ' ')}" for word, n in sorted(words.items()))
        )
    if dead:
        lines.append(f"{dead} site(s) did not answer: try them another day.")
    opened = progress.opened
    lines.append(
        f"The review opened up {opened} site(s) for automatic scans: their checks were passed "
        "and their cookies are kept."
    )
    return lines
