"""Does a feed item name the person, and is it them or a namesake?

The broker matcher's rules for a name apply (``brokers.matcher``: the same normalising, the same
nicknames): the full name must appear, first and last together, a middle name or initial
allowed between them. What the item says beside the name decides how sure we are: the city of
one of the person's addresses, their employer, or one of their usernames makes it theirs; a
place elsewhere (``Portland, OR``) and none of theirs makes it a namesake, said as such and
scored low; the name alone is possible, to be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lowprofile.brokers.matcher import normalize, parse_place, same_given_name
from lowprofile.subject import Name, Subject

NAME_EXACT = 0.5
NAME_LOOSE = 0.4
CITY = 0.35
USERNAME = 0.35
EMPLOYER = 0.3
NAMESAKE = 0.15
"""A namesake's confidence, whatever else: a name in another city is somebody else's."""

_PLACE = re.compile(
    r"\b((?:[A-Z][A-Za-z.'-]+ ){0,2}[A-Z][A-Za-z.'-]+), ((?:[A-Z][a-z]+ )?[A-Z][A-Za-z]+)\b"
)
"""``Portland, OR``, ``Salt Lake City, Utah``, ``New York, New York``: a city and a state."""


@dataclass(frozen=True)
class Mention:
    """Why an item names the person, and how sure that is."""

    confidence: float
    reasons: tuple[str, ...]
    namesake: str = ""
    """The place a namesake is in, when the item names one elsewhere and none of the person's."""
    in_city: bool = False


def _name_weight(words: list[str], name: Name) -> tuple[float, str] | None:
    """The weight of ``name`` appearing in ``words``, first then last (one word may sit between:
    a middle name or an initial), or None."""
    first = normalize(name.first)
    last = normalize(name.last).split()
    if not first or not last:
        return None
    for i, word in enumerate(words):
        if not same_given_name(word, first):
            continue
        for gap in (1, 2):
            if words[i + gap : i + gap + len(last)] == last:
                exact = word == first
                why = "your name" if exact else f"your name ({word} for {first})"
                return (NAME_EXACT if exact else NAME_LOOSE), why
    return None


def _contains(words: list[str], phrase: str) -> bool:
    wanted = normalize(phrase).split()
    size = len(wanted)
    return bool(wanted) and any(words[i : i + size] == wanted for i in range(len(words)))


def places_named(text: str) -> list[tuple[str, str]]:
    """(city, state) pairs the text names as ``City, ST`` or ``City, State`` (US states only:
    anything else after a comma is not known to be a place)."""
    found = []
    for match in _PLACE.finditer(text):
        place = parse_place(match.group(0))
        if len(place.state) == 2 and place.state.isupper() and place.city:
            found.append((place.city, place.state))
    return found


def match_item(text: str, link: str, subject: Subject) -> Mention | None:
    """How ``text`` (an item's title and summary, ``link`` its address) names ``subject``, or
    None when it does not name them at all."""
    words = normalize(text).split()
    weights = (_name_weight(words, name) for name in subject.names if not name.single)
    best = max((w for w in weights if w is not None), default=None)
    if best is None:
        return None
    confidence, why = best
    reasons = [f"{why} in the item"]
    cities = [a for a in subject.addresses if a.city]
    mine = [a for a in cities if _contains(words, a.city)]
    if mine:
        where = mine[0]
        confidence += CITY
        reasons.append(f"{'your' if where.current else 'your former'} city ({where.city})")
    around = normalize(f"{text} {link}").split()
    used = [u for u in subject.usernames if _contains(around, u)]
    if used:
        confidence += USERNAME
        reasons.append("one of your usernames")
    employer = next((e for e in subject.employers if _contains(words, e)), "")
    if employer:
        confidence += EMPLOYER
        reasons.append(f"your employer ({employer})")
    if not mine and not used and not employer:
        theirs = {(normalize(a.city), a.state.upper()) for a in cities}
        elsewhere = [p for p in places_named(text) if p not in theirs]
        if elsewhere and cities:
            city, state = elsewhere[0]
            place = f"{city.title()}, {state}"
            reasons.append(f"a namesake: the item is about someone in {place}, not your city")
            return Mention(NAMESAKE, tuple(reasons), namesake=place)
        reasons.append("the name alone: nothing in it says where or who; read it to tell")
    return Mention(min(confidence, 0.95), tuple(reasons), in_city=bool(mine))
