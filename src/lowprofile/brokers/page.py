"""Reading one fetched page: bot wall, no results, result cards, or something we do not know.

The order matters and follows the project's honesty rule: a bot wall is recognised before
anything else (a captcha page may well say "no results"), "not found" needs the site's own
no-results marker, and a page that is neither is ``changed``: the recipe no longer fits the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lowprofile.brokers.labels import (
    MAX_AGE,
    Labelled,
    looks_like_place,
    read_age,
    read_labelled,
    rejoin_places,
    split_names,
)
from lowprofile.brokers.listing import Listing
from lowprofile.brokers.schema import LIST_FIELDS, Broker, FieldRule
from lowprofile.brokers.select import Visibility, element_count, parse_html, select, text_of
from lowprofile.brokers.walls import detect_bot_wall
from lowprofile.results import Status

BLOCK_STATUSES = frozenset({401, 403, 429, 451})

# What one page may cost. A people-search result page is a few hundred kilobytes with a few
# thousand elements and a few dozen result cards; a hostile one must not hold the scan.
MAX_PAGE_CHARS = 4_000_000
"""Pages longer than this are not parsed (an 8 MB page took 22 s, a 50 MB one over 300 s)."""
MAX_PAGE_ELEMENTS = 30_000
"""Pages with more elements than this are not read: selectors that step along siblings cost up
to the square of the element count."""
MAX_CARDS = 100
"""Result cards read per page; more is a page built to be read slowly."""
MAX_VALUES = 50
"""Values kept per field of a card (addresses, relatives…)."""
_AGE = re.compile(r"\b(\d{1,3})\b")


@dataclass
class PageReading:
    """What a page says: a status (before matching) and the listings it holds."""

    status: Status
    reason: str
    listings: list[Listing] = field(default_factory=list)
    drifted: bool = False
    """The cards were found but the recipe's field selectors read nothing: the listings were
    read from the cards' visible text instead, so they are worth less (``possible`` at best)."""


DRIFT_REASON = "read from the page text; the recipe's fields no longer match"
_AGE_LABEL = re.compile(r"\bAge:?\s*(\d{2,3})\b", re.IGNORECASE)
_PLACE = re.compile(r"\b([A-Z][A-Za-z.'-]+(?: [A-Z][A-Za-z.'-]+){0,3}),\s*([A-Z]{2})\b")
_NAME_NODES = ".//h1|.//h2|.//h3|.//h4|.//strong|.//a"
MAX_NAME_WORDS = 5


def _name_words(text: str) -> str:
    """Two to five words without digits before any "Age": what a name looks like on a card."""
    words = _AGE_LABEL.split(text)[0].replace(",", " ").split()
    if 2 <= len(words) <= MAX_NAME_WORDS and not any(c.isdigit() for c in "".join(words)):
        return " ".join(words)
    return ""


def listing_from_text(card: Any) -> Listing:
    """A listing from a card's visible text, for a recipe whose field selectors rotted: the
    card's opening words (or its first heading-like element) with two to five words as the name,
    "Age NN", and every
    "City, ST" in the card. A renamed class then costs confidence, not the finding."""
    text = text_of(card)
    candidates = [n if isinstance(n, str) else text_of(n) for n in select(card, _NAME_NODES)]
    name = next(filter(None, map(_name_words, [text, *candidates])), "")
    age = _AGE_LABEL.search(text)
    places = list(dict.fromkeys(f"{city}, {state}" for city, state in _PLACE.findall(text)))
    return Listing(name=name, age=int(age.group(1)) if age else None, locations=places[:MAX_VALUES])


def _trim(text: str, rule: FieldRule) -> str:
    """The text between ``after`` and ``before``. A marker the text does not hold leaves it
    whole, as the definitions mean it (DuckDuckGo's reader keeps the value when the split finds
    nothing: FastBackgroundCheck reads its "Lived In" links after a colon the links do not
    hold); a marker with nothing after it leaves nothing ("No other aliases.")."""
    if rule.after:
        index = text.find(rule.after)
        if index >= 0:
            text = text[index + len(rule.after) :]
    if rule.before:
        index = text.find(rule.before)
        if index >= 0:
            text = text[:index]
    return " ".join(text.split()).strip(" ,;:•|-")


