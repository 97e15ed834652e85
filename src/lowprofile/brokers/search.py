"""One broker search: fill the recipe's URL and form, fetch, read the page.

The scan's broker checker and ``brokers doctor`` (the canary searches) both search through here,
so a POST recipe's form, its headers and the page reading are done one way only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from lowprofile.brokers.page import PageReading, read_page
from lowprofile.brokers.schema import Broker
from lowprofile.brokers.template import Query, render
from lowprofile.net import Http


@dataclass(frozen=True)
class Search:
    """A recipe filled in for one query: what will be requested."""

    url: str
    form: dict[str, str]


@dataclass(frozen=True)
class Fetched:
    """A page as it came back, before any recipe reads it."""

    text: str
    status_code: int
    url: str


@dataclass(frozen=True)
class SearchPage:
    """What one search brought back: the page's text (for ``--save-pages``) and its reading."""

    text: str
    reading: PageReading


class PageCache:
    """One fetch per distinct request in a scan: two broker files that send the same search to
    one host (clones of one site) share the page, each reading it with its own recipe."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, str, str], asyncio.Task[Fetched]] = {}

    async def fetch(self, http: Http, broker: Broker, search: Search) -> Fetched:
        key = (broker.search.method, search.url, repr(sorted(search.form.items())))
        task = self._pages.get(key)
        if task is None:
            task = asyncio.ensure_future(_fetch(http, broker, search))
            self._pages[key] = task
        return await asyncio.shield(task)


def fill(broker: Broker, query: Query) -> Search:
    """The search URL and form for this query; MissingValue when the query lacks a variable."""
    return Search(
        url=render(broker.search.url, query),
        form={key: render(value, query) for key, value in broker.search.form.items()},
    )


async def _fetch(http: Http, broker: Broker, search: Search) -> Fetched:
    response = await http.request(
        broker.search.method,
        search.url,
        headers=broker.search.headers or None,
        data=search.form or None,
    )
    return Fetched(response.text, response.status_code, str(response.url))


async def fetch_and_read(
    http: Http, broker: Broker, search: Search, cache: PageCache | None = None
) -> SearchPage:
    """Request the search as the recipe says and read the answer; NetError when it fails."""
    page = await (cache.fetch(http, broker, search) if cache else _fetch(http, broker, search))
    return SearchPage(page.text, read_page(broker, page.text, page.status_code, page.url))
