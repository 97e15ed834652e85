"""Typed extractors: one piece of card text that says several things, split into what each says.

A 2026 FastPeopleSearch card writes ``Age 48 • Waterville, ME`` in one element; other sites write
``Lives in Austin, TX``, ``Used to live in Dallas, TX, Waco, TX``, ``Related to Ann Doe, Bo Doe``
or a phone number beside the place. A recipe's selector reads such an element whole, and the
whole string is then neither a place nor an age. These extractors cut the text at its separators
and hand each piece to the field its label (or, without one, its shape) says it belongs to, so
the age reads as an age and the place as a place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_AGE = 130
_SEPARATORS = re.compile(r"\s*[•·|]\s*")
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"^(?:{words})\b\s*:?\s*", re.IGNORECASE))
    for kind, words in (
        ("past", r"used to live(?: in)?|previously lived in|has lived in|lived in|resided in"
         r"|past addresses?|previous addresses?"),
        ("current", r"currently lives in|lives in|resides in|current address"),
        ("relatives", r"related to|relatives(?: and associates)?|associates"),
        ("aliases", r"aka|also known as|goes by|known as"),
        ("phones", r"phone numbers?|phones?"),
        ("age", r"age"),
    )
)  # fmt: skip
"""Labels a card puts before a value, longest first where one is the start of another."""
_AGE = re.compile(r"^(\d{1,3})(?:\s*(?:years?\s*old|yrs?))?$", re.IGNORECASE)
_PHONE = re.compile(r"^(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}$")
_CITY_STATE = re.compile(r"\b([A-Z][A-Za-z.'-]+(?: [A-Z][A-Za-z.'-]+){0,3}),\s*([A-Z]{2})\b")


@dataclass
class Labelled:
    """What one card's texts said, by type. ``places`` are unlabelled places (the field that
    read them decides whether they are current); ``current`` and ``past`` carry their label."""

    age: int | None = None
    places: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    past: list[str] = field(default_factory=list)
    relatives: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def _places(text: str) -> list[str]:
    """``Dallas, TX, Waco, TX`` is two places; ``12 Elm St, Waco, TX 76701`` is one address."""
    pairs = _CITY_STATE.findall(text)
    if len(pairs) >= 2 and not any(c.isdigit() for c in text):
        return [f"{city}, {state}" for city, state in pairs]
    return [text] if text else []


_STATE_CODE = re.compile(r"^[A-Z]{2}(?:\s+\d{5})?$")


def rejoin_places(values: list[str]) -> list[str]:
    """A recipe's ``separator = ","`` cuts ``Boise, ID, Reno, NV`` into four pieces; a piece that
    is only a state code (and ZIP) belongs to the place before it."""
    out: list[str] = []
    for value in values:
        if out and _STATE_CODE.match(value) and not _STATE_CODE.match(out[-1]):
            out[-1] = f"{out[-1]}, {value}"
        else:
            out.append(value)
    return out


def looks_like_place(text: str) -> bool:
    """``City, ST`` somewhere in the text: what a place read from a field of another type needs
    before it is kept as one."""
    return _CITY_STATE.search(text) is not None


def split_names(text: str) -> list[str]:
    """``Ann Doe, Bo Doe • Cy Doe`` is three names: a list of names is never matched as one."""
    return [part.strip() for part in re.split(r"[,•·|;]", text) if part.strip()]


def _age(text: str) -> int | None:
    match = _AGE.match(text.strip())
    return int(match.group(1)) if match and int(match.group(1)) < MAX_AGE else None


def _one(piece: str, into: Labelled) -> None:
    for kind, label in _LABELS:
        matched = label.match(piece)
        if matched is None:
            continue
        rest = piece[matched.end() :].strip(" ,;:")
        if kind == "age":
            age = _age(rest)
            if age is None:
                return  # "Age unknown": nothing to keep
            into.age = into.age if into.age is not None else age
        elif kind in ("past", "current"):
            getattr(into, kind).extend(_places(rest))
        elif kind == "phones":
            into.phones.extend(p for p in re.split(r"\s*,\s*", rest) if _PHONE.match(p))
        else:
            getattr(into, kind).extend(split_names(rest))
        return
    if _PHONE.match(piece):
        into.phones.append(piece)
    elif piece:
        into.places.append(piece)


def read_labelled(text: str, into: Labelled | None = None) -> Labelled:
    """Split ``text`` at ``•``, ``·`` and ``|`` and type each piece by its label or shape."""
    into = into if into is not None else Labelled()
    for piece in _SEPARATORS.split(" ".join(text.split())):
        _one(piece.strip(" ,;:"), into)
    return into


def read_age(text: str) -> int | None:
    """An age field's value: ``48``, ``Age 48``, ``Age: 48``, ``48 years old``, or the age in
    ``Age 48 • Waterville, ME``."""
    return read_labelled(text).age or _age(text)