def _values(card: Any, rule: FieldRule, base_url: str, seen: Visibility) -> list[str]:
    """Selectors in order; the first that yields anything wins (old and new markup both parse)."""
    for selector in rule.selectors:
        nodes = [n for n in select(card, selector) if isinstance(n, str) or not seen.hidden(n)]
        if not nodes:
            continue
        nodes = nodes[: MAX_VALUES if rule.all else 1]
        out: list[str] = []
        for node in nodes:
            if rule.attribute and not isinstance(node, str):
                raw = node.get(rule.attribute) or ""
                out.append(urljoin(base_url, raw) if rule.attribute in ("href", "src") else raw)
                continue
            text = _trim(text_of(node), rule)
            pieces = text.split(rule.separator) if rule.separator else [text]
            out += [" ".join(p.split()).strip(" ,;•") for p in pieces]
        out = [v for v in out if v]
        if out:
            return out
    return []


def _field_values(
    card: Any, field_name: str, rule: FieldRule, base_url: str, seen: Visibility
) -> list[str]:
    """A field's rules in order: a list field gathers what every rule reads (past addresses
    written both as streets and as cities), a single field stops at the first that reads one."""
    out: list[str] = []
    for one in rule.rules:
        values = _values(card, one, base_url, seen)
        if values and field_name not in LIST_FIELDS:
            return values
        out += values
    return list(dict.fromkeys(out))


def _link(card: Any, rule: FieldRule | None, base_url: str, seen: Visibility) -> str | None:
    """The listing's own page; only http(s) links are kept (a hostile page may offer others)."""
    link = _raw_link(card, rule, base_url, seen)
    if link and urlsplit(link).scheme in ("http", "https"):
        return link
    return None


def _raw_link(card: Any, rule: FieldRule | None, base_url: str, seen: Visibility) -> str | None:
    for one in rule.rules if rule is not None else ():
        if one.attribute:
            values = _values(card, one, base_url, seen)
            if values:
                return values[0]
            continue
        for selector in one.selectors:
            for node in select(card, selector):
                if isinstance(node, str):
                    return urljoin(base_url, node)
                href = node.get("href") or next(
                    (a.get("href") for a in node.iter("a") if a.get("href")), None
                )
                if href:
                    return urljoin(base_url, href)
    return None


PLACE_FIELDS = ("locations", "past_locations", "addresses")
"""Fields whose text is read by the typed extractors (``labels.py``), with the age."""


def _typed(listing: Listing, field_name: str, values: list[str]) -> None:
    """Give each labelled piece of an age or place field's text to its own field: the field's
    own list for unlabelled places, ``past_locations`` for "used to live in", ``locations`` for
    "lives in", and the age, relatives, phones and aliases the text names."""
    read = Labelled()
    for value in rejoin_places(values):
        read_labelled(value, read)
    if field_name == "age":
        first = read_age(values[0]) if values else None
        fallback = _AGE.search(values[0]) if values else None
        if first is None and fallback and int(fallback.group(1)) < MAX_AGE:
            first = int(fallback.group(1))
        listing.age = first if first is not None else listing.age
        # "Age 48 • Waterville, ME" read by the age field: the place is a place too (only when
        # the age stood apart: in "42 - Austin, TX" the place is the locations field's to read).
        if read.age is not None:
            _extend(listing, "locations", [p for p in read.places if looks_like_place(p)])
    else:
        _extend(listing, field_name, read.places)
    if listing.age is None:
        listing.age = read.age
    _extend(listing, "locations", read.current)
    _extend(listing, "past_locations", read.past)
    for name in ("relatives", "phones", "aliases"):
        _extend(listing, name, getattr(read, name))


def _extend(listing: Listing, field_name: str, values: list[str]) -> None:
    current: list[str] = getattr(listing, field_name)
    merged = list(dict.fromkeys([*current, *values]))[:MAX_VALUES]
    setattr(listing, field_name, merged)


def read_card(
    card: Any,
    broker: Broker,
    base_url: str,
    seen: Visibility | None = None,
    fields: dict[str, FieldRule] | None = None,
) -> Listing:
    """One card read by the recipe's fields (or a branch's ``fields``)."""
    seen = seen or Visibility()
    rules = broker.parse.fields if fields is None else fields
    listing = Listing()
    for field_name, rule in rules.items():
        if field_name == "url":
            continue
        values = _field_values(card, field_name, rule, base_url, seen)
        if field_name == "age" or field_name in PLACE_FIELDS:
            _typed(listing, field_name, values)
        elif field_name == "aliases":  # "Jane Smith, Jane Q Doe" is two names, never one
            _extend(listing, field_name, [n for v in values for n in split_names(v)])
        elif field_name in LIST_FIELDS:
            _extend(listing, field_name, values)
        elif field_name == "name" and values:
            listing.name = values[0]
    listing.url = _link(card, rules.get("url"), base_url, seen)
    return listing


