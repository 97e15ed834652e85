"""Links to you: a household member's listing that exposes the user too.

People-search listings name relatives, and a relative's listing carries the shared home
address. So a member's listing that names the user among its relatives, or shows the user's
current street address, is the user's exposure as well, though the user cannot remove it: only
the member, who is the one listed, can. Its opt-out is therefore the member's (their plan, their
ledger, ``--profile`` of theirs), and the link only says so.

Precision as in the matcher: a relative is the user only when the name matches one of the
user's names (aliases and former names too) as strongly as a nickname does, and nothing shown
with it says otherwise. A relative shown in a city the user never lived in, or at an age that
does not fit, is a namesake, not a link. The relative is scored as a small card with the
matcher itself, so the two never disagree about names.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.brokers.listing import Listing
from lowprofile.brokers.matcher import W_NAME_LOOSE, match_listing, normalize, parse_place
from lowprofile.results import Action, Finding, Kind, ScanReport
from lowprofile.subject import Address, Subject

RELATIVE_AT_LEAST = W_NAME_LOOSE
"""A relative is the user from this score up: a nickname or an initial with nothing against it.
A full-name match shown in another city (0.45 - 0.25) or at a wrong age falls below."""

_AGE = re.compile(r"(\d{1,3})\b\s*(.*)")
"""A part that opens with an age (``41``, ``41 Austin TX`` after ``age``): the age, the rest."""
_TRAILING_AGE = re.compile(r"(.*?\D)\s+(\d{1,3})")
_CUT = re.compile(r"\s*(?:,|\(|\)|;|\s[-–—|]\s|\bin\b|\bage\b)\s*", re.IGNORECASE)

_STREET_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "lane": "ln",
    "boulevard": "blvd", "court": "ct", "place": "pl", "terrace": "ter", "parkway": "pkwy",
    "highway": "hwy", "circle": "cir", "square": "sq", "north": "n", "south": "s", "east": "e",
    "west": "w", "apartment": "apt", "unit": "apt", "suite": "ste",
}  # fmt: skip
_UNIT_WORDS = {"apt", "ste"}


@dataclass(frozen=True)
class Link:
    """One listing of a member's that exposes the user, why, and the member's opt-out."""

    member: str
    """The member's name in the household file."""
    finding: Finding
    """The member's finding: the listing, its site, its remedy."""
    why: tuple[str, ...]
    profile: Path | None = None
    """The member's profile, so the commands act on the member's records."""
    optout: Action | None = None
    """The member's plan task that removes this listing."""
    states: tuple[str, ...] = field(default_factory=tuple)
    """Where the member's requests to this site stand (their ledger), machine words."""

    @property
    def broker(self) -> str:
        return str(self.finding.evidence.get("broker") or "")

    @property
    def commands(self) -> list[str]:
        """What the member runs, on their own records: the opt-out (where lowprofile can do
        it) and the record of one done by hand."""
        who = f" --profile {shlex.quote(str(self.profile))}" if self.profile else ""
        runs = []
        if self.finding.remedy is not None and self.finding.remedy.command:
            runs.append(f"{self.finding.remedy.command}{who}")
        runs.append(f"lowprofile optout done {self.broker}{who}")
        return runs

    def to_dict(self) -> dict[str, Any]:
        remedy = self.finding.remedy
        return {
            "member": self.member,
            "broker": self.broker,
            "title": self.finding.title,
            "where": self.finding.where,
            "key": self.finding.key,
            "confidence": round(self.finding.confidence, 3),
            "why": list(self.why),
            "optout": {
                "for": self.member,
                "plan_task": self.optout.id if self.optout else None,
                "url": remedy.url if remedy else None,
                "summary": remedy.summary if remedy else None,
                "commands": self.commands,
                "states": list(self.states),
            },
        }


def relative_card(text: str) -> Listing:
    """A relative as a page shows them (``Jane Doe``, ``Jane Doe, 41``, ``Jane Doe (Denver,
    CO)``, ``Jane M Doe - Austin TX``) as a small card: the name, and the age and place when
    the text gives them."""
    shown = " ".join(text.split())
    parts = [p for p in _CUT.split(shown) if p and p.strip()]
    name = parts[0] if parts else shown
    age: int | None = None
    trailing = _TRAILING_AGE.fullmatch(name)
    if trailing:  # "Jane Doe 41"
        name, age = trailing.group(1), int(trailing.group(2))
    places = []
    for part in parts[1:]:
        found = _AGE.fullmatch(part.strip())
        if found and 0 < int(found.group(1)) < 120:
            age, part = int(found.group(1)), found.group(2)
        if any(c.isalpha() for c in part):
            places.append(part.strip())
    place = ", ".join(places)
    return Listing(name=name, age=age, locations=[place] if place else [])


def names_you(relatives: Iterable[str], you: Subject) -> str | None:
    """Why one of the relatives is the user, or None: the first relative matching one of the
    user's names with nothing shown against it."""
    for text in relatives:
        match = match_listing(relative_card(str(text)), you)
        if match.confidence >= RELATIVE_AT_LEAST:
            return f"names you as a relative ({text}: {'; '.join(match.reasons)})"
    return None


def _street(text: str) -> list[str]:
    return [_STREET_WORDS.get(word, word) for word in normalize(text).split()]


def _without_unit(words: list[str]) -> list[str]:
    cut = next((i for i, word in enumerate(words) if word in _UNIT_WORDS), len(words))
    return words[:cut]


def _at(shown: str, address: Address) -> bool:
    """``shown`` (a street address on a page) is ``address``: the same number and street (an
    apartment left off either side), and the same city where the page gives one."""
    street = _without_unit(_street(address.street))
    words = _street(shown)
    if len(street) < 2 or words[: len(street)] != street:
        return False
    rest = " ".join(_without_unit(words)[len(street) :])
    if not rest or not address.city:
        return True
    place = parse_place(shown)
    city = normalize(address.city)
    return place.city == city or f" {city} " in f" {rest} "


def shows_your_address(addresses: Iterable[str], you: Subject) -> str | None:
    """Why one of the listing's street addresses is the user's current one, or None. A city
    alone is shared by a town: only a street address counts."""
    for shown in addresses:
        for address in you.current_addresses:
            if address.street and _at(str(shown), address):
                return f"shows your current address ({shown})"
    return None


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def links_to_you(
    you: Subject, member: str, report: ScanReport, profile: Path | None = None
) -> list[Link]:
    """The member's listings (found or partly matching: those their scan reports) that name the
    user as a relative or show the user's current address, with the member's opt-out."""
    links = []
    for finding in report.findings:
        if finding.kind != Kind.BROKER_LISTING:
            continue
        evidence = finding.evidence
        why = [
            reason
            for reason in (
                names_you(_texts(evidence.get("relatives")), you),
                shows_your_address(_texts(evidence.get("addresses")), you),
            )
            if reason
        ]
        if not why:
            continue
        broker = str(evidence.get("broker") or "")
        task = next(
            (a for a in report.plan if a.kind == "optout" and broker in a.covers),
            None,
        )
        states = tuple(e.state.value for e in report.ledger if e.broker == broker)
        links.append(Link(member, finding, tuple(why), profile, task, states))
    return links
