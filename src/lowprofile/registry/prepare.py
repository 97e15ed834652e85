"""From catalogue and profile to the requests of one run: what to send, what was already asked.

Kept apart from the CLI so ``optout requests`` stays a thin shell and the same selection can be
used by a scheduled run. A registration is left out when it has been asked already (the ledger),
or when every broker file it matches has had its own opt-out recorded (``optout done``), so no
site is asked twice. Where its broker file says another way to opt out, the file's way is used
(``crosscheck``); an address naming a person is left out unless kept; those left with no address
to write to are returned as web forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lowprofile.optout.law import Law
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.crosscheck import Disagreement, SiteWithOptOut, crosscheck
from lowprofile.registry.deletion import (
    DeletionRequest,
    build_requests,
    group_by_recipient,
    select,
    without_personal,
)
from lowprofile.registry.match import match_all
from lowprofile.subject import Subject


@dataclass
class Prepared:
    """One run's work: ``pending`` to send or draft, the rest reported."""

    pending: list[DeletionRequest] = field(default_factory=list)
    already_asked: list[str] = field(default_factory=list)
    """Recipient addresses asked before: no message is even built for them."""
    covered_by_site_optout: list[tuple[RegistryEntry, tuple[str, ...]]] = field(
        default_factory=list
    )
    web_forms: list[RegistryEntry] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    """Registrations asked the way their broker file says, not the registry's."""
    personal_left_out: list[tuple[RegistryEntry, str]] = field(default_factory=list)
    """Addresses naming a person, not written to (``--keep-personal-addresses`` keeps them)."""


@dataclass
class Routed:
    """The registrations as they will be asked: by the broker file's way where the two
    disagree, without the addresses that name a person (unless kept)."""

    entries: list[RegistryEntry]
    disagreements: list[Disagreement]
    personal_left_out: list[tuple[RegistryEntry, str]]


def route(
    entries: Iterable[RegistryEntry], sites: Iterable[SiteWithOptOut], keep_personal: bool = False
) -> Routed:
    """Each registration the way it will be asked; used by the run, its preview, the status
    and the plan alike, so they count the same addresses."""
    chosen = list(entries)
    disagreeing = crosscheck(chosen, sites)
    routed = [disagreeing[e.id].used if e.id in disagreeing else e for e in chosen]
    kept, personal = without_personal(routed, keep_personal)
    return Routed(kept, [disagreeing[e.id] for e in chosen if e.id in disagreeing], personal)


def prepare(
    entries: Iterable[RegistryEntry],
    *,
    subject: Subject,
    law: Law,
    sender: str,
    sites: Iterable[SiteWithOptOut] = (),
    site_optouts: Iterable[str] = (),
    asked: set[str] | None = None,
    only: Iterable[str] = (),
    add: Iterable[str] = (),
    keep_personal: bool = False,
    today: date | None = None,
    refs: Mapping[str, str] | None = None,
) -> Prepared:
    """Split the chosen registrations into requests to send, already asked, and web forms."""
    chosen = select(entries, only)
    known = list(sites)
    matched = match_all(chosen, known)
    done = set(site_optouts)
    result = Prepared()
    open_: list[RegistryEntry] = []
    for entry in chosen:
        sites_of = matched.get(entry.id, ())
        if sites_of and all(s in done for s in sites_of):
            result.covered_by_site_optout.append((entry, sites_of))
        else:
            open_.append(entry)
    routed = route(open_, known, keep_personal)
    result.disagreements, result.personal_left_out = routed.disagreements, routed.personal_left_out
    to_ask = [e for e in routed.entries if e.emails]
    result.web_forms = [e for e in routed.entries if not e.emails and e.optout_url]
    asked = asked or set()
    result.already_asked = [r for r in group_by_recipient(to_ask) if r in asked]
    fresh = [e for e in to_ask if e.email.lower() not in asked]
    result.pending = build_requests(fresh, subject, law, sender, add, today, refs)
    return result
