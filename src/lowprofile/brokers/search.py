"""One broker search: fill the recipe's URL and form, fetch, read the page.

The scan's broker checker and ``brokers doctor`` (the canary searches) both search through here,
so a POST recipe's form, its headers and the page reading are done one way only. Here too the
scan's browser mode chooses how a page is fetched: plain HTTP, or the browser engine for a recipe
that asks for it (``[search] fetch = "browser"``), for every GET search (``always``), or once
more for a plain fetch that met a bot wall (``auto``). The same rules then read either page.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lowprofile.brokers.page import PageReading, read_page
from lowprofile.brokers.schema import SEARCH_OPTIONAL_VALUES, WHEN_VALUE, Broker, OptOutStep
from lowprofile.brokers.template import Query, render
from lowprofile.browser.engine import BrowserEngine
from lowprofile.errors import RequestFailed
from lowprofile.fetch.fetcher import Fetched, Fetcher
from lowprofile.fetch.http import Http
from lowprofile.results import Status

BROWSER_MODES = ("auto", "always", "never")
STEPS_NEED_BROWSER = "its search is a form played in a browser"
"""Why a search played as steps is a link to open by hand when the browser cannot be used."""
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
SHOW_BROWSER_HINT = "run `lowprofile scan --show-browser` once to pass its check yourself"


@dataclass(frozen=True)
class Search:
    """A recipe filled in for one query: what will be requested."""

    url: str
    form: dict[str, str]
    steps: tuple[OptOutStep, ...] = ()
    """A search played as steps: the steps this query takes (URLs filled in, a step whose
    ``when_value`` does not hold for it left out), played from ``url``."""
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """What the steps' ``fill`` may type, by name: only the values they name (a state in both
    spellings, for a drop-down that offers one of them)."""


@dataclass(frozen=True)
class SearchPage:
    """What one search brought back: the page as fetched (its text for ``--save-pages`` and
    the evidence, how it came, where it ended up) and the recipe's reading of it."""

    fetched: Fetched
    reading: PageReading

    @property
    def text(self) -> str:
        return self.fetched.text

    @property
    def via(self) -> str:
        return self.fetched.via

    @property
    def url(self) -> str:
        """Where the page ended up (after redirects or a challenge's reload)."""
        return self.fetched.url


@dataclass(frozen=True)
class Fetchers:
    """How this scan fetches pages: the HTTP client, and the browser engine with its mode
    (``auto``, ``always``, ``never``); ``browser`` is None when it cannot be used here. Both
    are ``Fetcher``s; this chooses which one asks for a recipe's page."""

    http: Http
    browser: BrowserEngine | None = None
    mode: str = "auto"

    def wants_browser(self, broker: Broker) -> bool:
        """The browser first, for this recipe? Only for GET searches (the browser navigates)
        and searches played as steps (only the browser can)."""
        if broker.search.mode == "steps":
            return True
        if self.browser is None or self.mode == "never" or broker.search.method != "GET":
            return False
        return self.mode == "always" or broker.search.fetch == "browser"

    def may_retry_in_browser(self, broker: Broker) -> bool:
        return self.browser is not None and self.mode == "auto" and broker.search.method == "GET"


