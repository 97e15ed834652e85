"""A feed item that names the person as a ``mention`` finding: title, source, date, link and
why it matched, keyed by its normalised link (one page is one finding, across feeds and scans).
"""

from __future__ import annotations

import hashlib

from lowprofile.mentions.links import normalise, unwrap
from lowprofile.mentions.matching import Mention
from lowprofile.mentions.reading import Item
from lowprofile.results import Finding, Kind, Remedy, Severity

KIND = Kind.MENTION.value
CHECKER_ID = "mentions"
READ_MINUTES = 5


def mention_key(link: str) -> str:
    """The finding's key: the normalised link, hashed (the history keys stay short)."""
    return f"{CHECKER_ID}:{hashlib.sha256(normalise(link).encode()).hexdigest()[:16]}"


def _remedy(mention: Mention) -> Remedy:
    if mention.namesake:
        return Remedy(
            action="review",
            summary="Glance at the mentions of namesakes elsewhere (most likely not you)",
            group="mention-namesakes",
            minutes=1,
        )
    return Remedy(
        action="review",
        summary="Read the pages that mention you; where one exposes you, ask the site or its "
        "author to remove your details",
        group="mentions",
        minutes=READ_MINUTES,
    )


def _severity(mention: Mention) -> Severity:
    if mention.namesake:
        return Severity.INFO
    return Severity.MEDIUM if mention.in_city else Severity.LOW


def mention_finding(item: Item, mention: Mention, feed: str) -> Finding:
    """The finding for one item of ``feed`` (as the report names the feed) that names the
    person."""
    link = unwrap(item.link)
    heading = item.title or link
    title = (
        f"A namesake in {mention.namesake} (likely not you): {heading}"
        if mention.namesake
        else f"You are mentioned: {heading}"
    )
    exposed = ("name", "city") if mention.in_city else ("name",)
    return Finding(
        kind=KIND,
        title=title,
        where=link,
        exposed=exposed,
        severity=_severity(mention),
        confidence=mention.confidence,
        remedy=_remedy(mention),
        evidence={
            "title": item.title,
            "source": item.source or feed,
            "feed": feed,
            "date": item.published,
            "link": link,
            "namesake": mention.namesake,
        },
        reasons=mention.reasons,
        key=mention_key(link),
    )
