"""The matcher on a labelled table: true matches, namesakes, relatives, maiden names, nicknames.

Each row is (subject key, listing name, age, places, phones, emails, is it really the subject?).
The table's precision and recall are computed and printed (``pytest -s``); precision matters most.
"""

from __future__ import annotations

from datetime import date

import pytest

from helpers.brokers import shipped_brokers
from lowprofile.brokers.listing import Listing
from lowprofile.brokers.matcher import match_listing, parse_place, verdict
from lowprofile.checkers.brokers import judge_listings
from lowprofile.results import Status
from lowprofile.subject import Address, Name, Subject

FOUND = 0.80
POSSIBLE = 0.50
"""The thresholds as the matcher's docstring and DESIGN.md promise them, written here rather
than imported, so a change to the code's constants is a failing test and not a silent move."""

TODAY = date(2026, 11, 24)

SUBJECTS = {
    "jane": Subject(
        names=(Name("Jane", "Doe", "Quinn"), Name("Jane", "Smith", kind="former")),
        birth_year=1984,
        addresses=(Address("Austin", "TX"), Address("Dallas", "TX", current=False)),
        phones=("512-555-0142",),
        emails=("jane.doe@example.com",),
    ),
    "maria": Subject(
        names=(Name("Maria", "Garcia-Lopez"),), birth_year=1990, addresses=(Address("Miami", "FL"),)
    ),
    "robert": Subject(
        names=(Name("Robert", "Smith", "James"),),
        birth_year=1970,
        addresses=(Address("Chicago", "IL"),),
    ),
    "liz": Subject(
        names=(Name("Elizabeth", "Brown", "Ann"),),
        birth_year=1995,
        addresses=(Address("Seattle", "WA"),),
    ),
}

