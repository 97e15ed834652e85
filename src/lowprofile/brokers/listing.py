"""A Listing: one person card parsed from a people-search result page, before matching.

Every field is untrusted text from a web page. The engine fills it, the matcher scores it against
the Subject, and the report shows it escaped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

_LATER_FIELDS = ("past_locations", "aliases")


@dataclass
class Listing:
    """What one result card on a people-search page says about one person."""

    name: str = ""
    age: int | None = None
    locations: list[str] = field(default_factory=list)
    """"City, ST" strings (or full addresses) shown on the card as where the person lives, or
    without saying when."""
    past_locations: list[str] = field(default_factory=list)
    """Places the card says the person used to live ("Used to live in", "Lived in")."""
    addresses: list[str] = field(default_factory=list)
    """Street addresses, when the card shows them (this is what makes a listing dangerous)."""
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    relatives: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    """Other names the card shows ("AKA", "Also known as"): how a former name is matched."""
    url: str | None = None
    """The listing's own page, when the card links to it (the opt-out form often asks for it)."""

    def to_dict(self) -> dict[str, Any]:
        """Every field; the later ones only when the card showed them, so a listing read before
        they existed keeps its identity (``listing_digest``) and its place in the history."""
        data = asdict(self)
        for later in _LATER_FIELDS:
            if not data[later]:
                del data[later]
        return data


@dataclass(frozen=True)
class MatchResult:
    """How sure we are that a Listing is the Subject, what it exposes, and why, in words."""

    confidence: float
    exposed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
