"""Self-test of site rules, as WhatsMyName's own checks do it: both ways, per site.

A site's rules still hold when each of its ``known`` accounts comes back found and a made-up name
comes back not_found. A site that answers neither way this time (a wall, an error) is
``unknown``, not broken: we could not tell, and say so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lowprofile.results import Status
from lowprofile.usernames.probe import ask, made_up_name
from lowprofile.usernames.sites import Site

if TYPE_CHECKING:
    from lowprofile.fetch.http import Http

OK, BROKEN, UNKNOWN = "ok", "broken", "unknown"


@dataclass(frozen=True)
class SiteHealth:
    """Whether one site's rules still hold, and what each probe said."""

    site: str
    state: str
    problems: tuple[str, ...]
    url: str

    def to_dict(self) -> dict[str, object]:
        return {"site": self.site, "state": self.state, "problems": list(self.problems)}


async def examine(site: Site, http: Http, control_name: str) -> SiteHealth:
    """Ask the known accounts and the made-up name; broken beats unknown beats ok."""
    problems: list[str] = []
    broken = unknown = False
    if not site.known:
        return SiteHealth(site.name, UNKNOWN, ("no known account to test with",), site.uri_check)
    for known in site.known:
        verdict = await ask(site, known, http)
        if verdict.status is Status.FOUND:
            continue
        broken |= verdict.status in (Status.NOT_FOUND, Status.CHANGED)
        unknown |= verdict.status not in (Status.NOT_FOUND, Status.CHANGED)
        problems.append(f"known account {known!r}: {verdict.status.value} ({verdict.reason})")
    control = await ask(site, control_name, http)
    if control.status is not Status.NOT_FOUND:
        broken |= control.status in (Status.FOUND, Status.CHANGED)
        unknown |= control.status not in (Status.FOUND, Status.CHANGED)
        problems.append(f"made-up name: {control.status.value} ({control.reason})")
    state = BROKEN if broken else UNKNOWN if unknown else OK
    return SiteHealth(site.name, state, tuple(problems), site.profile_url(site.known[0]))


async def examine_all(sites: tuple[Site, ...], http: Http) -> list[SiteHealth]:
    """Every site at once (each host at its polite pace), in the list's order."""
    control_name = made_up_name()
    return list(await asyncio.gather(*(examine(site, http, control_name) for site in sites)))


def health_lines(health: list[SiteHealth], *, verbose: bool = False) -> list[str]:
    """What ``usernames doctor`` prints: one line per site whose rules no longer hold, then the
    count. Offline or behind a wall, 700 sites "could not be tested": a line each (with every
    probe's reason) buried the few broken ones, so those are only counted unless ``verbose``,
    which lists every site, ok ones too."""
    shown = health if verbose else [h for h in health if h.state == BROKEN]
    lines = [_line(h) for h in shown]
    counts = {state: sum(1 for h in health if h.state == state) for state in (OK, BROKEN, UNKNOWN)}
    total = (
        f"{counts[OK]} ok, {counts[BROKEN]} broken, {counts[UNKNOWN]} could not be tested, "
        f"of {len(health)} sites"
    )
    if counts[UNKNOWN] and not verbose:
        total += " (--verbose lists every site and why)"
    return [*lines, total]


def _line(health: SiteHealth) -> str:
    why = "; ".join(health.problems)
    return f"{health.state:<7} {health.site}" + (f": {why}" if why else "")