class PageCache:
    """One fetch per distinct request in a scan: two broker files that send the same search to
    one host (clones of one site) share the page, each reading it with its own recipe."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, str, str, str], asyncio.Task[Fetched]] = {}

    async def fetch(
        self, http: Http, broker: Broker, search: Search, browser: BrowserEngine | None = None
    ) -> Fetched:
        via = "http" if browser is None else "browser"
        key = (via, broker.search.method, search.url, repr(sorted(search.form.items())))
        task = self._pages.get(key)
        if task is None:
            task = asyncio.ensure_future(_fetch(http, broker, search, browser))
            self._pages[key] = task
        return await asyncio.shield(task)


def fill(broker: Broker, query: Query) -> Search:
    """The search URL and form (or steps) for this query; MissingValue when the query lacks a
    variable."""
    return Search(
        url=render(broker.search.url, query),
        form={key: render(value, query) for key, value in broker.search.form.items()},
        steps=tuple(
            replace(step, url=render(step.url, query)) if step.url else step
            for step in broker.search.steps
            if holds(step.when_value, query)
        ),
        values=step_values(broker.search.steps, query),
    )


def holds(condition: str, query: Query) -> bool:
    """Whether a step's ``when_value`` (``{age} >= 45``) holds for this query; no condition
    always holds, a value the person has not given never does."""
    if not condition:
        return True
    matched = WHEN_VALUE.match(condition.strip())
    if matched is None:
        return False
    name, compare, number = matched.groups()
    value = query.values().get(name, "")
    return value.lstrip("-").isdigit() and _COMPARE[compare](int(value), int(number))


def step_values(steps: tuple[OptOutStep, ...], query: Query) -> dict[str, tuple[str, ...]]:
    """The values the steps' ``fill``s name, through the template's rules: a required one the
    query lacks raises MissingValue (the site is skipped with a hint), a middle name may be
    empty."""
    values: dict[str, tuple[str, ...]] = {}
    for name in dict.fromkeys(s.value for s in steps if s.action == "fill"):
        optional = "|optional" if name in SEARCH_OPTIONAL_VALUES else ""
        spellings = [render(f"{{{name}|raw{optional}}}", query)]
        if name == "state":
            spellings.append(render("{state_full|raw|optional}", query))
        values[name] = tuple(dict.fromkeys(spellings))
    return values


def waited_for(broker: Broker) -> list[str]:
    """What the browser waits for: the recipe's ``wait_for``, else the cards (a branch's too),
    the no-results marker or a wall element, whichever appears first."""
    if broker.search.wait_for:
        return [broker.search.wait_for]
    parse = broker.parse
    branches = [s for branch in parse.branches for s in branch.cards]
    return [*parse.cards, *branches, *parse.no_results_selectors, *parse.blocked_selectors]


async def _fetch(
    http: Http, broker: Broker, search: Search, browser: BrowserEngine | None = None
) -> Fetched:
    fetcher: Fetcher = http if browser is None else browser
    return await fetcher.fetch_page(
        search.url,
        method=broker.search.method,
        headers=broker.search.headers or None,
        form=search.form or None,
        wait_for=waited_for(broker),
    )


async def _read(
    http: Http,
    broker: Broker,
    search: Search,
    cache: PageCache | None,
    browser: BrowserEngine | None,
) -> SearchPage:
    if cache is not None:
        page = await cache.fetch(http, broker, search, browser)
    else:
        page = await _fetch(http, broker, search, browser)
    reading = read_page(broker, page.text, page.status_code, page.url)
    return SearchPage(page, reading)


async def play_and_read(browser: BrowserEngine, broker: Broker, search: Search) -> SearchPage:
    """Play a search's steps in the browser and read the page they end on with the recipe's
    rules. A flow stopped by a captcha no person can solve now is ``blocked`` (never "nobody
    here"); one whose form is not what the file says is ``changed`` (a bot wall still wins)."""
    played = await browser.play(search.url, search.steps, search.values, waited_for(broker))
    rendered = played.page
    fetched = Fetched(rendered.html, rendered.status_code, rendered.url, via="browser")
    reading = read_page(broker, fetched.text, fetched.status_code, fetched.url)
    stop = played.stop
    if stop is not None and stop.person:
        reading = PageReading(Status.BLOCKED, f"{broker.name} needs you: {stop.person}")
    elif stop is not None and reading.status is not Status.BLOCKED:
        reading = PageReading(
            Status.CHANGED,
            f"{broker.name}'s search form is not what its file says ({stop.failed}): check by hand",
        )
    return SearchPage(fetched, reading)


async def fetch_and_read(
    http: Http | Fetchers, broker: Broker, search: Search, cache: PageCache | None = None
) -> SearchPage:
    """Request the search as the recipe and the browser mode say and read the answer; NetError
    when it fails. A plain ``Http`` fetches over HTTP only (``brokers doctor``)."""
    fetcher = http if isinstance(http, Fetchers) else Fetchers(http, mode="never")
    if broker.search.mode == "steps":
        if fetcher.browser is None or fetcher.mode == "never":
            raise RequestFailed(f"{broker.name}: {STEPS_NEED_BROWSER}", url=search.url)
        return await play_and_read(fetcher.browser, broker, search)
    first = fetcher.browser if fetcher.wants_browser(broker) else None
    page = await _read(fetcher.http, broker, search, cache, first)
    blocked = page.reading.status is Status.BLOCKED
    if blocked and first is None and fetcher.may_retry_in_browser(broker):
        page = await _read(fetcher.http, broker, search, cache, fetcher.browser)
    if page.via == "browser" and page.reading.status is Status.BLOCKED:
        visible = fetcher.browser is not None and fetcher.browser.visible
        hint = "the site refused the browser too" if visible else SHOW_BROWSER_HINT
        reading = replace(page.reading, reason=f"{page.reading.reason}; {hint}")
        page = replace(page, reading=reading)
    return page
