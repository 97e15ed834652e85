"""The risk score on scenarios: combinations weigh more, and more exposure never scores lower."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from helpers.sample import breach, listing, paste, photo, unknown_kind
from lowprofile.results import CheckResult, Finding, Severity, Status
from lowprofile.risk import (
    COMBINATIONS,
    assess,
    capabilities,
    finding_points,
    kind_weight,
    score_for,
)

ADDRESS = listing("spokeo", "Spokeo", ("name", "address", "relatives"), Severity.HIGH)
PHONE = listing("peoplewin", "Spokeo", ("name", "phone"), Severity.HIGH)
FULL = listing("fastpeople", "x", ("name", "address", "phone", "relatives"), Severity.CRITICAL)
CITY_ONLY = listing("clustrmaps", "x", ("name", "locations"), Severity.MEDIUM)
PARTIAL_PHONE = listing("thatsthem", "Spokeo", ("name", "phone"), Severity.HIGH, confidence=0.5)
PHOTO_HOME = photo("/p/1.jpg", Severity.HIGH)
PHOTO_TRIP = photo("/p/2.jpg", Severity.MEDIUM)
PHOTO_NEAR = photo("/p/3.jpg", Severity.MEDIUM, distance_m=150.0)
PASSWORD = breach("Adobe", ("Email addresses", "Passwords"), Severity.HIGH)
EMAIL_ONLY = breach("Spam", ("Email addresses",), Severity.LOW)
BIRTH = breach("Dob", ("Email addresses", "Dates of birth"), Severity.HIGH)
PASTE = paste("x1")
SOCIAL = unknown_kind()
ALL = [
    ADDRESS,
    PHONE,
    FULL,
    CITY_ONLY,
    PARTIAL_PHONE,
    PHOTO_HOME,
    PHOTO_TRIP,
    PHOTO_NEAR,
    PASSWORD,
    EMAIL_ONLY,
    BIRTH,
    PASTE,
    SOCIAL,
]


@pytest.mark.parametrize(
    ("name", "findings", "low", "high", "grades"),
    [
        ("nothing", [], 0, 0, {"low"}),
        ("an email in a spam list", [EMAIL_ONLY], 1, 10, {"low"}),
        ("city and age on one site", [CITY_ONLY], 5, 20, {"low", "moderate"}),
        ("a photo from a trip", [PHOTO_TRIP], 5, 15, {"low"}),
        ("a leaked password", [PASSWORD], 25, 45, {"moderate", "elevated"}),
        ("a home address", [ADDRESS], 30, 45, {"moderate", "elevated"}),
        ("address and phone", [ADDRESS, PHONE], 55, 75, {"elevated", "high"}),
        ("everything on one listing", [FULL], 55, 80, {"elevated", "high"}),
        ("the doxing kit", [ADDRESS, PHONE, PHOTO_HOME], 80, 95, {"severe"}),
        ("everything", ALL, 95, 100, {"severe"}),
    ],
)
def test_scenarios(
    name: str, findings: list[Finding], low: int, high: int, grades: set[str]
) -> None:
    risk = assess(findings)
    assert low <= risk.score <= high, (name, risk)
    assert risk.grade in grades, (name, risk)


def test_kit_is_worth_more_than_its_parts() -> None:
    apart = sum(assess([f]).points for f in (ADDRESS, PHONE, PHOTO_HOME))
    together = assess([ADDRESS, PHONE, PHOTO_HOME])
    assert together.points > apart
    assert together.reasons[0] == next(c.words for c in COMBINATIONS if c.id == "doxing_kit")
    assert "doxing_kit" in together.combinations


def test_kind_weighs_as_well_as_severity() -> None:
    public = listing("a", "a", ("name", "locations"), Severity.MEDIUM, confidence=1.0)
    from_dump = replace(public, kind="breach")
    unknown = replace(public, kind="something_new")
    located = replace(public, kind="photo_location")
    assert finding_points(public) > finding_points(from_dump)
    assert finding_points(unknown) == finding_points(public)  # severity alone decides
    assert kind_weight("photo_anything") == kind_weight("photo_location") < 1
    assert finding_points(located) < finding_points(public)  # a photo exposes once shared


def test_a_partial_match_completes_a_kit_only_in_part() -> None:
    sure = assess([ADDRESS, PHONE]).points
    unsure = assess([ADDRESS, PARTIAL_PHONE]).points
    assert assess([ADDRESS]).points < unsure < sure


def test_photo_near_home_by_distance_is_a_place() -> None:
    assert "photo_place" in capabilities([PHOTO_NEAR])
    assert "photo_place" not in capabilities([PHOTO_TRIP])
    not_located = replace(PHOTO_HOME, exposed=("camera_serial",), evidence={})
    assert "photo_place" not in capabilities([not_located])


def test_unknown_kinds_count_and_join_combinations() -> None:
    risk = assess([SOCIAL, PHONE])
    assert "address+phone" in risk.combinations  # its exposed "address" counts
    assert any("employer and street" in r for r in risk.reasons)


def test_breach_classes_give_capabilities() -> None:
    assert {"password", "email"} <= capabilities([PASSWORD]).keys()
    assert "birth_date" in capabilities([BIRTH])
    assert "address+birth_date" in assess([ADDRESS, BIRTH]).combinations
    assert "email" in capabilities([PASTE])


def test_reasons_are_plain_words() -> None:
    reasons = assess([ADDRESS, PASSWORD, PHOTO_HOME, PHOTO_TRIP]).reasons
    assert "your home address is listed on 1 people-search site" in reasons
    assert "your email appears in 1 data breach; 1 leaked a password" in reasons
    assert "2 photos reveal where they were taken, 1 at a place you return to (home or work)" in (
        reasons
    )
    assert not any("(s)" in r for r in reasons)
    assert len(assess(ALL).reasons) == 5


def test_caveat_when_sources_could_not_be_checked() -> None:
    results = [
        CheckResult("brokers", "a: J*** D**, A*****", Status.BLOCKED, source="a"),
        CheckResult("brokers", "a: J*** D**, D*****", Status.ERROR, source="a"),  # same site
        CheckResult("brokers", "b", Status.NOT_FOUND, source="b"),
    ]
    risk = assess([], results)
    assert risk.score == 0 and risk.unchecked == 1  # one site, however many searches
    assert risk.caveat and "1 site could not be checked" in risk.caveat
    assert assess([]).caveat is None


def test_score_curve() -> None:
    assert score_for(0) == 0 and score_for(0.01) == 1
    assert score_for(60) == 63 and score_for(120) == 86
    assert score_for(10_000) == 100


def _random_finding(rng: random.Random) -> Finding:
    kind = rng.choice(
        ["broker_listing", "breach", "paste", "photo_location", "photo_cluster", "odd_new_kind"]
    )
    fields = ["name", "address", "phone", "relatives", "passwords", "dates of birth", "gps"]
    exposed = tuple(f for f in fields if rng.random() < 0.3)
    evidence: dict[str, object] = {"broker": rng.choice("abcde")}
    if rng.random() < 0.3:
        evidence |= {"lat": 1.0, "lon": 2.0, "cluster": {"distance_to_home_m": rng.random() * 900}}
    return Finding(
        kind=kind,
        title=f"{kind} {rng.random()}",
        where=f"https://{rng.random()}.example/",
        exposed=exposed,
        severity=rng.choice(list(Severity)),
        confidence=round(rng.random(), 3),
        evidence=evidence,
    )


def test_adding_an_exposure_never_lowers_the_score() -> None:
    """A property over random sets of random findings (every kind, severity and confidence)."""
    rng = random.Random(20261124)
    pool = [_random_finding(rng) for _ in range(60)] + ALL
    for _ in range(400):
        subset = [f for f in pool if rng.random() < 0.15]
        extra = rng.choice(pool)
        before, after = assess(subset), assess([*subset, extra])
        assert after.points >= before.points - 1e-9
        assert after.score >= before.score
        assert 0 <= after.score <= 100
        shuffled = subset[:]
        rng.shuffle(shuffled)
        assert assess(shuffled).score == before.score


def test_known_subsets_are_monotone() -> None:
    """Every subset of the named findings against every superset by one."""
    rng = random.Random(7)
    for _ in range(300):
        subset = [f for f in ALL if rng.random() < 0.5]
        for extra in ALL:
            assert assess([*subset, extra]).score >= assess(subset).score


def test_accounts_from_one_username_are_a_trail() -> None:
    from lowprofile.results import Finding, Kind

    def account(site: str, **evidence: object) -> Finding:
        return Finding(
            kind=Kind.ACCOUNT,
            title=f"An account on {site}",
            where=f"https://{site}/janed",
            severity=Severity.LOW,
            evidence={"username_id": "u1", **evidence},
        )

    found = [account("a.example"), account("b.example", matches_name=True)]
    risk = assess(found)
    assert "one username links 2 accounts a doxer can follow" in risk.reasons
    assert "a username spells out your name" in risk.reasons
    assert finding_points(found[0]) < finding_points(replace(found[0], kind="broker_listing"))


def test_capabilities_worked_out_once_give_the_same_points_on_every_subset() -> None:
    """The plan asks for the points of many subsets of one scan's findings (one per task) and
    works each finding's capabilities and own points out once: every subset must score as if
    worked out anew."""
    from lowprofile.risk import finding_capabilities, total_points

    everything = [ADDRESS, PHONE, FULL, CITY_ONLY, PARTIAL_PHONE, PHOTO_HOME, PASSWORD, EMAIL_ONLY]
    known = {id(f): finding_capabilities(f) for f in everything}
    points = {id(f): finding_points(f) for f in everything}
    chooser = random.Random(26)
    for _ in range(50):
        subset = [f for f in everything if chooser.random() < 0.5]
        assert total_points(subset, known) == total_points(subset)
        assert total_points(subset, known, points) == total_points(subset)
        assert capabilities(subset, known) == capabilities(subset)
