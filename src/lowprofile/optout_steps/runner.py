"""Play one broker's opt-out steps on one page, for one listing.

The person stays in charge: what the steps will type is shown and approved before the first
page loads, a dry run stops before the click that submits, a captcha waits for the person in
the visible window (an unattended run reports ``needs you`` instead), and every submit leaves a
screenshot of the page the broker answered with. A step that fails says which and why, with a
screenshot of the page as it stood: a form that changed is ``failed``, not a guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from lowprofile.brokers.schema import CONDITION_WAIT, Broker, OptOutStep
from lowprofile.brokers.search import holds
from lowprofile.brokers.template import MissingValue, render
from lowprofile.browser.engine import PERSON_WAIT, playwright_selector
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.browser.flow import expected
from lowprofile.config import Settings
from lowprofile.errors import LowprofileError
from lowprofile.fetch.fence import check_public_target
from lowprofile.optout_steps.choose import choose_row
from lowprofile.optout_steps.links import allowed_link
from lowprofile.optout_steps.madeup import is_made_up, rule_of, value_key
from lowprofile.optout_steps.mailbox import Answer, find_confirmation, has_mailbox
from lowprofile.optout_steps.values import Asked, asked, subject_query
from lowprofile.subject import Subject

VIA = "browser opt-out"
NAVIGATING = ("navigate", "click", "select_listing", "choose_listing", "email_confirmation")
"""Steps after which the page may be on another URL: where it landed is checked."""
IDENTIFYING = ("full_name", "email", "listing_url")
"""Values that, found in a form field the steps did not fill, stop the submit."""

CHOOSE_OPTION = """(select, wanted) => {
    const words = t => String(t || '').trim().toLowerCase();
    const options = Array.from(select.options);
    const want = wanted.filter(w => w).map(words);
    let found = options.find(o => want.includes(words(o.value)) || want.includes(words(o.text)));
    const place = /^[0-9]+$/.test(want[0] || '') ? Number(want[0]) : -1;
    if (!found && place > 0 && place < options.length) found = options[place];
    if (!found) return false;
    select.value = found.value;
    select.dispatchEvent(new Event('input', {bubbles: true}));
    select.dispatchEvent(new Event('change', {bubbles: true}));
    return true;
}"""
"""Choose a drop-down's option by its value or words, else a number as its place after the
first (a "Month" or "State" heading comes first)."""


class RunState(StrEnum):
    """How one listing's opt-out run ended, in machine values (the command that shows a run
    owns the words). Four of them are the request's own states (``RequestState``), which
    ``session.outcome_events`` writes into the ledger; a dry run and a declined run are not
    requests and leave the ledger alone."""

    SUBMITTED = "submitted"
    DRY_RUN = "dry_run"
    DECLINED = "declined"
    NEEDS_YOU = "needs_you"
    EMAIL_PENDING = "email_pending"
    FAILED = "failed"


@dataclass(frozen=True)
class FormField:
    """One field of the form about to be sent, and whether the steps fill it."""

    name: str
    kind: str
    filled_with: str
    """The label of the subject value typed into it, or empty: left as the page had it."""


class Person(Protocol):
    """The person at the keyboard: sees what is sent, approves, solves captchas, pastes links."""

    present: bool
    """Someone can act in a visible window (``--show-browser``); otherwise captchas wait."""

    def approve(self, broker: Broker, asks: list[Asked]) -> bool: ...

    def show_form(self, broker: Broker, fields: list[FormField]) -> None: ...

    async def solve_captcha(self, broker: Broker, page: Any, *, marked: bool) -> None:
        """Ask for the captcha; ``marked``: the page shows when it is solved (the runner waits
        for that), otherwise return only once the person says it is done."""

    async def confirmation_link(self, broker: Broker) -> str: ...


@dataclass
class Outcome:
    """One run's end: its state, why, the page it ended on and the evidence kept."""

    broker: str
    listing: str
    state: RunState
    detail: str = ""
    evidence: Path | None = None
    sent: list[Asked] = field(default_factory=list)
    submitted_at: datetime | None = None
    """When the form went (None: it never did)."""
    confirmed: bool = False
    """The broker's confirmation link was opened."""


