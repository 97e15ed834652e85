"""One broker search: fill the recipe's URL and form, fetch, read the page.

The scan's broker checker and ``brokers doctor`` (the canary searches) both search through here,
so a POST recipe's form, its headers and the page reading are done one way only.
"""

from __future__ import annotations

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
class SearchPage:
    """What one search brought back: the page's text (for ``--save-pages``) and its reading."""

    text: str
    reading: PageReading


def fill(broker: Broker, query: Query) -> Search:
    """The search URL and form for this query; MissingValue when the query lacks a variable."""
    return Search(
        url=render(broker.search.url, query),
        form={key: render(value, query) for key, value in broker.search.form.items()},
    )


async def fetch_and_read(http: Http, broker: Broker, search: Search) -> SearchPage:
    """Request the search as the recipe says and read the answer; NetError when it fails."""
    response = await http.request(
        broker.search.method,
        search.url,
        headers=broker.search.headers or None,
        data=search.form or None,
    )
    reading = read_page(broker, response.text, response.status_code, str(response.url))
    return SearchPage(response.text, reading)
