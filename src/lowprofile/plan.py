"""The action plan: what to do, in the order that removes the most risk per minute of effort.

Opt-outs are grouped by parent company, because one request often covers several sites; breached
accounts become one password-and-MFA task; located photos become one strip command. Then the
steps that need no finding: privacy settings of the big social networks, an alert on one's own
name, California's one-stop deletion platform for residents, and what to do if doxing has begun.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from lowprofile.results import CheckResult, Finding
from lowprofile.risk import _points

SOCIAL_SETTINGS = [
    (
        "X (Twitter)",
        "https://x.com/settings/privacy_and_safety",
        "Protect your posts, turn off photo tagging and precise location.",
    ),
    (
        "Instagram",
        "https://www.instagram.com/accounts/privacy_and_security/",
        "Make the account private, review who can tag and mention you, remove location from posts.",
    ),
    (
        "Facebook",
        "https://www.facebook.com/settings/?tab=privacy",
        "Limit past posts, hide your friend list, turn off location history.",
    ),
    (
        "Snapchat",
        "https://www.snapchat.com/",
        "Turn on Ghost Mode in Snap Map settings so friends cannot see where you are.",
    ),
    (
        "TikTok",
        "https://www.tiktok.com/setting",
        "Make the account private and turn off 'Suggest your account to others'.",
    ),
]
DOXED_STEPS = [
    "Report the posts to the platform and, if you feel threatened, to the police.",
    "Document everything: screenshots with the date and the address (URL) of each page.",
    "Work out what was exploited (a listing, a photo, a breached account) and close it first.",
    "Ask each site to remove your details; use the opt-outs in this plan.",
    "Tighten privacy settings on every social account and warn family and employer.",
    "Watch for identity theft: credit freezes, bank alerts, new-account notices.",
]
CALIFORNIA_DROP = "https://privacy.ca.gov/drop/"


@dataclass
class Action:
    """One task in the plan, with everything needed to do it without searching."""

    id: str
    title: str
    kind: str
    steps: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    method: str | None = None
    requires: list[str] = field(default_factory=list)
    minutes: int = 5
    recheck_days: int | None = None
    covers: list[str] = field(default_factory=list)
    command: str | None = None
    risk_points: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["risk_points"] = round(self.risk_points, 2)
        return data


def _optout_actions(findings: list[Finding]) -> list[Action]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.kind == "broker_listing" and f.remedy is not None:
            groups[f.remedy.group or f.where].append(f)
    actions = []
    for group, members in groups.items():
        sites: dict[str, Finding] = {}
        for f in members:
            sites.setdefault(str(f.evidence.get("broker") or f.where), f)
        first = members[0].remedy
        assert first is not None  # noqa: S101 - filtered above
        links = []
        for site, f in sites.items():
            if f.remedy and f.remedy.url:
                links.append({"label": f"{site} opt-out", "url": f.remedy.url})
            listing_url = f.where if f.where.startswith(("http://", "https://")) else ""
            if listing_url:
                links.append(
                    {"label": f"{site} listing (the form may ask for it)", "url": listing_url}
                )
        unique_links = list({link["url"]: link for link in links}.values())
        minutes = (first.minutes or 5) * max(
            1, len({link["url"] for link in links if "opt-out" in link["label"]})
        )
        actions.append(
            Action(
                id=f"optout:{group}",
                title=f"Opt out of {group} ({len(sites)} site(s))",
                kind="optout",
                steps=[
                    f"Open the opt-out page and follow it ({first.method or 'web form'}).",
                    "Use an email address you do not mind them having; confirm their email.",
                    f"Re-check in {first.recheck_days or 30} days: lowprofile scan will show it.",
                ],
                links=unique_links,
                method=first.method,
                requires=list(first.requires),
                minutes=minutes,
                recheck_days=first.recheck_days,
                covers=sorted(sites),
                risk_points=sum(map(_points, members)),
            )
        )
    return actions


def _breach_action(findings: list[Finding]) -> list[Action]:
    breaches = [f for f in findings if f.kind in ("breach", "paste")]
    if not breaches:
        return []
    names = sorted(
        {
            str(f.evidence.get("title") or f.evidence.get("breach") or f.where)
            for f in breaches
            if f.kind == "breach"
        }
    )
    links = [
        {
            "label": f"{f.evidence.get('title') or f.evidence.get('breach')} site",
            "url": f.remedy.url,
        }
        for f in breaches
        if f.remedy and f.remedy.url
    ]
    return [
        Action(
            id="passwords",
            title=f"Change the passwords of {len(names)} breached account(s) and turn on MFA",
            kind="change_password",
            steps=[
                "Change the password of each breached account, and of every account where you "
                "used the same password; use a password manager so each one is unique.",
                "Turn on multi-factor authentication (an app or a security key, not SMS if "
                "you can choose).",
                "Check a password before reusing it: lowprofile breaches password",
            ],
            links=list({link["url"]: link for link in links}.values()),
            minutes=10 * max(1, len(names)),
            covers=names,
            risk_points=sum(map(_points, breaches)),
        )
    ]


def _photo_action(findings: list[Finding]) -> list[Action]:
    photos = [f for f in findings if f.kind in ("photo_location", "photo_identity")]
    if not photos:
        return []
    paths = sorted({f.where for f in photos if f.kind == "photo_location"})
    command = "lowprofile photos strip " + " ".join(shlex.quote(p) for p in paths[:20])
    if not paths:
        command = next((f.remedy.command for f in photos if f.remedy and f.remedy.command), "")
    return [
        Action(
            id="photos",
            title=f"Strip location and names from {len(paths) or 'your'} photo(s) before sharing",
            kind="strip",
            steps=[
                "Run the command: it writes NAME.clean.EXT beside each photo, original kept.",
                "Share only the .clean copies; turn off location tagging in your camera app.",
            ],
            command=command,
            minutes=2,
            covers=paths[:50],
            risk_points=sum(map(_points, photos)),
        )
    ]


def _hand_checks(results: list[CheckResult]) -> list[Action]:
    pending = [r for r in results if r.status.needs_hand_check and r.url]
    if not pending:
        return []
    links = [
        {"label": f"{r.source or r.checker}: {r.status.value}", "url": r.url or ""} for r in pending
    ]
    return [
        Action(
            id="hand-checks",
            title=f"Check {len(pending)} site(s) by hand that could not be checked automatically",
            kind="manual",
            steps=["Open each link, look for your name in your city, and opt out where listed."],
            links=list({link["url"]: link for link in links}.values()),
            minutes=2 * len(pending),
            risk_points=0.5 * len(pending),
        )
    ]


def _general_actions(california: bool) -> list[Action]:
    actions = []
    if california:
        actions.append(
            Action(
                id="california-drop",
                title="California: one deletion request to every registered data broker (DROP)",
                kind="optout",
                steps=[
                    "California residents can file one request, through the state's Delete "
                    "Request and Opt-out Platform, that every registered data broker must act on.",
                    "Brokers process requests from 1 August 2026 and then at least every 45 days.",
                    "It reaches registered data brokers only: many people-search sites in this "
                    "plan are not registered, so keep their opt-outs too.",
                ],
                links=[{"label": "California DROP", "url": CALIFORNIA_DROP}],
                minutes=10,
                risk_points=10.0,
            )
        )
    actions.append(
        Action(
            id="social-settings",
            title="Lock down the privacy and location settings of your social accounts",
            kind="settings",
            steps=[f"{name}: {advice}" for name, _, advice in SOCIAL_SETTINGS],
            links=[{"label": name, "url": url} for name, url, _ in SOCIAL_SETTINGS],
            minutes=20,
            risk_points=4.0,
        )
    )
    actions.append(
        Action(
            id="google-alerts",
            title="Set a Google Alert for your name (and your address, in quotes)",
            kind="settings",
            steps=["Create an alert so you hear when a new page mentions you."],
            links=[{"label": "Google Alerts", "url": "https://www.google.com/alerts"}],
            minutes=3,
            risk_points=1.0,
        )
    )
    actions.append(
        Action(
            id="if-doxed",
            title="If you believe you are being doxed",
            kind="emergency",
            steps=DOXED_STEPS,
            minutes=60,
            risk_points=0.0,
        )
    )
    return actions


def build_plan(results: list[CheckResult], california: bool) -> list[Action]:
    """Actions ordered by risk removed per minute; the emergency steps always come last."""
    findings = [f for r in results for f in r.findings]
    actions = _optout_actions(findings) + _breach_action(findings) + _photo_action(findings)
    actions += _hand_checks(results)
    general = _general_actions(california)
    ranked = sorted(actions + general[:-1], key=lambda a: -(a.risk_points / max(1, a.minutes)))
    return ranked + general[-1:]


def lives_in_california(subject_summary: dict[str, Any]) -> bool:
    """From the masked subject summary: a location whose state is CA."""
    return any(
        str(loc).strip().endswith(("CA", "California"))
        for loc in subject_summary.get("locations", [])
    )


def assess_report(report: Any) -> None:
    """Add the ``risk`` and ``plan`` sections to a ScanReport (kept through its JSON)."""
    from lowprofile.risk import assess

    results = [r for r in report.results if isinstance(r, CheckResult)]
    risk = assess([f for r in results for f in r.findings])
    plan = build_plan(results, lives_in_california(report.subject))
    report.extra["risk"] = risk.to_dict()
    report.extra["plan"] = [action.to_dict() for action in plan]
