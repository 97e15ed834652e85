"""The usernames checker: the accounts a doxer finds from a username, on WhatsMyName's sites.

Every (site, username) pair is one task; the shared client keeps each host to its polite pace
while different hosts are asked at once, so a run of 700 sites takes about as long as its slowest
hosts. Each answer is read by the site's WhatsMyName rules (``usernames.rules``), and each hit is
confirmed by a made-up name on the same site (``usernames.probe``) before it becomes an
``account`` finding. Whatever could not be read honestly is ``blocked``, ``changed`` or ``error``
with the profile link to check by hand; nothing is ``not_found`` without the site's own marker.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from lowprofile.checkers.base import CheckContext, Readiness
from lowprofile.config import Settings
from lowprofile.privacy import mask_username
from lowprofile.results import CheckResult, Finding, Status
from lowprofile.subject import Subject
from lowprofile.usernames.findings import CHECKER_ID, account_finding
from lowprofile.usernames.probe import Controls, Outcome, check_name
from lowprofile.usernames.rules import build_request
from lowprofile.usernames.sites import Site, SiteList, load_sites

log = logging.getLogger(__name__)

_HAND = "check by hand"


def name_forms(subject: Subject) -> set[str]:
    """The person's names as a username would spell them (``janedoe``, ``doejane``, ``jdoe``)."""
    forms: set[str] = set()
    for name in subject.names:
        first = re.sub(r"[^a-z0-9]", "", name.first.lower())
        last = re.sub(r"[^a-z0-9]", "", name.last.lower())
        if first and last:
            forms |= {first + last, last + first, first[0] + last}
    return forms


def matches_name(username: str, forms: Iterable[str]) -> bool:
    """True when the username spells out one of the person's names. A short form must be the
    whole username ("jdoe"), a longer one may sit inside it ("janedoe84"): "ali" inside "alison"
    says nothing."""
    squashed = re.sub(r"[^a-z0-9]", "", username.lower())
    return any(form == squashed or (len(form) >= 6 and form in squashed) for form in forms)


def site_result(
    site: Site, username: str, status: Status, detail: str, findings: tuple[Finding, ...] = ()
) -> CheckResult:
    """One site's answer for one username; the profile link rides along as the hand-check URL."""
    if status.needs_hand_check:
        detail = f"{site.name}: {detail}; {_HAND}"
    return CheckResult(
        checker=CHECKER_ID,
        target=f"{site.name}: {mask_username(username)}",
        status=status,
        findings=findings,
        detail=detail,
        url=site.profile_url(username),
        source=site.name,
    )


def outcome_result(site: Site, username: str, outcome: Outcome, name_match: bool) -> CheckResult:
    """The final outcome as a result: a finding only for a hit its control confirmed."""
    if outcome.status is Status.FOUND:
        finding = account_finding(site, username, outcome.reason, matches_name=name_match)
        return site_result(site, username, Status.FOUND, outcome.reason, (finding,))
    detail = outcome.reason
    if outcome.status is Status.BLOCKED and site.protection:
        detail += f" (WhatsMyName notes its protection: {', '.join(site.protection)})"
    return site_result(site, username, outcome.status, detail)


def insecure_result(site: Site, username: str) -> CheckResult:
    """Plain-http sites are not asked: the username would cross the network in clear text."""
    return site_result(
        site,
        username,
        Status.MANUAL,
        "it only answers over plain http, which would show the name to anyone on the way; "
        "open the link if you accept that",
    )


def first_requests(sites: Iterable[Site], usernames: Iterable[str]) -> list[str]:
    """The URL of every first request the check will send, for ``Http.expect``: a host with
    several sites (or several names) has a chain of polite requests ahead of it, and the
    scheduler starts the longest chains first. Controls are not announced: whether one follows
    depends on the answer (and it waits behind the first requests: ``probe.Controls``)."""
    return [
        build_request(site, username).url for username in usernames for site in sites if site.secure
    ]


class UsernameChecker:
    """Accounts under the person's usernames, on WhatsMyName's sites, each hit controlled.

    Which list, which categories left out and whether sites on this machine may load are
    settings (``username_sites``, ``username_skip_categories``, ``allow_loopback``), read by
    ``config`` once and handed in: the checker reads no environment and no config file."""

    id = CHECKER_ID
    title = "Accounts under your usernames"

    def __init__(
        self,
        sites_file: Path | None = None,
        skip_categories: tuple[str, ...] = (),
        site_list: SiteList | None = None,
    ) -> None:
        self._sites_file = sites_file
        self._skip = skip_categories
        self._list = site_list
        self._chosen: SiteList | None = None

    def sites_for(self, settings: Settings) -> SiteList:
        """The list this scan runs, fixed on first use: the one given, or the one the settings
        name (else the updated or shipped list), less the categories left out."""
        if self._chosen is None:
            listed = self._list
            if listed is None:
                named = self._sites_file or settings.username_sites
                listed = load_sites(
                    Path(named) if named else None, loopback=settings.allow_loopback
                )
            skip = self._skip or settings.skipped_username_categories
            self._chosen = listed.without_categories(list(skip)) if skip else listed
        return self._chosen

    def readiness(self, settings: Settings) -> Readiness:
        if not self.sites_for(settings).sites:
            return Readiness(False, "the WhatsMyName site list has no usable site")
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        """0 (unknown) until ``readiness`` has fixed the list with the scan's settings."""
        return len(subject.usernames) * len(self._chosen.sites) if self._chosen else 0

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        sites = self.sites_for(ctx.settings)
        if not subject.usernames:
            yield CheckResult(
                checker=CHECKER_ID,
                target="*",
                status=Status.SKIPPED,
                detail="no usernames in the profile (add some)",
            )
            return
        for problem in sites.problems:
            yield CheckResult(
                checker=CHECKER_ID, target="site list", status=Status.ERROR, detail=problem
            )
        forms = name_forms(subject)
        controls = Controls()
        names = tuple(dict.fromkeys(subject.usernames))
        ctx.http.expect(first_requests(sites.sites, names))
        tasks = [
            asyncio.create_task(self._one(site, username, ctx, controls, forms))
            for username in names
            for site in sites.sites
        ]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            controls.cancel()

    async def _one(
        self, site: Site, username: str, ctx: CheckContext, controls: Controls, forms: set[str]
    ) -> CheckResult:
        try:
            if not site.secure:
                return insecure_result(site, username)
            outcome = await check_name(site, username, ctx.http, controls)
            return outcome_result(site, username, outcome, matches_name(username, forms))
        except Exception as exc:  # one odd site must not end the others
            log.debug("site %s failed", site.name, exc_info=True)
            return site_result(site, username, Status.ERROR, f"{exc.__class__.__name__}: {exc}")
        finally:
            ctx.advance(1)
