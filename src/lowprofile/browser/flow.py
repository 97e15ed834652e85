"""A search played as steps on one page: the form fills, clicks and waits a site's search needs.

Some sites have no search URL to fill in: their search is a form to fill and post, then a
question or two ("is the person older than 45?"), sometimes a captcha, then the results. The
broker file says the flow in the opt-out steps' vocabulary (``navigate``, ``fill``, ``click``,
``expect``, ``captcha``, each with an optional ``when``: a selector the page must show for the
step to run). This module plays such a flow on a page the engine opened, inside the engine's
rules (its deadlines, its per-host clock, its fence); ``BrowserEngine.play`` is its entry.

It knows nothing of brokers: the caller hands steps whose URLs are already filled in, the
values a ``fill`` may type (only those the step names), and decides what the end page means.
A captcha in an unattended scan is never passed over: the flow stops and says a person is
needed, so the search reads ``blocked``, never "nobody here".
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

PERSON_NEEDED = "a captcha stops the search: run `lowprofile scan --show-browser` to solve it"
"""Why an unattended flow stopped at a captcha (the scan's answer is ``blocked``)."""


class Step(Protocol):
    """One step as a broker file writes it (``brokers.schema.OptOutStep`` is one); read only."""

    @property
    def action(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def selector(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def when(self) -> str: ...
    @property
    def all(self) -> bool: ...


@dataclass(frozen=True)
class Stop:
    """Why a flow ended before its last step: a person is needed (``person``) or a step could
    not do its job (``failed``: the form is not what the file says)."""

    person: str = ""
    failed: str = ""


class Guard(Protocol):
    """What the engine lends a flow: its deadline on every call, its per-host clock, and a
    person when the window is visible."""

    visible: bool

    async def within(self, call: Awaitable[Any], seconds: float, what: str) -> Any: ...

    async def turn(self) -> None: ...

    def notify(self, message: str) -> None: ...


GRACE = 10.0
"""Seconds added to a step's own timeout before its browser is called stuck and stopped."""
PERSON_WAIT = 300.0
"""Seconds a visible browser waits for the person to solve a captcha."""


def playwright_selector(selector: str) -> str:
    """A recipe selector (CSS, or XPath starting with / ./ or a bracket) as Playwright reads it."""
    if selector.startswith(("/", "./", "(")):
        return "xpath=" + selector
    return selector


def expected(page: Any, selector: str, text: str) -> Any:
    """The first element an ``expect`` step waits for: the selector, the text, or the selector's
    elements holding the text (one rule for search steps and opt-out steps)."""
    target = page.locator(playwright_selector(selector)) if selector else page.get_by_text(text)
    if selector and text:
        target = target.filter(has_text=text)
    return target.first


async def play_steps(
    page: Any, steps: Sequence[Step], values: Mapping[str, Sequence[str]], guard: Guard
) -> Stop | None:
    """Play ``steps`` in order on ``page``; None when every step ran (or was passed over by its
    ``when``), else why the flow stopped. ``values``: what a ``fill`` may type, by the name the
    step gives (several spellings of one value: a text box gets the first, a drop-down the first
    of them it offers)."""
    from playwright.async_api import Error

    for number, step in enumerate(steps, 1):
        what = f"step {number} ({step.action})"
        try:
            if step.when and not await _shows(page, step.when, guard):
                continue
            stop = await _play(page, step, values, guard)
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason"
            return Stop(failed=f"{what}: {first}")
        if stop is not None:
            return Stop(person=stop.person, failed=f"{what}: {stop.failed}" if stop.failed else "")
    return None


async def _shows(page: Any, selector: str, guard: Guard) -> bool:
    """Whether the page, once loaded, shows ``selector`` now (a ``when`` never waits for it)."""
    from playwright.async_api import Error

    try:
        await guard.within(page.wait_for_load_state("load", timeout=GRACE * 1000), GRACE * 2, "")
    except Error:
        pass  # a page still loading is looked at as it stands
    count: int = await guard.within(
        page.locator(playwright_selector(selector)).count(), GRACE, "looking"
    )
    return count > 0


async def _play(
    page: Any, step: Step, values: Mapping[str, Sequence[str]], guard: Guard
) -> Stop | None:
    timeout = step.timeout * 1000
    deadline = step.timeout + GRACE
    if step.action == "navigate":
        await guard.turn()
        call = page.goto(step.url, timeout=timeout, wait_until="domcontentloaded")
        await guard.within(call, deadline, "loading")
    elif step.action == "fill":
        choices = list(values.get(step.value, ()))
        return await _fill(page, step, choices, guard)
    elif step.action == "click":
        await _click(page, step, guard)
    elif step.action == "expect":
        return await _expect(page, step, guard)
    elif step.action == "captcha":
        return await _captcha(page, step, guard)
    return None


async def _fill(page: Any, step: Step, choices: list[str], guard: Guard) -> Stop | None:
    """Type the value into a text box; on a drop-down (a state list) choose the first spelling
    it offers, by value or by label."""
    from playwright.async_api import Error

    target = page.locator(playwright_selector(step.selector)).first
    deadline, timeout = step.timeout + GRACE, step.timeout * 1000
    tag = await guard.within(target.evaluate("e => e.tagName", timeout=timeout), deadline, "fill")
    if str(tag).upper() != "SELECT":
        await guard.within(
            target.fill(choices[0] if choices else "", timeout=timeout), deadline, ""
        )
        return None
    for choice in choices:
        try:
            await guard.within(target.select_option(choice, timeout=timeout), deadline, "choose")
            return None
        except Error:
            continue
    return Stop(failed=f"the list {step.selector!r} offers none of the values to choose")


async def _click(page: Any, step: Step, guard: Guard) -> None:
    """Click the element (with ``all``: each one found, a missing one being no failure) and let
    the page it leads to load."""
    found = page.locator(playwright_selector(step.selector))
    deadline, timeout = step.timeout + GRACE, step.timeout * 1000
    await guard.turn()
    if step.all:
        count: int = await guard.within(found.count(), deadline, "click")
        for index in range(count):
            await guard.within(found.nth(index).click(timeout=timeout), deadline, "click")
    else:
        await guard.within(found.first.click(timeout=timeout), deadline, "click")
    await guard.within(page.wait_for_load_state("domcontentloaded", timeout=timeout), deadline, "")


async def _expect(page: Any, step: Step, guard: Guard) -> Stop | None:
    from playwright.async_api import Error

    target = expected(page, step.selector, step.text)
    wait = target.wait_for(state="attached", timeout=step.timeout * 1000)
    try:
        await guard.within(wait, step.timeout + GRACE, "waiting")
    except Error:
        what = step.text or step.selector
        return Stop(failed=f"{what!r} never appeared")
    return None


async def _captcha(page: Any, step: Step, guard: Guard) -> Stop | None:
    """Unattended: stop, a person is needed. Visible: ask, then wait for the mark that shows it
    solved (``selector``), or for the captcha (``when``) to go."""
    from playwright.async_api import Error

    if not guard.visible:
        return Stop(person=PERSON_NEEDED)
    guard.notify("a search is waiting for you: solve the captcha in the browser window")
    if step.selector:
        wait = page.locator(playwright_selector(step.selector)).first.wait_for(
            state="attached", timeout=PERSON_WAIT * 1000
        )
    elif step.when:
        wait = page.locator(playwright_selector(step.when)).first.wait_for(
            state="detached", timeout=PERSON_WAIT * 1000
        )
    else:
        return Stop(person="a captcha the file gives no way to see solved: search by hand")
    try:
        await guard.within(wait, PERSON_WAIT + GRACE, "waiting for you")
    except Error:
        return Stop(person="the captcha was not solved in time")
    return None
