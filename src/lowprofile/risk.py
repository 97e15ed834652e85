"""The doxing-risk score: how much the findings together help someone find or hurt the user.

Every finding adds points by severity, times how much its kind exposes (a people-search listing is
one search away from anyone; a photo only exposes you once it is shared), times how sure we are
that it is the user. Some pieces are far worse together than apart, so *capabilities* are derived
from the findings (a home address, a phone number, the relatives, photos pinned to a place, a
reusable password) and their combinations add points of their own: an address with a phone number,
or with photos that point at it, is a complete doxing kit. The total maps to 0–100 through a
saturating curve, so every further exposure still raises the score and nothing can lower it.
``docs/risk.md`` explains the model in plain words; kinds this module does not know are weighed
by their severity alone, and their exposed fields still count towards the combinations.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lowprofile.coverage import is_incomplete, measure, scope_statement
from lowprofile.remedies import NEAR_HOME_M
from lowprofile.results import (
    CheckResult,
    Coverage,
    Finding,
    Grade,
    Kind,
    Risk,
    Severity,
    is_photo_kind,
)

SEVERITY_POINTS = {
    Severity.CRITICAL: 30.0,
    Severity.HIGH: 18.0,
    Severity.MEDIUM: 8.0,
    Severity.LOW: 3.0,
    Severity.INFO: 0.0,
}
KIND_WEIGHT: dict[str, float] = {
    Kind.BROKER_LISTING: 1.0,
    Kind.PASTE: 1.0,
    Kind.BREACH: 0.8,
    Kind.ACCOUNT: 0.7,
}
"""How much a finding's kind exposes, relative to a public web page anyone can search. Breach
dumps take effort to obtain and hurt accounts more than doors; photo kinds (any kind starting with
``photo``) expose only once shared. A kind not listed weighs 1: its severity decides."""
PHOTO_WEIGHT = 0.8
DEFAULT_WEIGHT = 1.0


@dataclass(frozen=True)
class Combination:
    """Capabilities that are worth more together than apart, and why, in words."""

    id: str
    needs: frozenset[str]
    points: float
    words: str


COMBINATIONS: tuple[Combination, ...] = (
    Combination(
        "address+phone",
        frozenset({"address", "phone"}),
        20.0,
        "your home address and phone number are both out there: enough to reach your door",
    ),
    Combination(
        "address+photo_place",
        frozenset({"address", "photo_place"}),
        15.0,
        "your photos point at a place that is also tied to your name and address",
    ),
    Combination(
        "address+relatives",
        frozenset({"address", "relatives"}),
        8.0,
        "your address comes with your relatives' names, which leads to them too",
    ),
    Combination(
        "doxing_kit",
        frozenset({"address", "phone", "photo_place"}),
        15.0,
        "address, phone and located photos together are a complete doxing kit",
    ),
    Combination(
        "address+birth_date",
        frozenset({"address", "birth_date"}),
        6.0,
        "your date of birth next to your address is most of what an identity thief needs",
    ),
    Combination(
        "password+email",
        frozenset({"password", "email"}),
        6.0,
        "a leaked password with your email lets others try it on your other accounts",
    ),
)

SCALE = 60.0
"""Points at which the score reaches 1 - 1/e ≈ 63."""
GRADES = (
    (80, Grade.SEVERE),
    (60, Grade.HIGH),
    (35, Grade.ELEVATED),
    (15, Grade.MODERATE),
    (0, Grade.LOW),
)
MAX_REASONS = 5

# Exposed-field names (matcher fields and lower-cased breach data classes) per capability.
_FIELDS = {
    "address": {"address", "addresses", "street", "street address", "physical addresses"},
    "phone": {"phone", "phones", "phone numbers"},
    "relatives": {"relatives", "family members", "family members' names"},
    "birth_date": {"dates of birth", "date of birth", "birth date", "dob"},
    "email": {"email", "emails", "email addresses"},
}


def kind_weight(kind: str) -> float:
    """The exposure weight of a finding kind (1 for kinds this module does not know)."""
    if kind in KIND_WEIGHT:
        return KIND_WEIGHT[kind]
    if is_photo_kind(kind):
        return PHOTO_WEIGHT
    return DEFAULT_WEIGHT


def finding_points(finding: Finding) -> float:
    """One finding's own points: severity × kind weight × confidence."""
    return SEVERITY_POINTS[finding.severity] * kind_weight(finding.kind) * finding.confidence


