"""The doxing-risk score: how much the findings together help someone find or hurt the user.

Every finding adds points by severity (times how sure we are). Some pieces are far worse together
than apart, so capabilities are derived from the findings (a home address, a phone number, the
relatives, photos pinned to a place, a reusable password) and their combinations add points of
their own: an address with a phone number, or with photos that point at it, is a complete doxing
kit. The total maps to 0–100 through a saturating curve, so each further exposure still raises
the score and nothing can lower it. ``docs/risk.md`` explains the model in plain words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lowprofile.results import Finding, Severity

SEVERITY_POINTS = {
    Severity.CRITICAL: 30.0,
    Severity.HIGH: 18.0,
    Severity.MEDIUM: 8.0,
    Severity.LOW: 3.0,
    Severity.INFO: 0.0,
}
COMBINATIONS: list[tuple[frozenset[str], float, str]] = [
    (
        frozenset({"address", "phone"}),
        20.0,
        "your home address and phone number are both out there: enough to reach your door",
    ),
    (
        frozenset({"address", "photo_place"}),
        15.0,
        "photos point at a place that people-search sites also tie to you",
    ),
    (
        frozenset({"address", "relatives"}),
        8.0,
        "your address comes with your relatives' names, which leads to them too",
    ),
    (
        frozenset({"address", "phone", "photo_place"}),
        15.0,
        "address, phone and located photos together are a complete doxing kit",
    ),
    (
        frozenset({"password", "email"}),
        6.0,
        "a leaked password with your email lets others try your other accounts",
    ),
]
SCALE = 60.0
"""Points at which the score reaches 1 - 1/e ≈ 63."""
GRADES = [(80, "severe"), (60, "high"), (35, "elevated"), (15, "moderate"), (0, "low")]


def capabilities(findings: list[Finding]) -> set[str]:
    """What the findings let someone do, in the words the combinations use."""
    caps: set[str] = set()
    for f in findings:
        exposed = set(f.exposed)
        if f.kind == "broker_listing":
            if "address" in exposed:
                caps.add("address")
            if "phone" in exposed:
                caps.add("phone")
            if "relatives" in exposed:
                caps.add("relatives")
        elif f.kind == "breach":
            caps.add("email")
            if any("password" in e for e in exposed):
                caps.add("password")
            if "phone numbers" in exposed:
                caps.add("phone")
            if "physical addresses" in exposed:
                caps.add("address")
        elif f.kind == "photo_location" and f.severity.at_least(Severity.HIGH):
            caps.add("photo_place")
    return caps


def _points(f: Finding) -> float:
    return SEVERITY_POINTS[f.severity] * f.confidence


@dataclass
class Risk:
    score: int
    grade: str
    points: float
    reasons: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "points": round(self.points, 2),
            "reasons": self.reasons,
            "capabilities": self.capabilities,
        }


def _count_reasons(findings: list[Finding]) -> list[tuple[float, str]]:
    """Plain-word reasons per kind of exposure, each with the points it carries."""
    out: list[tuple[float, str]] = []
    listings = [f for f in findings if f.kind == "broker_listing"]
    with_address = [f for f in listings if "address" in f.exposed]
    if with_address:
        sites = len({f.evidence.get("broker") for f in with_address})
        out.append(
            (
                sum(map(_points, with_address)),
                f"your home address is listed on {sites} people-search site(s)",
            )
        )
    others = [f for f in listings if "address" not in f.exposed]
    if others:
        sites = len({f.evidence.get("broker") for f in others})
        out.append(
            (
                sum(map(_points, others)),
                f"{sites} people-search site(s) list you with your city, age or relatives",
            )
        )
    photos = [f for f in findings if f.kind == "photo_location"]
    if photos:
        near = sum(1 for f in photos if f.severity.at_least(Severity.HIGH))
        text = f"{len(photos)} photo(s) reveal where they were taken"
        if near:
            text += f", {near} at a place you return to (home or work)"
        out.append((sum(map(_points, photos)), text))
    breaches = [f for f in findings if f.kind == "breach"]
    if breaches:
        leaked = [f for f in breaches if any("password" in e for e in f.exposed)]
        text = f"your email appears in {len(breaches)} breach(es)"
        if leaked:
            text += f"; {len(leaked)} leaked a password"
        out.append((sum(map(_points, breaches)), text))
    rest = [f for f in findings if f.kind not in ("broker_listing", "photo_location", "breach")]
    if rest:
        out.append((sum(map(_points, rest)), f"{len(rest)} other exposure(s)"))
    return out


def assess(findings: list[Finding]) -> Risk:
    """Score 0–100, a grade, and the top reasons, most important first."""
    caps = capabilities(findings)
    base = sum(map(_points, findings))
    met = [(need, bonus, words) for need, bonus, words in COMBINATIONS if need <= caps]
    points = base + sum(bonus for _, bonus, _ in met)
    score = round(100 * (1 - math.exp(-points / SCALE)))
    if points > 0:
        score = max(score, 1)
    grade = next(name for floor, name in GRADES if score >= floor)
    # The most complete combination says the most; then what carries the most points.
    combos = [words for _, _, words in sorted(met, key=lambda m: (-len(m[0]), -m[1]))]
    counts = [words for _, words in sorted(_count_reasons(findings), key=lambda item: -item[0])]
    reasons = (combos[:2] + counts)[:5]
    return Risk(score, grade, points, reasons, sorted(caps))
