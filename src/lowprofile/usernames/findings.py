"""A confirmed account as a Finding: where it is, what kind of site, and what to do about it.

Accounts on adult and dating sites are flagged ``sensitive``: being linked to one can hurt a
person far more than a forum profile, so they get a higher severity and the risk score weighs
them more. An account on a platform of the settings checkup (X, Instagram, Facebook, Snapchat,
TikTok, LinkedIn) links to that platform's entry: its settings in a line each and its pages,
each page with its source and date (``checkup/platforms.toml``). Other accounts point at the
profile itself: the table of sixteen settings pages this used to keep was written from memory,
never checked, and is gone.
"""

from __future__ import annotations

import hashlib

from lowprofile.checkup.entries import platform_for_account
from lowprofile.privacy import mask_username
from lowprofile.results import Finding, Remedy, Severity
from lowprofile.usernames.sites import Site

KIND = "account"
CHECKER_ID = "usernames"
REMEDY_MINUTES = 10


def username_id(username: str) -> str:
    """A stable id for one username (case-insensitive) that does not spell it out: findings of
    the same name group by it ("one username links 23 accounts") without copying the name."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:12]


def account_remedy(site: Site, username: str) -> Remedy:
    """Make it private, delete it, or change the username: the checkup's entry where the
    platform has one (its first page, cited), else the profile itself."""
    entry = platform_for_account(site.name)
    summary = f"Make your {site.name} account private, delete it, or change its username"
    if entry is None:
        return Remedy(
            action="account",
            summary=summary + ": sign in and look in its privacy or account settings",
            url=site.profile_url(username),
            method="account",
            # No group: each site has its own settings page, so each account is its own task.
            minutes=REMEDY_MINUTES,
            recheck_days=30,
        )
    page = entry.links[0]
    return Remedy(
        action="account",
        summary=f"{summary}; `lowprofile settings` lists the {entry.name} checkup ({page.cited})",
        url=page.url,
        method="account",
        minutes=REMEDY_MINUTES,
        recheck_days=30,
    )


def account_finding(
    site: Site, username: str, reason: str, *, matches_name: bool = False
) -> Finding:
    """The finding for one confirmed account (the control name was not found there).

    ``matches_name`` says the username spells out the person's name: the account then leads
    straight from the name to the person and the other way round."""
    where = site.profile_url(username)
    severity = Severity.HIGH if site.sensitive else Severity.LOW
    what = "an account on an adult or dating site" if site.sensitive else "an account"
    return Finding(
        kind=KIND,
        title=f"{site.name} has {what} named {mask_username(username)}",
        where=where,
        exposed=("username", "sensitive_account") if site.sensitive else ("username",),
        severity=severity,
        confidence=0.9,
        remedy=account_remedy(site, username),
        evidence={
            "site": site.name,
            "category": site.category,
            "sensitive": site.sensitive,
            "username": mask_username(username),
            "username_id": username_id(username),
            "profile_url": where,
            "matches_name": matches_name,
        },
        reasons=(reason, "the username spells out your name") if matches_name else (reason,),
        key=f"{CHECKER_ID}:{site.name}:{username_id(username)}",
    )
