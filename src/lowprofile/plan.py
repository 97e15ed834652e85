"""The action plan: what to do, in the order that removes the most risk per minute of effort.

Opt-outs are grouped by parent company, because one request often covers several sites; each
breached account is one password-and-MFA task; located photos become one strip command; kinds this
module does not know become a task from their own remedy. Each task's worth is the risk points it
removes (the drop in the score's points if its findings were gone, combinations included), divided
by its typical minutes. Then the steps that need no finding: California's one-stop deletion
platform, the settings checkup of each platform (``checkup``), an alert on one's own name, and,
always last, what to do if doxing has begun.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lowprofile.checkup.due import checkup_action
from lowprofile.coverage import measure, tally
from lowprofile.optout.law import Law, law_from_summary
from lowprofile.remedies import MAX_COMMAND_PATHS, STRIP_ORIGINALS, strip_command
from lowprofile.results import (
    Action,
    CheckResult,
    Finding,
    Kind,
    ScanReport,
    Status,
    is_photo_kind,
)
from lowprofile.risk import assess, finding_capabilities, finding_points, plural, total_points

DOXED_STEPS = (
    "Report the posts to each platform and, if you feel threatened, to the police.",
    "Document everything before it is removed: screenshots showing the date and the address "
    "(URL) of each page, saved somewhere safe.",
    "Work out what was exploited (a listing, a photo, a breached account) and close that first: "
    "the tasks above say how.",
    "Ask each site to remove your details; use the opt-outs in this plan.",
    "Tighten the privacy settings of every social account, and warn family and your employer.",
    "Watch for identity theft: freeze your credit, turn on bank alerts, watch for new accounts "
    "or changes of address you did not make.",
)
MFA_STEP = (
    "Turn on multi-factor authentication (an app or a security key rather than SMS); if you no "
    "longer use the account, close it."
)
CALIFORNIA_DROP = "https://privacy.ca.gov/drop/"
GOOGLE_ALERTS = "https://www.google.com/alerts"
PARTIAL_BELOW = 0.8
"""Listings under this confidence only partly match (the broker matcher's FOUND threshold)."""

# Fixed estimates of the risk the general tasks remove, in score points (docs/risk.md).
DROP_POINTS = 10.0
ALERT_POINTS = 1.0
HAND_CHECK_POINTS = 0.5


@dataclass
class _Draft:
    """An action and the findings it resolves, before its worth is measured."""

    action: Action
    findings: list[Finding]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _unique_links(links: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    return list({link["url"]: link for link in links if link.get("url")}.values())


def _is_web(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://"))


def _site(finding: Finding) -> str:
    return str(finding.evidence.get("broker") or finding.where)


def _optout_drafts(findings: list[Finding]) -> list[_Draft]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.remedy.group if f.remedy else None) or _site(f)].append(f)
    drafts = []
    for group, members in groups.items():
        sites: dict[str, list[Finding]] = defaultdict(list)
        for f in members:
            sites[_site(f)].append(f)
        remedies = [f.remedy for f in members if f.remedy is not None]
        links: list[dict[str, str]] = []
        minutes_by_url: dict[str, int] = {}
        for site, listed in sites.items():
            for f in listed:
                if f.remedy and f.remedy.url:
                    links.append({"label": f"{site}: opt-out page", "url": f.remedy.url})
                    minutes = f.remedy.minutes or 5
                    minutes_by_url[f.remedy.url] = max(minutes_by_url.get(f.remedy.url, 0), minutes)
                if _is_web(f.where):
                    links.append(
                        {"label": f"{site}: your listing (the form asks for it)", "url": f.where}
                    )
        method = next((r.method for r in remedies if r.method), None)
        recheck = max((r.recheck_days for r in remedies if r.recheck_days), default=None)
        partial = [f for f in members if f.confidence < PARTIAL_BELOW]
        steps = _unique(r.summary for r in remedies)
        if len(minutes_by_url) == 1 and len(sites) > 1:
            steps.append(f"One request on this page covers all {len(sites)} sites.")
        if partial:
            steps.append(
                f"{plural(len(partial), 'listing')} only partly match you: open "
                f"{'it' if len(partial) == 1 else 'them'} first and opt out only if it is you "
                "(people-search sites mix people up)."
            )
        steps.append(
            "Use an email address you do not mind them having; confirm the email they send."
        )
        runs = _unique(r.command for r in remedies if r.command)
        command = _joined_runs(runs)
        if command:
            steps.append(
                "lowprofile can do this for you: run the command; it shows what each site will "
                "receive and asks first, and you solve any captcha in the window."
            )
        automatic = {c.rsplit(" ", 1)[-1] for c in runs}
        ids = " ".join(
            sorted(
                str(f.evidence["broker"])
                for f in members
                if "broker" in f.evidence and f.evidence["broker"] not in automatic
            )
        )
        track = f" Record it with `lowprofile optout done {ids}`." if ids else ""
        steps.append(
            f"Listings come back: re-check in {recheck or 30} days with `lowprofile scan`.{track}"
        )
        drafts.append(
            _Draft(
                Action(
                    id=f"optout:{group}",
                    title=f"Opt out of {group} ({plural(len(sites), 'site')})",
                    kind="optout",
                    steps=steps,
                    links=_unique_links(links),
                    method=method,
                    requires=_unique(req for r in remedies for req in r.requires),
                    minutes=sum(minutes_by_url.values()) or 5 * len(sites),
                    recheck_days=recheck,
                    covers=sorted(sites),
                    command=command,
                ),
                members,
            )
        )
    return drafts


def _joined_runs(runs: list[str]) -> str | None:
    """One ``optout run`` for every site of a group that has opt-out steps."""
    if not runs:
        return None
    prefix = runs[0].rsplit(" ", 1)[0]
    return f"{prefix} {' '.join(sorted(r.rsplit(' ', 1)[-1] for r in runs))}"


def _leaked(members: list[Finding]) -> str:
    classes = _unique(str(c) for f in members for c in f.evidence.get("data_classes") or ())
    return ", ".join(classes) or "your email address"


def _leaked_password(members: list[Finding]) -> bool:
    return any("password" in str(e).lower() for f in members for e in f.exposed) or any(
        f.remedy is not None and f.remedy.action == "change_password" for f in members
    )


def _breach_drafts(findings: list[Finding]) -> list[_Draft]:
    """One task per account whose password leaked; one task for all the others (MFA only)."""
    accounts: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        accounts[str(f.evidence.get("title") or f.evidence.get("breach") or f.where)].append(f)
    drafts = []
    mfa_only: dict[str, list[Finding]] = {}
    for name, members in accounts.items():
        if not _leaked_password(members):
            mfa_only[name] = members
            continue
        steps = _unique(f.remedy.summary for f in members if f.remedy)
        steps.append(f"It leaked: {_leaked(members)}.")
        steps.append(
            "Use a password manager so every account has its own password; check a password "
            "before reusing it with `lowprofile breaches password`."
        )
        steps.append(MFA_STEP)
        links = [
            {"label": f"{name}: sign in", "url": f.remedy.url}
            for f in members
            if f.remedy and f.remedy.url
        ]
        drafts.append(
            _Draft(
                Action(
                    id=f"breach:{name}",
                    title=f"{name}: change your password and turn on MFA",
                    kind="change_password",
                    steps=steps,
                    links=_unique_links(links),
                    minutes=max((f.remedy.minutes or 10 for f in members if f.remedy), default=10),
                    covers=[name],
                ),
                members,
            )
        )
    if mfa_only:
        members = [f for group in mfa_only.values() for f in group]
        steps = [f"{name}: it leaked {_leaked(group)}." for name, group in mfa_only.items()]
        steps += [
            MFA_STEP,
            "Expect phishing that knows these accounts: sign in only from your own bookmarks.",
        ]
        links = [
            {"label": f"{name}: sign in", "url": f.remedy.url}
            for name, group in mfa_only.items()
            for f in group
            if f.remedy and f.remedy.url
        ]
        drafts.append(
            _Draft(
                Action(
                    id="breaches:mfa",
                    title=f"Turn on MFA on {plural(len(mfa_only), 'breached account')} "
                    "that leaked no password",
                    kind="enable_mfa",
                    steps=steps,
                    links=_unique_links(links),
                    minutes=3 * len(mfa_only),
                    covers=list(mfa_only),
                ),
                members,
            )
        )
    return drafts


def _paste_drafts(findings: list[Finding]) -> list[_Draft]:
    if not findings:
        return []
    links = [{"label": f"paste: {f.title}", "url": f.where} for f in findings if _is_web(f.where)]
    return [
        _Draft(
            Action(
                id="pastes",
                title=f"Review the {plural(len(findings), 'public paste')} that show your email",
                kind="review",
                steps=[
                    "Open each paste and see what else it holds about you (passwords, address).",
                    "Ask the site to remove it (most have a report link); change any password "
                    "it shows.",
                ],
                links=_unique_links(links),
                minutes=5 * len(findings),
                covers=[f.where for f in findings],
            ),
            findings,
        )
    ]


def _photo_paths(finding: Finding) -> list[str]:
    photos = finding.evidence.get("photos")
    if isinstance(photos, list) and photos:
        return [str(p) for p in photos]
    return [finding.where]


def _photo_drafts(findings: list[Finding]) -> list[_Draft]:
    if not findings:
        return []
    paths = _unique(p for f in findings for p in _photo_paths(f))
    folders = len(paths) > MAX_COMMAND_PATHS
    return [
        _Draft(
            Action(
                id="photos",
                title=f"Strip the location and names from {plural(len(paths), 'photo')}",
                kind="strip",
                steps=[
                    "Run the command: it removes the location, names and serials from each photo "
                    "where it is, so the next scan no longer finds them."
                    + (" It names the folders: every photo in them is cleaned." if folders else ""),
                    STRIP_ORIGINALS,
                    "Re-upload any of these you already posted, and turn off location tagging in "
                    "your phone's camera app.",
                ],
                command=strip_command(paths),
                minutes=2 + len(paths) // 50,
                covers=paths[:50],
            ),
            findings,
        )
    ]


def _other_drafts(findings: list[Finding]) -> list[_Draft]:
    """Kinds this module does not know: a task from each remedy (or a look at the source)."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        key = f"{f.remedy.action}:{f.remedy.group or f.key}" if f.remedy else f"review:{f.key}"
        groups[key].append(f)
    drafts = []
    for key, members in groups.items():
        first = members[0]
        remedy = first.remedy
        links = [
            {"label": f"where: {f.title}", "url": f.where} for f in members if _is_web(f.where)
        ]
        if remedy and remedy.url:
            links.insert(0, {"label": remedy.summary or remedy.action, "url": remedy.url})
        drafts.append(
            _Draft(
                Action(
                    id=key,
                    title=(
                        remedy.summary if remedy and remedy.summary else f"Review: {first.title}"
                    ),
                    kind=remedy.action if remedy else "review",
                    steps=_unique(f.title for f in members),
                    links=_unique_links(links),
                    method=remedy.method if remedy else None,
                    requires=list(remedy.requires) if remedy else [],
                    minutes=(remedy.minutes if remedy and remedy.minutes else 5),
                    recheck_days=remedy.recheck_days if remedy else None,
                    covers=_unique(f.where for f in members),
                    command=remedy.command if remedy else None,
                ),
                members,
            )
        )
    return drafts


def _hand_checks(results: list[CheckResult]) -> list[Action]:
    """Sites with no automated search (always by hand), and sites that could not be read this
    time (blocked, page changed, error: try again later or look by hand). Counted per site by
    the coverage tally, the same numbers the report's header shows; the links are the
    people-search sites' prefilled searches (a username site's link spells out the username,
    and may be an adult or dating site: those stay in the report's list)."""
    counted = tally(results)
    manual, failed = counted.names("manual"), counted.names("unreadable")
    searchable = [r for r in results if r.url and r.checker not in HIDDEN_LINK_CHECKERS]
    actions = []
    if manual:
        people = counted.names("manual", PEOPLE_SEARCH)
        actions.append(
            Action(
                id="hand-checks",
                title=f"Search {plural(len(manual), 'site')} by hand (no automated search)",
                kind="manual",
                steps=[
                    "Open each link, look for your name in your city, and opt out where you are "
                    "listed: the score above could not count these.",
                    *_sitting_step(len(people)),
                ],
                links=_hand_links([r for r in searchable if r.status is Status.MANUAL]),
                minutes=hand_minutes(len(people)),
                risk_points=HAND_CHECK_POINTS * len(manual),
            )
        )
    if failed:
        people = counted.names("unreadable", PEOPLE_SEARCH)
        unread = [
            r for r in searchable if r.status.needs_hand_check and r.status is not Status.MANUAL
        ]
        actions.append(
            Action(
                id="retry-checks",
                title=f"{len(failed)} {counted.unit('unreadable', len(failed))} could not be "
                "read this time: check again",
                kind="manual",
                steps=[
                    "Run `lowprofile scan` again later: blocks and errors are often temporary.",
                    "Or open each link and look for your name in your city; opt out where you "
                    "are listed. The score above could not count these.",
                    "'changed' means the site no longer looks as lowprofile expects: "
                    "`lowprofile brokers doctor` says more.",
                    *_sitting_step(len(people)),
                ],
                links=_hand_links(unread),
                minutes=min(SITTING_MINUTES, RESCAN_MINUTES + hand_minutes(len(people))),
                risk_points=HAND_CHECK_POINTS * len(failed),
            )
        )
    return actions


HIDDEN_LINK_CHECKERS = frozenset({"usernames", "mentions"})
"""Checkers whose hand-check links are not put in the plan (they name the person's username,
or search for their exact name)."""
PEOPLE_SEARCH = ("brokers",)
HAND_SEARCH_MINUTES = 2
"""Searching one people-search site by hand for every name and city: open, look, close (per
site, not per search: the links of one site are looked at together)."""
SITTING_MINUTES = 60
"""What a person can do in one sitting: an estimate never says more; the rest waits."""
RESCAN_MINUTES = 5


def _hand_links(results: list[CheckResult]) -> list[dict[str, str]]:
    """One link per site (its first prefilled search): the count is of sites, and the report's
    list of every check holds each site's other searches."""
    first: dict[str, CheckResult] = {}
    for r in results:
        first.setdefault(r.source or r.target, r)
    return _unique_links(
        {"label": f"{r.source or r.checker}: {r.status.value}", "url": r.url or ""}
        for r in first.values()
    )


def hand_minutes(sites: int) -> int:
    """Minutes to search these people-search sites by hand, capped at one sitting."""
    return max(1, min(SITTING_MINUTES, HAND_SEARCH_MINUTES * sites)) if sites else 0


def _sitting_step(sites: int) -> list[str]:
    """When the sites take longer than one sitting: do the first ones now, the rest later."""
    if HAND_SEARCH_MINUTES * sites <= SITTING_MINUTES:
        return []
    now = SITTING_MINUTES // HAND_SEARCH_MINUTES
    return [f"That is more than one sitting: do the first {now} now and the rest another day."]


def california_action(certain: bool) -> Action:
    """The Delete Act's one-stop deletion platform (DROP), with what it does not reach."""
    title = "California: one deletion request to every registered data broker (DROP)"
    if not certain:
        title = "If you live in California: " + title.removeprefix("California: ")
    return Action(
        id="california-drop",
        title=title,
        kind="optout",
        steps=[
            "Since 1 January 2026 California residents can file one deletion request, through "
            "the state's Delete Request and Opt-out Platform (DROP), that goes to every "
            "registered data broker.",
            "Brokers must process requests from 1 August 2026, and then at least every 45 days.",
            "It reaches registered data brokers only, not unregistered people-search sites: keep "
            "the site opt-outs in this plan too.",
        ],
        links=[{"label": "California DROP", "url": CALIFORNIA_DROP}],
        requires=["proof of California residency"],
        minutes=10,
        risk_points=DROP_POINTS,
    )


def _general_actions(california: bool | None) -> list[Action]:
    actions = []
    if california is not False:
        actions.append(california_action(certain=california is True))
    # Every platform, as if never checked: the pipeline narrows it to what the person's records
    # say is due (``checkup.due.with_checkup``); a report read from a file has no person.
    checkup = checkup_action({}, date.today())
    if checkup is not None:
        actions.append(checkup)
    actions.append(
        Action(
            id="google-alerts",
            title="Set a Google Alert for your name, delivered as a feed lowprofile reads",
            kind="settings",
            steps=[
                "Create an alert so you hear when a new page mentions you: "
                "`lowprofile mentions setup` prints the exact steps.",
                "Paste its feed address into `lowprofile mentions add URL`: every scan then "
                "reads it, and new mentions show in the diff and the monthly notification.",
            ],
            links=[{"label": "Google Alerts", "url": GOOGLE_ALERTS}],
            minutes=3,
            risk_points=ALERT_POINTS,
        )
    )
    return actions


def doxed_action() -> Action:
    """Not ranked: the steps to take if doxing has begun, always at the end of the plan."""
    return Action(
        id="if-doxed",
        title="If you believe you are being doxed",
        kind="emergency",
        steps=list(DOXED_STEPS),
        minutes=60,
    )


def _drafts(findings: list[Finding]) -> list[_Draft]:
    optouts, breaches, pastes, photos, others = [], [], [], [], []
    for f in findings:
        action = f.remedy.action if f.remedy else None
        if f.kind == Kind.BROKER_LISTING or action == "optout":
            optouts.append(f)
        elif f.kind == Kind.BREACH or action in ("change_password", "enable_mfa"):
            breaches.append(f)
        elif f.kind == Kind.PASTE:
            pastes.append(f)
        elif is_photo_kind(f.kind) or action == "strip":
            photos.append(f)
        else:
            others.append(f)
    return (
        _optout_drafts(optouts)
        + _breach_drafts(breaches)
        + _paste_drafts(pastes)
        + _photo_drafts(photos)
        + _other_drafts(others)
    )


def build_plan(
    results: list[CheckResult], california: bool | None = None, *, people_search: bool = True
) -> list[Action]:
    """Actions ordered by risk removed per minute; the emergency steps always come last.

    ``california``: True for a California resident, False when the user lives elsewhere, None
    when unknown (the DROP task is then offered with "if you live in California").
    ``people_search``: False for a scan that did not look at people-search sites (``usernames
    check``, ``scan --only photos``): its plan is about what it checked, without broker advice.
    """
    findings = [f for r in results for f in r.findings]
    known = {id(f): finding_capabilities(f) for f in findings}  # once, not once per task
    points = {id(f): finding_points(f) for f in findings}
    everything = total_points(findings, known, points)
    actions = []
    for draft in _drafts(findings):
        covered = {id(f) for f in draft.findings}
        rest = [f for f in findings if id(f) not in covered]
        left = total_points(rest, known, points)
        draft.action.risk_points = round(max(0.0, everything - left), 2)
        actions.append(draft.action)
    actions += _hand_checks(results)
    if people_search:
        actions += _general_actions(california)
    ranked = sorted(actions, key=lambda a: (-a.per_minute, a.minutes, a.id))
    return [*ranked, doxed_action()]


def lives_in_california(subject_summary: dict[str, Any]) -> bool | None:
    """From the masked subject summary: True when the person lives in California now, False
    when they live elsewhere, None when the report does not say (the one law decision is
    ``optout.law``'s; former addresses never count)."""
    law = law_from_summary(subject_summary)
    return None if law is None else law is Law.CCPA


def assess_report(report: ScanReport) -> ScanReport:
    """Fill the report's coverage, ``risk`` and ``plan``: once, where a report is made or loaded."""
    report.coverage = measure(report.results, report.scope, report.subject, report.checkers)
    report.risk = assess(report.findings, report.results, report.coverage)
    searched = any(c in PEOPLE_SEARCH for c in report.checkers)
    report.plan = build_plan(
        report.results, lives_in_california(report.subject), people_search=searched
    )
    return report
