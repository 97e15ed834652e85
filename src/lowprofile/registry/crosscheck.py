"""Where the registry and a shipped broker file disagree on how to opt out, the broker file wins.

A registration says where the registrant takes requests; a broker file says how that site's
opt-out really works, as someone checked it (``Acxiom LLC`` registers ``Jordan.Abbott@acxiom.com``
while its file says: the web form at acxiom.com/optout). Both cannot be followed without asking
twice, and a request to the wrong door is a request unanswered. So the broker file's method is
used, and the disagreement is said, never settled in silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.match import SiteLike, domain_index, match_entry


class OptOutLike(Protocol):
    """What the cross-check reads of a broker file's opt-out."""

    @property
    def method(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def url(self) -> str: ...


class SiteWithOptOut(SiteLike, Protocol):
    """A broker file as the cross-check needs it: its domains and its opt-out."""

    @property
    def optout(self) -> OptOutLike: ...


@dataclass(frozen=True)
class Disagreement:
    """One registration whose opt-out differs from its broker file's, and what is used."""

    entry: RegistryEntry
    site: str
    """The broker file's id."""
    registry_says: str
    file_says: str
    used: RegistryEntry
    """The registration as it will be asked: the broker file's address or web form."""

    def sentence(self) -> str:
        return (
            f"{self.entry.label}: the registry gives {self.registry_says}, its broker file "
            f"({self.site}) {self.file_says}: using the broker file's"
        )


def _registry_says(entry: RegistryEntry) -> str:
    if entry.emails:
        return "email to " + ", ".join(entry.emails)
    return f"its web form {entry.optout_url}" if entry.optout_url else "no way to ask"


def crosscheck(
    entries: Iterable[RegistryEntry], sites: Iterable[SiteWithOptOut]
) -> dict[str, Disagreement]:
    """Registry entry id → its disagreement with the first broker file it matches by domain,
    for every entry whose method (email or web form) or address differs from that file's."""
    by_id: Mapping[str, SiteWithOptOut] = {site.id: site for site in sites}
    index = domain_index(by_id.values())
    found: dict[str, Disagreement] = {}
    for entry in entries:
        matched = match_entry(entry, index)
        if not matched:
            continue
        site = by_id[matched[0]]
        optout = site.optout
        if optout.method == "email":
            if not optout.email or optout.email.lower() in (e.lower() for e in entry.emails):
                continue  # the file names no other address, or the same one
            used = replace(entry, emails=(optout.email,))
            says = f"says email to {optout.email}"
        else:
            if not entry.emails:
                continue  # both a web form: the broker file's page is the one kept up to date
            used = replace(entry, emails=(), optout_url=optout.url or entry.optout_url)
            says = f"says {optout.method} at {optout.url}"
        found[entry.id] = Disagreement(entry, site.id, _registry_says(entry), says, used)
    return found
