"""News search feeds for the person's exact name: Google News and Bing News, as RSS.

These are the search engines' own feed endpoints, read as feeds; no search result page is ever
fetched or scraped. The query is the name in quotes, so a page must carry it whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote_plus

from lowprofile.subject import Subject

NEWS_FEEDS = {
    "google": (
        "Google News",
        "https://news.google.com/rss/search?q={query}&hl=en-US&gl=US&ceid=US:en",
    ),
    "bing": ("Bing News", "https://www.bing.com/news/search?q={query}&format=rss"),
}
"""Source id -> (what a person calls it, the feed URL with ``{query}``)."""


@dataclass(frozen=True)
class FeedSource:
    """One feed a scan reads: what the report calls it, where it is, and whether its address
    may be shown (a news search may; a person's own alert feed carries a private token)."""

    label: str
    url: str
    shown: bool


def quoted_name(subject: Subject) -> str:
    """The primary name in quotes: the exact phrase an alert or a news search asks for."""
    name = subject.primary
    return f'"{name.first} {name.last}"' if name.last else f'"{name.full}"'


def news_feeds(subject: Subject, chosen: tuple[str, ...]) -> list[FeedSource]:
    """The news search feeds of ``chosen`` (ids of ``NEWS_FEEDS``) for the person's exact name."""
    query = quote_plus(quoted_name(subject))
    return [
        FeedSource(f"{NEWS_FEEDS[key][0]} search", NEWS_FEEDS[key][1].format(query=query), True)
        for key in chosen
        if key in NEWS_FEEDS
    ]


def alert_queries(subject: Subject) -> list[tuple[str, str]]:
    """The Google Alerts to create, each a (query, why) pair: the name in quotes with the city
    where there is one (a common name alone would bring every namesake's news), the bare name
    (for pages that give no city), and each username in quotes (a username is rarer than a
    name, so it needs nothing beside it)."""
    name = quoted_name(subject)
    cities = list(dict.fromkeys(a.city for a in subject.current_addresses if a.city))
    queries = [(f"{name} {c}", f"your name in {c}: narrows a common name to you") for c in cities]
    queries.append((name, "your name anywhere: the pages that give no city"))
    queries += [(f'"{u}"', "your username: rarer than a name") for u in subject.usernames]
    return queries