def _too_large(broker: Broker, what: str) -> PageReading:
    return PageReading(
        Status.ERROR, f"{broker.name}'s page is too large to read ({what}): check by hand"
    )


def read_page(broker: Broker, raw_html: str, status_code: int, url: str) -> PageReading:
    """Classify a fetched page for ``broker`` and parse its visible result cards."""
    if len(raw_html) > MAX_PAGE_CHARS:
        return _too_large(broker, f"{len(raw_html):,} characters, over {MAX_PAGE_CHARS:,}")
    tree = parse_html(raw_html)
    if element_count(tree, MAX_PAGE_ELEMENTS + 1) > MAX_PAGE_ELEMENTS:
        return _too_large(broker, f"more than {MAX_PAGE_ELEMENTS:,} elements")
    page_text = text_of(tree)
    wall = detect_bot_wall(raw_html, page_text, broker.parse.blocked_text)
    if wall:
        return PageReading(Status.BLOCKED, f"{broker.name} showed a bot wall: {wall}")
    seen = Visibility()
    wall_element = _shown(tree, broker.parse.blocked_selectors, seen)
    if wall_element:
        return PageReading(Status.BLOCKED, f"{broker.name} showed a wall ({wall_element})")
    if status_code in BLOCK_STATUSES:
        return PageReading(Status.BLOCKED, f"{broker.name} refused the search (HTTP {status_code})")
    if status_code in broker.parse.no_results_status:
        return PageReading(Status.NOT_FOUND, f"{broker.name} has no listing (HTTP {status_code})")
    listings: list[Listing] = []
    if 200 <= status_code < 300:
        for cards, fields in _shapes(broker, tree, seen):
            found = _read_cards(broker, tree, cards, fields, url, seen)
            if isinstance(found, PageReading):
                return found
            if found:
                listings = found
                break
    if listings:
        return PageReading(Status.FOUND, f"{len(listings)} listing(s) on the page", listings)
    lowered = page_text.lower()
    for marker in broker.parse.no_results_text:
        if marker.lower() in lowered:
            return PageReading(Status.NOT_FOUND, f"{broker.name} says it has no listing")
    if _shown(tree, broker.parse.no_results_selectors, seen):
        return PageReading(Status.NOT_FOUND, f"{broker.name} says it has no listing")
    if status_code in (404, 410):
        return PageReading(
            Status.CHANGED,
            f"{broker.name} answered HTTP {status_code}: the search URL may have moved",
        )
    if not 200 <= status_code < 300:
        return PageReading(Status.ERROR, f"{broker.name} answered HTTP {status_code}")
    return PageReading(
        Status.CHANGED,
        f"{broker.name}'s page matched neither a result nor a no-result page "
        "(its layout may have changed): check by hand",
    )


def _shown(tree: Any, selectors: tuple[str, ...], seen: Visibility) -> str:
    """The first of ``selectors`` that finds a visible element on the page, or ""."""
    for selector in selectors:
        if any(not isinstance(n, str) and not seen.hidden(n) for n in select(tree, selector)):
            return selector
    return ""


def _shapes(
    broker: Broker, tree: Any, seen: Visibility
) -> list[tuple[tuple[str, ...], dict[str, FieldRule]]]:
    """The shapes of answer to look for, in order: each branch whose ``when`` shows on this
    page (a single profile instead of a list), then the recipe's own cards."""
    shapes = [(b.cards, b.fields) for b in broker.parse.branches if _shown(tree, b.when, seen)]
    return [*shapes, (broker.parse.cards, broker.parse.fields)]


def _read_cards(
    broker: Broker,
    tree: Any,
    selectors: tuple[str, ...],
    fields: dict[str, FieldRule],
    url: str,
    seen: Visibility,
) -> list[Listing] | PageReading:
    """The listings of one shape (card selectors tried in order); a drifted reading when the
    cards are there but the fields read no name."""
    for selector in selectors:
        cards = [c for c in select(tree, selector) if not isinstance(c, str)]
        cards = [c for c in cards if not seen.hidden(c)][:MAX_CARDS]
        listings = [read_card(c, broker, url, seen, fields) for c in cards]
        listings = [item for item in listings if item.name]
        if listings:
            return listings
        # A person's card shows a name with an age or a place; a recipe's card selector that
        # matches some other page's boxes gives neither, and stays "changed".
        from_text = [
            item
            for item in map(listing_from_text, cards)
            if item.name and (item.age or item.locations)
        ]
        if from_text:
            reason = f"{len(from_text)} listing(s) {DRIFT_REASON}"
            return PageReading(Status.FOUND, reason, from_text, drifted=True)
    return []