def _is_located_photo(finding: Finding) -> bool:
    evidence = finding.evidence
    has_point = "lat" in evidence and "lon" in evidence
    return is_photo_kind(finding.kind) and ("gps" in finding.exposed or has_point)


def _points_at_home(finding: Finding) -> bool:
    """A located photo that points at a place the user returns to, or near their home."""
    if finding.severity.at_least(Severity.HIGH):
        return True
    cluster = finding.evidence.get("cluster")
    distance = cluster.get("distance_to_home_m") if isinstance(cluster, dict) else None
    distance = finding.evidence.get("distance_to_home_m", distance)
    return isinstance(distance, int | float) and distance <= NEAR_HOME_M


def finding_capabilities(finding: Finding) -> set[str]:
    """What this one finding lets someone do, in the words the combinations use."""
    exposed = {str(e).lower() for e in finding.exposed}
    caps = {cap for cap, names in _FIELDS.items() if exposed & names}
    if any("password" in e for e in exposed):
        caps.add("password")
    if finding.kind in (Kind.BREACH, Kind.PASTE):
        caps.add("email")
    if _is_located_photo(finding) and _points_at_home(finding):
        caps.add("photo_place")
    return caps


def capabilities(
    findings: Iterable[Finding], known: Mapping[int, set[str]] | None = None
) -> dict[str, float]:
    """Each capability the findings give, with the confidence of the surest finding giving it.
    ``known``: each finding's capabilities by ``id``, worked out once by a caller that asks
    about many subsets of the same findings (the plan, once per task)."""
    caps: dict[str, float] = {}
    for finding in findings:
        given = known[id(finding)] if known is not None else finding_capabilities(finding)
        for cap in given:
            caps[cap] = max(caps.get(cap, 0.0), finding.confidence)
    return caps


def _combinations(caps: dict[str, float]) -> list[tuple[Combination, float]]:
    """Met combinations with their points, scaled by the least sure capability they need: a
    listing that only partly matches the user should not complete a kit on its own."""
    return [
        (combo, combo.points * min(caps[c] for c in combo.needs))
        for combo in COMBINATIONS
        if combo.needs <= caps.keys()
    ]


def total_points(
    findings: list[Finding],
    known: Mapping[int, set[str]] | None = None,
    points: Mapping[int, float] | None = None,
) -> float:
    """All points of these findings, combinations included (what the score is made of);
    ``known`` as for ``capabilities``, and ``points`` each finding's own points by ``id``, for
    the same caller (the plan of a 300-site username check asks about 95 subsets of 95)."""
    base = sum(points[id(f)] for f in findings) if points else sum(map(finding_points, findings))
    return base + sum(points for _, points in _combinations(capabilities(findings, known)))


def score_for(points: float) -> int:
    """0–100 on a saturating curve; any points at all score at least 1."""
    score = round(100 * (1 - math.exp(-points / SCALE)))
    return max(score, 1) if points > 0 else 0


def grade_for(score: int) -> Grade:
    return next(name for floor, name in GRADES if score >= floor)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 site``, ``3 sites``: reasons are read by people, not parsed."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def _broker_count(findings: list[Finding]) -> int:
    return len({str(f.evidence.get("broker") or f.where) for f in findings})


