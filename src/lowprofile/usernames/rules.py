"""WhatsMyName's rules as one pure function per direction: the request to send, and the verdict.

The verdict follows WhatsMyName's own meaning, made strict: ``e_code`` with ``e_string`` is an
account, ``m_code`` with ``m_string`` is no account, and anything else (a bot wall, a 403 or 429,
a page that fits neither rule, or one that fits both) is not an answer. When both rules fit, the
one whose string is not empty decides: an empty string only pins the status code, so it cannot
contradict a marker that is really on the page (WhatsMyName has sites whose missing rule is just
"200 without the profile marker"). Nothing here touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote_plus

from lowprofile.results import Status
from lowprofile.usernames.sites import ACCOUNT, Site

BLOCK_CODES = frozenset({401, 403, 429, 451, 503})
"""Answers that mean "not for you": never read as an account or as no account, unless the site's
own rule names this very code (a few sites answer 403 for a missing user)."""


@dataclass(frozen=True)
class SiteRequest:
    """Everything needed to ask one site about one name."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None


@dataclass(frozen=True)
class Verdict:
    """How one answer reads: found, not_found, blocked or changed, and why in words."""

    status: Status
    reason: str


def build_request(site: Site, username: str) -> SiteRequest:
    """The request for ``username``: placeholder filled and escaped for where it goes."""
    name = site.clean(username)
    url = site.uri_check.replace(ACCOUNT, site.url_name(username))
    headers = dict(site.headers)
    body = None
    if site.post_body is not None:
        content_type = next((v for k, v in site.headers if k.lower() == "content-type"), "")
        if "json" in content_type.lower() or site.post_body.lstrip().startswith(("{", "[")):
            filled = json.dumps(name)[1:-1]
        else:
            filled = quote_plus(name)
        body = site.post_body.replace(ACCOUNT, filled)
    return SiteRequest("POST" if body is not None else "GET", url, headers, body)


def judge(site: Site, status_code: int, body: str, wall: str | None = None) -> Verdict:
    """Read one answer by the site's rules. ``wall`` names a bot wall seen on the page.

    A recognised bot wall is ``blocked`` before either rule is tried: a site whose found rule
    is only a status code (an empty ``e_string``) would otherwise read a 200 captcha page as an
    account, send a made-up name after it, and call the site "found for anyone" when the wall
    answers that too. A wall is never an answer, so it never earns a control request. A
    blocking status (403, 429…) only counts when neither rule names it (a few sites answer 403
    for a missing user).
    """
    if wall:
        return Verdict(Status.BLOCKED, f"bot wall ({wall})")
    found = status_code == site.e_code and site.e_string in body
    missing = status_code == site.m_code and site.m_string in body
    if found and missing:
        if site.e_string and not site.m_string:
            missing = False
        elif site.m_string and not site.e_string:
            found = False
        else:
            return Verdict(Status.CHANGED, f"the answer ({status_code}) fits both rules")
    if found:
        return Verdict(Status.FOUND, f"{status_code} with the profile marker")
    if missing:
        return Verdict(Status.NOT_FOUND, f"{status_code} with the no-account marker")
    if status_code in BLOCK_CODES:
        return Verdict(Status.BLOCKED, f"the site refused the request ({status_code})")
    return Verdict(
        Status.CHANGED,
        f"the answer ({status_code}) fits neither rule: the site definition may be outdated",
    )
