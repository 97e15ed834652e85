"""The risk score on scenarios: combinations weigh more, and more exposure never scores lower."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from lowprofile.results import Finding, Severity
from lowprofile.risk import assess

sys.path.insert(0, str(Path(__file__).parent / "report"))
from sample import breach, listing, photo  # noqa: E402

ADDRESS = listing("spokeo", "Spokeo", ("name", "address", "relatives"), Severity.HIGH)
PHONE = listing("peoplewin", "Spokeo", ("name", "phone"), Severity.HIGH)
CITY_ONLY = listing("clustrmaps", "x", ("name", "locations"), Severity.MEDIUM)
PHOTO_HOME = photo("/p/1.jpg", Severity.HIGH)
PHOTO_TRIP = photo("/p/2.jpg", Severity.MEDIUM)
PASSWORD = breach("Adobe", ("Email addresses", "Passwords"), Severity.HIGH)
EMAIL_ONLY = breach("Spam", ("Email addresses",), Severity.LOW)
ALL = [ADDRESS, PHONE, CITY_ONLY, PHOTO_HOME, PHOTO_TRIP, PASSWORD, EMAIL_ONLY]


@pytest.mark.parametrize(
    ("findings", "low", "high", "grade"),
    [
        ([], 0, 0, "low"),
        ([EMAIL_ONLY], 1, 10, "low"),
        ([CITY_ONLY], 5, 20, "low"),
        ([PASSWORD], 20, 45, "moderate"),
        ([ADDRESS], 20, 40, "moderate"),
        ([ADDRESS, PHONE], 55, 80, "high"),
        ([ADDRESS, PHONE, PHOTO_HOME], 80, 100, "severe"),
        (ALL, 85, 100, "severe"),
    ],
)
def test_scenarios(findings: list[Finding], low: int, high: int, grade: str) -> None:
    risk = assess(findings)
    assert low <= risk.score <= high, risk
    assert risk.grade == grade or grade == "moderate" and risk.grade in ("moderate", "elevated")


def test_kit_is_worth_more_than_its_parts() -> None:
    apart = assess([ADDRESS]).points + assess([PHONE]).points + assess([PHOTO_HOME]).points
    together = assess([ADDRESS, PHONE, PHOTO_HOME])
    assert together.points > apart
    assert any("complete doxing kit" in r for r in together.reasons)


def test_reasons_are_plain_words() -> None:
    reasons = assess([ADDRESS, PASSWORD]).reasons
    assert "your home address is listed on 1 people-search site(s)" in reasons
    assert any("breach" in r and "password" in r for r in reasons)


def test_adding_an_exposure_never_lowers_the_score() -> None:
    rng = random.Random(7)
    for _ in range(300):
        subset = [f for f in ALL if rng.random() < 0.5]
        extra = rng.choice(ALL)
        assert assess([*subset, extra]).score >= assess(subset).score
        assert assess([*subset, extra]).points >= assess(subset).points