# subject, name, age, places, phones, emails, truth
CASES: list[tuple[str, str, int | None, list[str], list[str], list[str], bool]] = [
    ("jane", "Jane Doe", 42, ["Austin, TX"], [], [], True),
    ("jane", "Jane Q Doe", 42, ["Austin TX 78701"], [], [], True),
    ("jane", "Jane Quinn Doe", 41, ["Austin, Texas"], [], [], True),
    ("jane", "JANE DOE", None, ["Austin, TX"], [], [], True),
    ("jane", "Jane Doe", 43, ["Dallas, TX"], [], [], True),
    ("jane", "Jane Smith", 42, ["Austin, TX"], [], [], True),
    ("jane", "Jane Doe", None, [], ["(512) 555-0142"], [], True),
    ("jane", "Jane Doe", 42, ["100 Fictional Ln, Austin, TX 78701"], [], [], True),
    ("jane", "Doe Jane", 42, ["Austin TX"], [], [], True),
    ("jane", "Jáne Doé", 42, ["Austin, TX"], [], [], True),
    ("jane", "J Doe", 42, ["Austin, TX"], [], [], True),
    ("jane", "Jane Doe", 42, ["Houston, TX"], [], ["Jane.Doe@example.com"], True),
    ("jane", "Jane Q. Doe", None, ["Dallas, TX", "Austin, TX"], [], [], True),
    ("jane", "Jane Doe", 42, ["Round Rock, TX", "Austin, TX"], [], [], True),
    ("jane", "John Doe", 68, ["Austin, TX"], [], [], False),
    ("jane", "Mary Doe", 40, ["Austin, TX"], [], [], False),
    ("jane", "Jane Doe", 29, ["Portland, OR"], [], [], False),
    ("jane", "Jane Doe", 42, ["Portland, OR"], [], [], False),
    ("jane", "Jane Doe", 71, ["Austin, TX"], [], [], False),
    ("jane", "Jane Doe", None, ["Bangor, ME"], [], [], False),
    ("jane", "Jane Doe", None, [], [], [], False),
    ("jane", "Jane R Doe", 42, ["Austin, TX"], [], [], False),
    ("jane", "Janet Doe", 42, ["Austin, TX"], [], [], False),
    ("jane", "Jane Doerr", 42, ["Austin, TX"], [], [], False),
    ("jane", "Jason Doe", 42, ["Austin, TX"], [], [], False),
    ("jane", "Jane Doe", 46, ["Austin, TX"], [], [], False),
    ("jane", "Jane Smith", 70, ["Dallas, TX"], [], [], False),
    ("jane", "Doe", 42, ["Austin, TX"], [], [], False),
    ("jane", "J Doe", None, ["Austin, TX"], [], [], False),
    ("jane", "Jane Doe", 42, ["Tampa, FL", "Orlando, FL"], [], [], False),
    ("maria", "Maria Garcia-Lopez", 36, ["Miami, FL"], [], [], True),
    ("maria", "Maria Garcia", 36, ["Miami FL"], [], [], True),
    ("maria", "Maria Lopez", 35, ["Miami, FL"], [], [], True),
    ("maria", "Mario Garcia-Lopez", 36, ["Miami, FL"], [], [], False),
    ("maria", "Maria Garcia", 36, ["San Antonio, TX"], [], [], False),
    ("robert", "Bob Smith", 56, ["Chicago, IL"], [], [], True),
    ("robert", "Rob J Smith", 56, ["Chicago IL"], [], [], True),
    ("robert", "Robert J. Smith Jr.", 55, ["Chicago, Illinois"], [], [], True),
    ("robert", "Bobby Smith", None, ["Chicago, IL"], [], [], True),
    ("robert", "Bob Smith", 25, ["Chicago, IL"], [], [], False),
    ("robert", "Roberta Smith", 56, ["Chicago, IL"], [], [], False),
    ("robert", "Robert K Smith", 56, ["Chicago, IL"], [], [], False),
    ("robert", "Robert Smith", 56, ["Denver, CO"], [], [], False),
    ("liz", "Liz Brown", 31, ["Seattle, WA"], [], [], True),
    ("liz", "Beth A Brown", 31, ["Seattle, WA"], [], [], True),
    ("liz", "Elizabeth Brown", 30, ["Seattle WA"], [], [], True),
    ("liz", "Elizabeth Brown", 60, ["Seattle, WA"], [], [], False),
    ("liz", "Elizabeth Brown", 31, ["Portland, OR"], [], [], False),
    ("liz", "Elizabeth Browne", 31, ["Seattle, WA"], [], [], False),
    ("liz", "Brown Elizabeth", 31, ["Seattle, WA"], [], [], True),
]


def score(case: tuple[str, str, int | None, list[str], list[str], list[str], bool]) -> float:
    key, name, age, places, phones, emails, _ = case
    listing = Listing(name=name, age=age, locations=places, phones=phones, emails=emails)
    return match_listing(listing, SUBJECTS[key], today=TODAY).confidence


def precision_recall(threshold: float) -> tuple[float, float]:
    tp = fp = fn = 0
    for case in CASES:
        positive = score(case) >= threshold
        truth = case[-1]
        tp += positive and truth
        fp += positive and not truth
        fn += (not positive) and truth
    return tp / (tp + fp), tp / (tp + fn)


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert sum(c[-1] for c in CASES) >= 15 and sum(not c[-1] for c in CASES) >= 15


def test_precision_and_recall_on_the_table() -> None:
    p80, r80 = precision_recall(FOUND)
    p50, r50 = precision_recall(POSSIBLE)
    for threshold, p, r in ((FOUND, p80, r80), (POSSIBLE, p50, r50)):
        figures = f"precision {p:.3f} recall {r:.3f}"
        print(f"\nmatcher table, {len(CASES)} cases, at >= {threshold}: {figures}")
    assert p80 >= 0.95
    assert r80 >= 0.9


@pytest.mark.parametrize("case", [c for c in CASES if not c[-1]], ids=lambda c: f"{c[1]}-{c[2]}")
def test_no_false_match_is_found(case: tuple) -> None:  # type: ignore[type-arg]
    assert score(case) < FOUND