def _count_reasons(findings: list[Finding]) -> list[tuple[float, str]]:
    """Plain-word reasons per kind of exposure, each with the points it carries."""
    out: list[tuple[float, str]] = []
    listings = [f for f in findings if f.kind == Kind.BROKER_LISTING]
    with_address = [f for f in listings if "address" in finding_capabilities(f)]
    if with_address:
        sites = plural(_broker_count(with_address), "people-search site")
        text = f"your home address is listed on {sites}"
        out.append((sum(map(finding_points, with_address)), text))
    placed = {id(f) for f in with_address}
    with_phone = [f for f in listings if id(f) not in placed and "phone" in f.exposed]
    placed |= {id(f) for f in with_phone}
    if with_phone:
        sites = plural(_broker_count(with_phone), "people-search site")
        text = f"your phone number is listed on {sites}"
        out.append((sum(map(finding_points, with_phone)), text))
    others = [f for f in listings if id(f) not in placed]
    if others:
        sites = plural(_broker_count(others), "people-search site")
        text = f"you are listed with your city, age or family on {sites}"
        out.append((sum(map(finding_points, others)), text))
    photos = [f for f in findings if _is_located_photo(f)]
    if photos:
        home = sum(1 for f in photos if _points_at_home(f))
        text = f"{plural(len(photos), 'photo reveals', 'photos reveal')} where they were taken"
        if home:
            text += f", {home} at a place you return to (home or work)"
        out.append((sum(map(finding_points, photos)), text))
    breaches = [f for f in findings if f.kind == Kind.BREACH]
    if breaches:
        leaked = sum(1 for f in breaches if "password" in finding_capabilities(f))
        text = f"your email appears in {plural(len(breaches), 'data breach', 'data breaches')}"
        if leaked:
            text += f"; {leaked} leaked a password"
        out.append((sum(map(finding_points, breaches)), text))
    out += _account_reasons([f for f in findings if f.kind == Kind.ACCOUNT])
    pastes = [f for f in findings if f.kind == Kind.PASTE]
    if pastes:
        text = f"your email was posted in {plural(len(pastes), 'public paste')}"
        out.append((sum(map(finding_points, pastes)), text))
    accounts = [f for f in findings if f.kind == Kind.ACCOUNT]
    known = {id(f) for f in (*listings, *photos, *breaches, *pastes, *accounts)}
    rest: dict[str, list[Finding]] = {}
    for finding in findings:
        if id(finding) not in known and finding_points(finding) > 0:
            rest.setdefault(finding.kind, []).append(finding)
    for kind, group in rest.items():
        # A kind this module does not know: its own titles are the plainest words we have.
        worst = max(group, key=finding_points)
        text = worst.title or kind.replace("_", " ")
        if len(group) > 1:
            text = f"{plural(len(group), kind.replace('_', ' ') + ' finding')}, such as: {text}"
        out.append((sum(map(finding_points, group)), text))
    return out


def _account_reasons(accounts: list[Finding]) -> list[tuple[float, str]]:
    """Accounts found from a username: one username that links many accounts is a trail from
    one site to the next, and one that spells out the person's name ties them all to it."""
    if not accounts:
        return []
    by_name: dict[str, list[Finding]] = {}
    for finding in accounts:
        by_name.setdefault(str(finding.evidence.get("username_id", "")), []).append(finding)
    widest = max(by_name.values(), key=len)
    text = f"one username links {plural(len(widest), 'account')} a doxer can follow"
    if len(by_name) > 1:
        text = f"your usernames link {plural(len(accounts), 'account')} across sites"
    out = [(sum(map(finding_points, accounts)), text)]
    named = [f for f in accounts if f.evidence.get("matches_name")]
    if named:
        out.append((sum(map(finding_points, named)), "a username spells out your name"))
    sensitive = [f for f in accounts if f.evidence.get("sensitive")]
    if sensitive:
        words = plural(len(sensitive), "account")
        out.append((sum(map(finding_points, sensitive)), f"{words} on adult or dating sites"))
    return out


def assess(
    findings: list[Finding],
    results: list[CheckResult] | None = None,
    coverage: Coverage | None = None,
) -> Risk:
    """Score 0–100, a grade, and the top reasons, most important first.

    ``results``, when given, lets the score say honestly how much it could not see; ``coverage``
    marks a score built on too few answers, or on a scan that left out a kind of source the
    profile allows, as incomplete (its caveat then says what was not checked).
    """
    caps = capabilities(findings)
    met = _combinations(caps)
    points = sum(map(finding_points, findings)) + sum(p for _, p in met)
    score = score_for(points)
    # The most complete combination says the most; then what carries the most points.
    met_sorted = sorted(met, key=lambda m: (-len(m[0].needs), -m[1]))
    combos = [combo.words for combo, _ in met_sorted]
    counts = [words for _, words in sorted(_count_reasons(findings), key=lambda item: -item[0])]
    reasons = list(dict.fromkeys(combos[:2] + counts))[:MAX_REASONS]
    # Counted per site, as every view counts (coverage.tally): never per search or URL.
    counted = coverage if coverage is not None else measure(results or [])
    unchecked = counted.failed + counted.manual
    caveat = scope_statement(coverage) if coverage is not None else None
    if unchecked and caveat is None:
        caveat = (
            f"{plural(unchecked, 'site')} could not be checked automatically: the score counts "
            "only what was seen, so check those by hand (they are in the plan)"
        )
    return Risk(
        score=score,
        grade=grade_for(score),
        points=points,
        reasons=reasons,
        capabilities=sorted(caps),
        combinations=[combo.id for combo, _ in met_sorted],
        unchecked=unchecked,
        caveat=caveat,
        incomplete=coverage is not None and is_incomplete(coverage),
    )
