"""What a terminal shows of a usernames check: no profile link to an adult or dating site.

The link to such a profile carries the username into a screen someone else may read, a shell
scroll-back or a pasted bug report: it says "this name has an account on that adult site" to
anyone who sees it. So the terminal gets a copy of the report where those sites' links are
the site's address only, unless the person asks for them (``--show-sensitive``). The JSON and
the saved report are untouched: they are data the person chose to write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from lowprofile.plan import assess_report
from lowprofile.results import CheckResult, Finding, ScanReport
from lowprofile.usernames.sites import ACCOUNT, Site

HIDDEN = "profile link hidden: adult or dating site, --show-sensitive shows it"


def site_address(site: Site) -> str:
    """The site's own address, which names no account: scheme and host of its profile URL."""
    parts = urlsplit((site.uri_pretty or site.uri_check).replace(ACCOUNT, "x"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else site.name


def without_sensitive_links(report: ScanReport, sites: Iterable[Site]) -> ScanReport:
    """A copy of ``report`` whose results on sensitive sites carry no profile link, with its
    coverage, risk and plan worked out again from them (the plan's "where" lines quote the
    links). ``report`` itself is not changed."""
    hidden = {site.name: site_address(site) for site in sites if site.sensitive}
    if not any(r.source in hidden for r in report.results):
        return report
    results = [
        _without_link(r, hidden[r.source]) if r.source in hidden else r for r in report.results
    ]
    return assess_report(replace(report, results=results))


def _without_link(result: CheckResult, address: str) -> CheckResult:
    findings = tuple(_finding_without_link(f, address) for f in result.findings)
    return replace(result, url=None, findings=findings)


def _finding_without_link(finding: Finding, address: str) -> Finding:
    """The finding with its link (its ``where``, the profile URL in its evidence, and the
    remedy's link where that is the profile, for sites whose settings page we do not know)
    replaced by the site's address."""
    evidence = {k: v for k, v in finding.evidence.items() if k != "profile_url"}
    remedy = finding.remedy
    if remedy is not None and remedy.url == finding.where:
        remedy = replace(remedy, url=address)
    return replace(finding, where=f"{address} ({HIDDEN})", evidence=evidence, remedy=remedy)
