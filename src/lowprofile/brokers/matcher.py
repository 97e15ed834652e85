"""Is this listing the user? Scoring a people-search card against the Subject.

Precision matters more than recall here: a study of paid removal services found that fewer than
half of the records they flagged were really their customer. So a first name that differs is a
different person (a relative shares the surname), an age that is years off is a namesake, and a
listing only counts as ``found`` (>= 0.8) when the name and a city-level place agree, or when a
phone or email that only the user has appears on it.

Weights, in one place so the reasons and the numbers never drift apart:

* name: exact first and last 0.45; a nickname, an initial or swapped order 0.35 (the card's name
  or one of its other names, AKA, against every name of the profile, former names included: the
  reason says which)
* place: city and state of a current or past address 0.35 (on a place the card gives as current
  or as past: the reason says which); state alone 0.10; places that are all elsewhere -0.25
* age within one year of the birth year +0.20; two or three years off -0.10; more -0.60
* a phone or an email of the user +0.40 each
* a conflicting middle name or initial -0.30
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from importlib import resources

from lowprofile.brokers.listing import Listing, MatchResult
from lowprofile.results import Status
from lowprofile.subject import Address, Name, Subject, normalize_state

FOUND = 0.8
POSSIBLE = 0.5

W_NAME_EXACT = 0.45
W_NAME_LOOSE = 0.35
W_CITY = 0.35
W_STATE = 0.10
W_ELSEWHERE = -0.25
W_AGE_FITS = 0.20
W_AGE_NEAR = -0.10
W_AGE_WRONG = -0.60
W_CONTACT = 0.40
W_MIDDLE_CONFLICT = -0.30

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "md", "phd", "esq"}


def verdict(best_confidence: float) -> Status:
    """found, possible or not_found for a page of listings, from its best match."""
    if best_confidence >= FOUND:
        return Status.FOUND
    if best_confidence >= POSSIBLE:
        return Status.POSSIBLE
    return Status.NOT_FOUND


def normalize(text: str) -> str:
    """Lowercase, accents off, apostrophes out, other punctuation to spaces: ``O'Brien-Núñez`` →
    ``obrien nunez``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


@functools.cache
def _nickname_groups() -> tuple[frozenset[str], ...]:
    raw = resources.files("lowprofile.brokers").joinpath("nicknames.toml").read_text("utf-8")
    return tuple(frozenset(group) for group in tomllib.loads(raw)["groups"])


def same_given_name(a: str, b: str) -> bool:
    if a == b:
        return True
    return any(a in group and b in group for group in _nickname_groups())


@dataclass(frozen=True)
class _NameMatch:
    weight: float
    words: str
    middle_conflict: bool = False


def _tokens(text: str) -> list[str]:
    words = normalize(text).split()
    return [w for w in words if w not in _SUFFIXES]


def _last_matches(listing_last: list[str], subject_last: str) -> bool:
    """``Garcia-Lopez`` matches ``Garcia Lopez``, ``Garcia`` and ``Lopez``."""
    wanted = normalize(subject_last).split()
    if not listing_last:
        return False
    joined = " ".join(listing_last)
    return joined == " ".join(wanted) or (len(listing_last) == 1 and listing_last[0] in wanted)


def _compare_name(listing_name: str, name: Name) -> _NameMatch | None:
    words = _tokens(listing_name)
    if len(words) < 2:
        return None
    first = normalize(name.first)
    middle = normalize(name.middle)
    last_words = normalize(name.last).split()
    orders = []
    if len(last_words) > 1 and len(words) > len(last_words):
        # A compound last name read whole first: "Maria De La Cruz" is Maria of the De La
        # Cruzes, not Maria with the middle name "De La" (which differed from hers)
        orders.append((words[0], words[1 : -len(last_words)], words[-len(last_words) :]))
    orders.append((words[0], words[1:-1], [words[-1]]))
    orders.append((words[-1], words[1:-1], [words[0]]))  # "Doe Jane"
    for index, (given, middles, lasts) in enumerate(orders):
        if not _last_matches(lasts, name.last):
            continue
        swapped = index == len(orders) - 1 and len(orders) > 1
        if given == first and not swapped:
            weight, words_used = W_NAME_EXACT, "name"
        elif same_given_name(given, first):
            weight, words_used = W_NAME_LOOSE, f"name ({given} for {first})"
        elif len(given) == 1 and given == first[:1]:
            weight, words_used = W_NAME_LOOSE, "initial and last name"
        else:
            continue
        if swapped:
            weight, words_used = min(weight, W_NAME_LOOSE), "name (first and last swapped)"
        conflict = bool(middle and middles and middles[0][:1] != middle[:1])
        return _NameMatch(weight, words_used, conflict)
    return None


@dataclass(frozen=True)
class _Place:
    city: str
    state: str