def test_reasons_read_like_sentences() -> None:
    listing = Listing(name="Jane Doe", age=42, locations=["Austin, TX"], relatives=["John Doe"])
    result = match_listing(listing, SUBJECTS["jane"], today=TODAY)
    assert result.confidence >= FOUND
    assert "city and state match" in result.reasons
    assert "age 42 fits birth year 1984" in result.reasons
    assert set(result.exposed) >= {"name", "age", "locations", "relatives"}


@pytest.mark.parametrize(
    ("text", "city", "state"),
    [
        ("Austin, TX", "austin", "TX"),
        ("Austin TX 78701", "austin", "TX"),
        ("Austin, Texas", "austin", "TX"),
        ("100 Fictional Ln, Austin, TX 78701", "austin", "TX"),
        ("Salt Lake City, UT", "salt lake city", "UT"),
        ("New York New York", "new york", "NY"),
        ("Springfield", "springfield", ""),
    ],
)
def test_parse_place(text: str, city: str, state: str) -> None:
    place = parse_place(text)
    assert (place.city, place.state) == (city, state)


BOUNDARY = Subject(
    names=(Name("Jane", "Doe", "Quinn"),),
    addresses=(Address("Austin", "TX"),),
    phones=("512-555-0142",),
)
"""No birth year, so no age weight: each score below is a sum of the documented weights."""

# listing name, places, phones, the score the weights add up to, the status it must read
BOUNDARY_CASES: list[tuple[str, list[str], list[str], float, Status]] = [
    # name exact 0.45 + city 0.35 = 0.80: exactly at "found"
    ("Jane Doe", ["Austin, TX"], [], 0.80, Status.FOUND),
    # name exact 0.45 + a phone of hers 0.40 = 0.85: just above "found"
    ("Jane Doe", [], ["(512) 555-0142"], 0.85, Status.FOUND),
    # her initial and last name 0.35 + a phone 0.40 = 0.75: just below "found"
    ("J Doe", [], ["512.555.0142"], 0.75, Status.POSSIBLE),
    # name exact 0.45 + city 0.35 - another middle initial 0.30 = 0.50: exactly at "possible"
    ("Jane R Doe", ["Austin, TX"], [], 0.50, Status.POSSIBLE),
    # name exact 0.45 + state only 0.10 = 0.55: just above "possible"
    ("Jane Doe", ["Dallas, TX"], [], 0.55, Status.POSSIBLE),
    # name exact 0.45 alone: just below "possible"
    ("Jane Doe", [], [], 0.45, Status.NOT_FOUND),
]


@pytest.mark.parametrize(
    ("name", "places", "phones", "expected_score", "expected_status"),
    BOUNDARY_CASES,
    ids=[f"{case[3]:.2f}-{case[4].value}" for case in BOUNDARY_CASES],
)
def test_scores_at_and_around_each_threshold(
    name: str, places: list[str], phones: list[str], expected_score: float, expected_status: Status
) -> None:
    """A threshold moved (0.75 for found) or an edge turned (``>`` for ``>=``) changes one of
    these statuses: the cases sit exactly at and one weight step either side of each line."""
    listing = Listing(name=name, locations=places, phones=phones)
    result = match_listing(listing, BOUNDARY, today=TODAY)
    assert result.confidence == pytest.approx(expected_score)
    assert verdict(result.confidence) is expected_status


@pytest.mark.parametrize(
    ("name", "places", "phones", "expected_score", "expected_status"),
    BOUNDARY_CASES,
    ids=[f"{case[3]:.2f}-{case[4].value}" for case in BOUNDARY_CASES],
)
def test_the_checker_keeps_a_finding_from_the_possible_line_up(
    name: str, places: list[str], phones: list[str], expected_score: float, expected_status: Status
) -> None:
    """The broker checker's own cut (which cards become findings) agrees with the verdict: a card
    at exactly 0.50 is a finding to check, one at 0.45 is nobody's."""
    broker = shipped_brokers()["spokeo"]
    listing = Listing(name=name, locations=places, phones=phones)
    status, findings, _ = judge_listings(broker, [listing], BOUNDARY, "https://example.test/")
    assert status is expected_status
    assert len(findings) == (0 if expected_status is Status.NOT_FOUND else 1)
