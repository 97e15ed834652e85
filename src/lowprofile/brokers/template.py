"""Filling a broker's search URL template from the Subject: ``{first|lower}-{last|lower}``.

Each site spells its URLs its own way (``jane-doe/texas/austin``, ``Jane_Doe/TX``,
``?name=Jane%20Doe``), so the template names a variable and a chain of filters; the value is
URL-encoded at the end so that a name with spaces or accents never breaks the URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from lowprofile.subject import US_STATES, Address, Name, Subject

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""``{variable}`` or ``{variable|filter|filter:arg}`` in a URL template."""


def template_variables(template: str) -> list[str]:
    """The subject values a template puts in, in order, each once."""
    return list(dict.fromkeys(p.split("|")[0] for p in PLACEHOLDER.findall(template)))


class MissingValue(ValueError):
    """The template needs a detail the Subject does not have (e.g. a city)."""

    def __init__(self, variable: str) -> None:
        super().__init__(variable)
        self.variable = variable


@dataclass(frozen=True)
class Query:
    """One search: a name and (optionally) a place."""

    name: Name
    address: Address | None
    age: int | None = None

    def values(self) -> dict[str, str]:
        address = self.address or Address()
        state = address.state
        return {
            "first": self.name.first,
            "middle": self.name.middle,
            "last": self.name.last,
            "city": address.city,
            "state": state,
            "state_full": US_STATES.get(state.upper(), state),
            "zip": address.postcode,
            "age": str(self.age) if self.age is not None else "",
        }


_BRACKET = re.compile(r"^(\d{1,3})(?:-(\d{1,3})|\+)$")


def age_brackets(argument: str) -> list[tuple[str, int, int]]:
    """``18-30,31-40,81+`` as ``[("18-30", 18, 30), ("31-40", 31, 40), ("81+", 81, 999)]``; an
    empty list when any bracket is malformed (the validator names the template)."""
    out = []
    for bracket in argument.split(","):
        match = _BRACKET.match(bracket.strip())
        if match is None:
            return []
        low = int(match.group(1))
        out.append((bracket.strip(), low, int(match.group(2)) if match.group(2) else 999))
    return out


def age_range(value: str, argument: str) -> str:
    """The bracket holding the age ``value`` (DuckDuckGo's ``ageRange``: veripages wants
    ``fage=41-50``, not ``fage=45``), or "" when none does: an optional parameter is then left
    empty, a broader search, where an age outside the site's brackets could make it answer
    "nobody". ``81+`` holds every age from 81 (DuckDuckGo's own code matches no age there)."""
    if not value.isdigit():
        return ""
    age = int(value)
    return next((label for label, low, high in age_brackets(argument) if low <= age <= high), "")


def _apply(value: str, filter_spec: str) -> str:
    name, _, argument = filter_spec.partition(":")
    if name == "default":
        return value or argument
    if name == "range":
        return age_range(value, argument)
    if name == "lower":
        return value.lower()
    if name == "upper":
        return value.upper()
    if name == "title":
        return value.title()
    if name == "hyphen":
        return "-".join(value.split())
    if name == "underscore":
        return "_".join(value.split())
    if name == "plus":
        return "+".join(value.split())
    if name == "compact":
        return "".join(value.split())
    return value  # "raw" and unknown filters (the validator rejects unknown ones)


def render(template: str, query: Query, urls: dict[str, str] | None = None) -> str:
    """The URL for ``query``; MissingValue when a variable it needs is empty. ``urls``: values
    that are already URLs (an opt-out step's ``{listing_url}``), put in as they are."""
    values = query.values() | (urls or {})

    def substitute(match: re.Match[str]) -> str:
        variable, *filters = match.group(1).split("|")
        value = values.get(variable, "")
        for f in filters:
            value = _apply(value, f)
        if not value:
            if "optional" in filters:
                return ""
            raise MissingValue(variable)
        if "raw" in filters or variable in (urls or {}):
            return value
        if any(f.startswith("range:") for f in filters):
            return quote(value, safe="-_.~")  # "81+" is a plus sign, not a space
        return quote(value, safe="-_.~+")

    return PLACEHOLDER.sub(substitute, template)


MAX_NAMES = 5
MAX_PLACES = 5
"""Names and places searched per broker: beyond these the searches multiply past politeness.
What is left out is said in the report (``queries_left_out``), never dropped in silence."""


def queries_left_out(subject: Subject) -> str | None:
    """A sentence naming what ``queries_for`` does not search, or None when it searches all."""
    names, places = len(subject.names), len(subject.addresses)
    parts = []
    if names > MAX_NAMES:
        parts.append(f"the first {MAX_NAMES} of your {names} names")
    if places > MAX_PLACES:
        parts.append(f"the first {MAX_PLACES} of your {places} places (current ones first)")
    if not parts:
        return None
    return "searched " + " and ".join(parts) + ", to keep the number of searches polite"


def queries_for(
    subject: Subject, max_names: int = MAX_NAMES, max_places: int = MAX_PLACES
) -> list[Query]:
    """Name × place combinations, primary name and current address first, bounded per broker."""
    age = date.today().year - subject.birth_year if subject.birth_year else None
    names = list(subject.names[:max_names])
    ordered = list(subject.current_addresses) + [a for a in subject.addresses if not a.current]
    places: list[Address | None] = [*ordered[:max_places]] or [None]
    return [Query(name, place, age) for name in names for place in places]