def parse_place(text: str) -> _Place:
    """``Austin, TX 78701``, ``Austin TX``, ``Austin, Texas``, ``123 Main St, Austin, TX``."""
    cleaned = re.sub(r"\b\d{5}(?:-\d{4})?\b", "", text).strip(" ,")
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    if len(parts) >= 2:
        state = normalize_state(parts[-1])
        return _Place(normalize(parts[-2]), state.upper() if len(state) == 2 else state)
    words = cleaned.split()
    if len(words) >= 2:
        state = normalize_state(words[-1])
        if len(state) == 2 and state.isupper():
            return _Place(normalize(" ".join(words[:-1])), state)
        for size in (3, 2):  # "Salt Lake City New York" is ambiguous; try full state names
            if len(words) > size:
                candidate = normalize_state(" ".join(words[-size:]))
                if len(candidate) == 2:
                    return _Place(normalize(" ".join(words[:-size])), candidate)
    return _Place(normalize(cleaned), "")


def _same_city(place: _Place, address: Address) -> bool:
    city, state = normalize(address.city), address.state.upper()
    return (
        bool(city) and place.city == city and (not place.state or not state or place.state == state)
    )


def _city_reason(place: _Place, address: Address, used_to_live: bool) -> str:
    """``city and state match``; ``former …`` when it is an address the person left;
    ``(… used to live)`` when the card lists the place as a past one."""
    words = "city and state match" if place.state else "city matches"
    if not address.current:
        words = "former " + words
    return words + (" (listed where they used to live)" if used_to_live else "")


def _compare_places(
    places: list[str], past: list[str], addresses: tuple[Address, ...]
) -> tuple[float, str]:
    """The city of any address of the profile, current or former, on any place of the card,
    current or past: the reason says which. A current address on a current place wins."""
    if not (places or past) or not addresses:
        return 0.0, ""
    tagged = [(parse_place(p), False) for p in places] + [(parse_place(p), True) for p in past]
    pairs = [(p, a, used) for a in addresses for p, used in tagged]
    pairs.sort(key=lambda pair: (not pair[1].current, pair[2]))
    for place, address, used_to_live in pairs:
        if _same_city(place, address):
            return W_CITY, _city_reason(place, address, used_to_live)
    parsed = [place for place, _ in tagged]
    known = [(normalize(a.city), a.state.upper()) for a in addresses]
    states = {state for _, state in known if state}
    if any(place.state in states for place in parsed if place.state):
        return W_STATE, "state matches (city does not)"
    if any(place.state for place in parsed) and states:
        return W_ELSEWHERE, "listed in other states only"
    return 0.0, ""


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())[-10:]


def _exposed(listing: Listing) -> tuple[str, ...]:
    fields = ["name"]
    if listing.age is not None:
        fields.append("age")
    if listing.addresses:
        fields.append("address")
    if listing.locations or listing.past_locations:
        fields.append("locations")
    for attribute, label in (("phones", "phone"), ("emails", "email"), ("relatives", "relatives")):
        if getattr(listing, attribute):
            fields.append(label)
    return tuple(fields)


def _name_reason(found: _NameMatch, name: Name, on_alias: bool) -> str:
    """``name matches``, saying when it was a former name or an alias of the profile's, and
    when the card shows it among its other names (AKA) rather than as its name."""
    words = f"{found.words} matches"
    if name.kind in ("former", "alias"):
        words += f" (your {'former name' if name.kind == 'former' else 'alias'})"
    return words + (" among the other names the listing shows" if on_alias else "")


def match_listing(listing: Listing, subject: Subject, today: date | None = None) -> MatchResult:
    """How sure we are that ``listing`` is ``subject``, with reasons a person can read."""
    best: _NameMatch | None = None
    best_words = ""
    for shown, on_alias in ((listing.name, False), *((a, True) for a in listing.aliases)):
        for name in subject.names:
            found = _compare_name(shown, name)
            if found and (best is None or found.weight > best.weight):
                best, best_words = found, _name_reason(found, name, on_alias)
    if best is None:
        return MatchResult(0.0, _exposed(listing), ("name does not match",))
    score = best.weight
    reasons = [best_words]
    if best.middle_conflict:
        score += W_MIDDLE_CONFLICT
        reasons.append("middle name differs")

    place_weight, place_reason = _compare_places(
        listing.locations + listing.addresses, listing.past_locations, subject.addresses
    )
    score += place_weight
    if place_reason:
        reasons.append(place_reason)

    if subject.birth_year and listing.age is not None:
        expected = (today or date.today()).year - subject.birth_year
        gap = abs(listing.age - expected)
        if gap <= 1:
            score += W_AGE_FITS
            reasons.append(f"age {listing.age} fits birth year {subject.birth_year}")
        elif gap <= 3:
            score += W_AGE_NEAR
            reasons.append(f"age {listing.age} is {gap} years off birth year {subject.birth_year}")
        else:
            score += W_AGE_WRONG
            reasons.append(f"age {listing.age} does not fit birth year {subject.birth_year}")

    user_phones = {_digits(p) for p in subject.phones if _digits(p)}
    if user_phones & {_digits(p) for p in listing.phones}:
        score += W_CONTACT
        reasons.append("your phone number is listed")
    user_emails = {e.lower() for e in subject.emails}
    if user_emails & {e.lower().strip() for e in listing.emails}:
        score += W_CONTACT
        reasons.append("your email address is listed")

    confidence = round(min(1.0, max(0.0, score)), 3)
    return MatchResult(confidence, _exposed(listing), tuple(reasons))
