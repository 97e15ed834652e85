"""Feed bytes to items, with feedparser: RSS and Atom alike.

feedparser is handed the bytes our own HTTP client fetched (wrapped in a stream), never a URL or
a string it could take for one: every request goes through ``fetch.http`` (the fence, the
proxy, the per-host clock and the offline rule), and feedparser would otherwise fetch with
urllib behind all of them. A feed that is not well-formed is refused whole, with feedparser's
reason: a half-read feed would say "no mention" where it could not read.
"""

from __future__ import annotations

import html
import io
import re
import time
from dataclasses import dataclass

_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")
"""feedparser's "bozo" exceptions that do not mean the feed was misread: a charset header that
disagrees with the document, a feed served as text/html."""


@dataclass(frozen=True)
class Item:
    """One entry of a feed, as plain text."""

    title: str
    link: str
    text: str
    """The title and the summary, tags removed, for the matcher."""
    published: str
    """The entry's date (YYYY-MM-DD), or "" when the feed gives none."""
    source: str
    """The feed's own title (e.g. "Google Alert - \"Jane Doe\""), or ""."""


@dataclass(frozen=True)
class Feed:
    """A read feed: its items, or why it could not be read."""

    items: tuple[Item, ...] = ()
    problem: str = ""


def plain(markup: str) -> str:
    """Text without tags or entities (a summary is HTML)."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", markup)).split())


def _day(entry: dict[str, object]) -> str:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            return time.strftime("%Y-%m-%d", parsed)
    return ""


def read_feed(body: bytes, url: str, content_type: str = "") -> Feed:
    """The items of an RSS or Atom document fetched from ``url``; a document that is not one,
    or is malformed, is a ``Feed`` with its ``problem``."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and type(problem).__name__ not in _HARMLESS:
        return Feed(problem=f"not a well-formed feed: {problem}")
    if not parsed.get("version"):
        return Feed(problem="not an RSS or Atom feed")
    source = plain(str(parsed.feed.get("title", "")))
    items = []
    for entry in parsed.entries:
        title = plain(str(entry.get("title", "")))
        summary = plain(str(entry.get("summary", "")))
        link = str(entry.get("link", "")).strip()
        if not link:
            continue
        items.append(Item(title, link, f"{title} {summary}".strip(), _day(entry), source))
    return Feed(items=tuple(items))
