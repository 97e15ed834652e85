"""Which registered brokers are sites we already have a broker file for, matched by domain.

A registration lists the registrant's websites; a broker file names a site's domain and its
mirrors. When they share a domain (or one is a subdomain of the other) they are the same business,
and the site's own opt-out (already in the plan, perhaps already made) must not be followed by a
second, duplicate request. The match is by domain only: names differ too much between a
registrant ("Compact Information Systems, LLC") and its storefront to be trusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from lowprofile.registry.catalogue import RegistryEntry


class SiteLike(Protocol):
    """What the matcher needs of a broker file: its id, domain and mirror domains."""

    @property
    def id(self) -> str: ...
    @property
    def domain(self) -> str: ...
    @property
    def mirrors(self) -> tuple[str, ...]: ...


def _bare(domain: str) -> str:
    return domain.strip().lower().rstrip(".").removeprefix("www.")


def _same_site(a: str, b: str) -> bool:
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def domain_index(sites: Iterable[SiteLike]) -> dict[str, str]:
    """Every domain a broker file answers to → that file's id."""
    index: dict[str, str] = {}
    for site in sites:
        for domain in (site.domain, *site.mirrors):
            if domain:
                index.setdefault(_bare(domain), site.id)
    return index


def match_entry(entry: RegistryEntry, index: Mapping[str, str]) -> tuple[str, ...]:
    """The broker-file ids whose domains this registration lists (a registrant often runs several
    storefronts), in the order the registration lists them; empty when none."""
    found: list[str] = []
    for domain in entry.domains:
        bare = _bare(domain)
        found += [site for known, site in index.items() if _same_site(bare, known)]
    return tuple(dict.fromkeys(found))


def match_all(
    entries: Iterable[RegistryEntry], sites: Iterable[SiteLike]
) -> dict[str, tuple[str, ...]]:
    """Registry entry id → the broker-file ids it matches, for every entry that matches one."""
    index = domain_index(sites)
    return {e.id: sites_ for e in entries if (sites_ := match_entry(e, index))}
