"""Issue 29's look-alike table against the registry's domain match: a registration whose
website only looks like a broker file's domain is another business, never a duplicate of it
(a wrong match would skip a deletion request the person needs)."""

from __future__ import annotations

import pytest

from helpers.lookalikes import DOMAINS, LOOKALIKE_HOSTS, REAL_HOSTS
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.match import match_all


class _Site:
    def __init__(self, id_: str, domain: str, *mirrors: str) -> None:
        self.id, self.domain, self.mirrors = id_, domain, mirrors


SITES = [_Site("broker", DOMAINS[0], *DOMAINS[1:])]


def _registered(domain: str) -> RegistryEntry:
    return RegistryEntry(id="registered", name="Registered Inc", domains=(domain,))


@pytest.mark.parametrize(("host", "why"), LOOKALIKE_HOSTS)
def test_a_lookalike_website_is_another_business(host: str, why: str) -> None:
    assert match_all([_registered(host)], SITES) == {}, why


@pytest.mark.parametrize("host", REAL_HOSTS)
def test_each_real_host_is_the_broker(host: str) -> None:
    assert match_all([_registered(host)], SITES) == {"registered": ("broker",)}