class StepFailed(Exception):
    """A step could not do its job; the message names the step."""

    def __init__(self, state: RunState, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


def same_listing(href: str, listing: str) -> bool:
    """A link points at the listing found: same host and path (query and slash aside)."""
    a, b = urlsplit(href), urlsplit(listing)
    return (a.hostname, a.path.rstrip("/")) == (b.hostname, b.path.rstrip("/"))


class StepRunner:
    """Plays ``broker``'s steps for one listing on ``page``."""

    def __init__(
        self,
        broker: Broker,
        subject: Subject,
        listing: str,
        values: dict[str, str],
        person: Person,
        keeper: EvidenceKeeper,
        *,
        dry_run: bool,
        settings: Settings | None = None,
    ) -> None:
        self.broker = broker
        self.subject = subject
        self.query = subject_query(subject)
        self.listing = listing
        self.values = values
        self.person = person
        self.keeper = keeper
        self.dry_run = dry_run
        self.settings = settings or Settings()
        self.allow_loopback = self.settings.allow_loopback
        self.typed: list[Asked] = []
        self.evidence: Path | None = None
        self.submitted_at: datetime | None = None
        self.sent_at: datetime | None = None
        """When the form went, in this run or the one resumed: mail older than it is not its."""
        self.confirmed = False
        self.chosen: list[str] = []
        """Why each row a choose_listing step clicked was the person's."""
        self.hops: list[str] = []
        """Main-frame navigations since the last look, redirect hops included."""

    def outcome(self, state: RunState, detail: str) -> Outcome:
        sent = self.typed if state is not RunState.DRY_RUN else []
        return Outcome(
            self.broker.id,
            self.listing,
            state,
            detail,
            self.evidence,
            sent,
            self.submitted_at,
            self.confirmed,
        )

    async def run(self, page: Any, *, first: int = 1, sent_at: datetime | None = None) -> Outcome:
        """Every step in order from step ``first`` (a later start resumes a request sent at
        ``sent_at``, at its confirmation email); the outcome says where it stopped and why."""
        from playwright.async_api import Error

        self.sent_at = sent_at
        steps = self.broker.optout.steps
        asks = asked(steps[first - 1 :], self.values)
        approved = not asks or self.person.approve(self.broker, asks)
        if not approved:
            return self.outcome(RunState.DECLINED, "you did not approve what the form asks for")
        submitted = first > 1
        page.on("request", self._hop(page))
        number, skip_to = first, 0
        for number, step in enumerate(steps[first - 1 :], first):
            if number <= skip_to:  # governed by a condition that did not hold
                continue
            try:
                if step.action == "click" and step.submit and self.dry_run:
                    await self._show_form(page, step)
                    return self.outcome(RunState.DRY_RUN, f"stopped before step {number}")
                if step.action == "condition":
                    if not await self._holds(page, step):
                        skip_to = number + step.then
                    continue
                if not await self._applies(page, step):
                    continue
                stopped = await self._play(page, step)
                self._check_landing(page, step)
                submitted = submitted or (step.action == "click" and step.submit)
            except StepFailed as failed:
                await self._keep(page, f"step {number}")
                return self.outcome(failed.state, f"step {number} ({step.action}): {failed.detail}")
            except Error as exc:
                await self._keep(page, f"step {number}")
                why = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason"
                state = RunState.FAILED
                try:  # a hop off the broker's site (the fence refused it) says why it failed
                    self._check_landing(page, step)
                except StepFailed as off:
                    state, why = off.state, off.detail
                return self.outcome(state, f"step {number} ({step.action}): {why}")
            if stopped is not None:
                return self.outcome(stopped, f"step {number}: waiting for the confirmation email")
        if not submitted:
            return self.outcome(RunState.FAILED, "the steps ended without a submit")
        return self.outcome(RunState.SUBMITTED, "the broker's page confirmed the request")

    def _hop(self, page: Any) -> Callable[[Any], None]:
        def seen(request: Any) -> None:
            if request.is_navigation_request() and request.frame == page.main_frame:
                self.hops.append(request.url)

        return seen

    def _check_landing(self, page: Any, step: OptOutStep) -> None:
        """Where the step took the page, and every redirect hop on the way, must be the
        broker's (on this machine, its own host:port): a form or a confirmation link that
        sends the browser elsewhere is refused, whatever the link looked like."""
        if step.action not in NAVIGATING:
            return
        hops, self.hops = [*self.hops, page.url], []
        for url in dict.fromkeys(hops):
            refused = allowed_link(url, self.broker, step, allow_loopback=self.allow_loopback)
            if refused:
                state = RunState.EMAIL_PENDING if step.action == "email_confirmation" else None
                why = f"the page went off the broker's site: {refused}"
                raise StepFailed(state or RunState.FAILED, why)

    async def _play(self, page: Any, step: OptOutStep) -> RunState | None:
        timeout = step.timeout * 1000
        if step.action == "navigate":
            await page.goto(self._url(step.url), timeout=timeout, wait_until="domcontentloaded")
        elif step.action == "fill":
            await self._fill(page, step)
        elif step.action == "select_listing":
            await self._select_listing(page, step)
        elif step.action == "choose_listing":
            await self._choose_listing(page, step)
        elif step.action == "click" and (step.all or step.optional):
            await self._click_each(page, step)
        elif step.action == "click":
            if step.submit:
                await self._show_form(page, step)
            # Taken before the click: the broker's mail can arrive before click() returns,
            # and mail older than the submit is not looked at.
            before = datetime.now(UTC)
            await page.locator(playwright_selector(step.selector)).first.click(timeout=timeout)
            if step.submit:
                self.submitted_at = self.sent_at = before
                await page.wait_for_load_state("domcontentloaded", timeout=timeout)
                await self._keep(page, "after the submit")
        elif step.action == "expect":
            await self._expect(page, step)
        elif step.action == "captcha":
            await self._captcha(page, step)
        elif step.action == "email_confirmation":
            return await self._email(page, step)
        return None

    async def _fill(self, page: Any, step: OptOutStep) -> None:
        """Type the value, or in a drop-down choose the option that says it (its value or its
        words; a number may also be the option's place, as a month is)."""
        value = self.values.get(value_key(step), "")
        target = page.locator(playwright_selector(step.selector)).first
        await target.wait_for(state="attached", timeout=step.timeout * 1000)
        if await target.evaluate("e => e.tagName") == "SELECT":
            wanted = [value]
            if step.value == "state":  # "TX" or "Texas", whichever the list says
                wanted.append(self.values.get("state_full", ""))
            chosen = await target.evaluate(CHOOSE_OPTION, wanted)
            if not chosen:
                raise StepFailed(RunState.FAILED, f"form changed: no option {value!r} to choose")
        else:
            await target.fill(value, timeout=step.timeout * 1000)
        rule = rule_of(step) if is_made_up(step.value) else ""
        self.typed.append(Asked(step.value, value, step.selector, rule=rule))

    async def _click_each(self, page: Any, step: OptOutStep) -> None:
        """``all``: every match, in page order (none within the timeout is no failure, as in a
        search's steps); ``optional``: the first match if it comes within the timeout."""
        from playwright.async_api import Error

        targets = page.locator(playwright_selector(step.selector))
        try:
            await targets.first.wait_for(state="attached", timeout=step.timeout * 1000)
        except Error:
            if step.optional or step.all:
                return
            raise
        for index in range(await targets.count() if step.all else 1):
            await targets.nth(index).click(timeout=step.timeout * 1000)

    async def _holds(self, page: Any, step: OptOutStep) -> bool:
        """A condition: the selector or text is on the page within its timeout, and a value it
        names is within its bounds (a value the profile lacks stops the run: no guess)."""
        if step.value:
            raw = self.values.get(step.value, "")
            if not raw:
                raise StepFailed(RunState.FAILED, f"the profile has no {step.value}")
            try:
                number = float(raw)
            except ValueError as exc:
                raise StepFailed(RunState.FAILED, f"{step.value} {raw!r} is no number") from exc
            if step.at_least is not None and number < step.at_least:
                return False
            if step.below is not None and number >= step.below:
                return False
        if not (step.selector or step.text):
            return True
        try:
            await self._expect(page, step)
        except StepFailed:
            return False
        return True

    async def _applies(self, page: Any, step: OptOutStep) -> bool:
        """A step's own ``when`` (a selector shown) and ``when_value`` (``{age} >= 45``), the
        form search steps use: a step whose condition fails is passed over."""
        if step.when_value and not holds(step.when_value, self.query):
            return False
        if step.when:
            probe = OptOutStep("condition", selector=step.when, timeout=CONDITION_WAIT)
            return await self._holds(page, probe)
        return True

    async def _choose_listing(self, page: Any, step: OptOutStep) -> None:
        """Click ``step.click`` in the row the matcher says is the person (``choose.py``)."""
        rows = page.locator(playwright_selector(step.selector))
        await rows.first.wait_for(state="attached", timeout=step.timeout * 1000)
        html = await asyncio.wait_for(page.content(), step.timeout)
        choice = choose_row(self.broker, step, self.subject, html, page.url)
        if choice.row is None:
            raise StepFailed(RunState.NEEDS_YOU, f"which listing is yours? {choice.why}")
        if await rows.count() != choice.rows:
            raise StepFailed(RunState.FAILED, "the result rows changed while they were read")
        button = rows.nth(choice.row).locator(playwright_selector(step.click)).first
        await button.click(timeout=step.timeout * 1000)
        self.chosen.append(choice.why)

    def _url(self, template: str) -> str:
        try:
            url = render(template, self.query, {"listing_url": self.listing})
        except MissingValue as exc:
            raise StepFailed(RunState.FAILED, f"the profile has no {exc.variable}") from exc
        problem = check_public_target(url, allow_loopback=self.allow_loopback)
        if problem:
            raise StepFailed(RunState.FAILED, problem)
        return url

    async def _select_listing(self, page: Any, step: OptOutStep) -> None:
        links = page.locator(playwright_selector(step.selector))
        await links.first.wait_for(state="attached", timeout=step.timeout * 1000)
        name = self.values.get("full_name", "").casefold()
        for index in range(await links.count()):
            link = links.nth(index)
            if step.match == "name":
                chosen = bool(name) and name in (await link.inner_text()).casefold()
            else:
                href = await link.get_attribute("href") or ""
                chosen = same_listing(urljoin(page.url, href), self.listing)
            if chosen:
                await link.click(timeout=step.timeout * 1000)
                await page.wait_for_load_state("domcontentloaded")
                return
        raise StepFailed(RunState.FAILED, f"the page offers no link to {self.listing}")

    async def _expect(self, page: Any, step: OptOutStep) -> None:
        """The selector and/or text appears, or the address holds ``url``, within the timeout;
        an ``optional`` expectation only waits."""
        from playwright.async_api import Error

        if step.url and step.action == "expect":
            try:
                await page.wait_for_url(f"**{step.url}**", timeout=step.timeout * 1000)
            except Error as exc:
                if not step.optional:
                    raise StepFailed(RunState.FAILED, f"never reached {step.url!r}") from exc
            if not (step.selector or step.text):
                return
        target = expected(page, step.selector, step.text)
        try:
            await target.wait_for(state="attached", timeout=step.timeout * 1000)
        except Error as exc:
            if step.optional:
                return
            what = step.text or step.selector
            raise StepFailed(RunState.FAILED, f"form changed: {what!r} never appeared") from exc

    async def _captcha(self, page: Any, step: OptOutStep) -> None:
        from playwright.async_api import Error

        if not self.person.present:
            raise StepFailed(RunState.NEEDS_YOU, "a captcha: run again with --show-browser")
        await self.person.solve_captcha(self.broker, page, marked=bool(step.selector))
        if not step.selector:
            return
        solved = page.locator(playwright_selector(step.selector)).first
        try:
            await solved.wait_for(state="attached", timeout=PERSON_WAIT * 1000)
        except Error as exc:
            raise StepFailed(RunState.NEEDS_YOU, "the captcha was not solved in time") from exc

    async def _email(self, page: Any, step: OptOutStep) -> RunState | None:
        """The broker's confirmation link: from the person's mailbox when one is set up (only
        mail from the broker's domains, only links on them), else pasted by the person. A link
        that works only some time after the submit (``delay``) is left for ``--due``."""
        if step.delay and self.sent_at is not None:
            ready = self.sent_at + timedelta(seconds=step.delay)
            if datetime.now(UTC) < ready:
                when = f"{ready:%H:%M} UTC"
                why = f"the broker's link works only from {when}: `optout run --due` opens it"
                raise StepFailed(RunState.EMAIL_PENDING, why)
        if has_mailbox(self.settings):
            link = await self._link_from_mailbox(step)
        else:
            link = (await self.person.confirmation_link(self.broker)).strip()
        if not link:
            return RunState.EMAIL_PENDING
        refused = allowed_link(link, self.broker, step, allow_loopback=self.allow_loopback)
        if refused:
            raise StepFailed(RunState.EMAIL_PENDING, f"link refused: {refused}")
        await page.goto(link, timeout=step.timeout * 1000, wait_until="domcontentloaded")
        self.confirmed = True
        return None

    async def _link_from_mailbox(self, step: OptOutStep) -> str:
        since = self.sent_at or datetime.now(UTC)
        try:
            found = await asyncio.to_thread(
                find_confirmation, self.broker, step, since, step.timeout, settings=self.settings
            )
        except LowprofileError as exc:  # unreachable server, wrong password: say so, keep going
            raise StepFailed(RunState.EMAIL_PENDING, f"mailbox: {exc}") from exc
        if found.answer is Answer.REFUSED:
            raise StepFailed(RunState.EMAIL_PENDING, f"link refused: {found.refusals}")
        if found.answer is Answer.NO_LINK:
            raise StepFailed(RunState.EMAIL_PENDING, "the broker's mail holds no link")
        return found.link

    async def _show_form(self, page: Any, step: OptOutStep) -> None:
        """Show the person every field of the form the submit sends, and which the steps fill:
        a field the file does not name is sent as the page left it, never with our data."""
        button = page.locator(playwright_selector(step.selector)).first
        listing = button.evaluate(
            """b => Array.from((b.form || b.closest('form') || document).elements || [])
                 .filter(e => e.name && e.type !== 'submit' && e.type !== 'button')
                 .map(e => [e.name, e.type, String(e.value || '')])""",
            timeout=step.timeout * 1000,
        )
        try:  # the element is found within its timeout; a script that never yields is not
            raw = await asyncio.wait_for(listing, step.timeout)
        except TimeoutError as exc:
            raise StepFailed(RunState.FAILED, "the page stopped answering") from exc
        typed = {a.value: a.label for a in self.typed}
        others = {v: n for n, v in self.values.items() if n in IDENTIFYING and v and v not in typed}
        fields = []
        for name, kind, value in raw:
            if value in others:  # e.g. a browser autofill: data the steps do not name
                raise StepFailed(RunState.FAILED, f"field {name!r} holds your {others[value]}")
            fields.append(FormField(name, kind, typed.get(value, "")))
        self.person.show_form(self.broker, fields)

    async def _keep(self, page: Any, moment: str) -> None:
        """A screenshot and the HTML of the live page, as evidence of what the broker showed."""
        from playwright.async_api import Error

        read = self.settings.read_timeout
        try:
            png: bytes = await page.screenshot(full_page=True, timeout=read * 1000)
            html: str = await asyncio.wait_for(page.content(), read)
        except (Error, TimeoutError):  # a page that stopped answering keeps no evidence
            return
        self.evidence = await self.keeper.keep(
            self.broker.id, page.url, html, f"{VIA}, {moment}", png
        )
