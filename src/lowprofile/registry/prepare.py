"""From catalogue and profile to the requests of one run: what to send, what was already asked.

Kept apart from the CLI so ``optout requests`` stays a thin shell and the same selection can be
used by a scheduled run. A registration is left out when it has been asked already (the ledger),
or when every broker file it matches has had its own opt-out recorded (``optout done``), so no
site is asked twice; those with no address to write to are returned as web forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import (
    DeletionRequest,
    build_requests,
    group_by_recipient,
    select,
)
from lowprofile.registry.match import SiteLike, match_all
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


def prepare(
    entries: Iterable[RegistryEntry],
    *,
    subject: Subject,
    law: str,
    sender: str,
    sites: Iterable[SiteLike] = (),
    site_optouts: Iterable[str] = (),
    asked: set[str] | None = None,
    only: Iterable[str] = (),
    add: Iterable[str] = (),
    today: date | None = None,
    refs: Mapping[str, str] | None = None,
) -> Prepared:
    """Split the chosen registrations into requests to send, already asked, and web forms."""
    chosen = select(entries, only)
    matched = match_all(chosen, sites)
    done = set(site_optouts)
    result = Prepared()
    to_ask = []
    for entry in chosen:
        sites_of = matched.get(entry.id, ())
        if sites_of and all(s in done for s in sites_of):
            result.covered_by_site_optout.append((entry, sites_of))
        elif entry.emails:
            to_ask.append(entry)
        elif entry.optout_url:
            result.web_forms.append(entry)
    asked = asked or set()
    result.already_asked = [r for r in group_by_recipient(to_ask) if r in asked]
    fresh = [e for e in to_ask if e.email.lower() not in asked]
    result.pending = build_requests(fresh, subject, law, sender, add, today, refs)
    return result
