"""``match_listing`` on whole cards, each with its confidence and reasons written out by hand
from the weights (issue 29's mutation run over the final matcher: these pin the age bands, the
contact and middle-name terms, the reasons' words, the exposed fields and the tie between a
card's name and its aliases). Values are literals, never read from the code under test."""

from __future__ import annotations

from datetime import date

import pytest

from lowprofile.brokers.listing import Listing
from lowprofile.brokers.matcher import match_listing, normalize
from lowprofile.subject import Subject

TODAY = date(2026, 12, 6)
JANE = Subject.from_profile(
    {
        "names": [{"first": "Jane", "middle": "Quinn", "last": "Doe"}],
        "birth_year": 1980,
        "addresses": [{"city": "Austin", "state": "TX"}],
        "phones": ["(512) 555-0142"],
        "emails": ["Jane.Doe@Example.org"],
    }
)


@pytest.mark.parametrize(
    ("listing", "confidence", "reasons"),
    [
        # 0.45 name + 0.35 city + 0.10 state + 0.20 age = 1.10, capped at 1.0
        (
            Listing(name="Jane Doe", age=46, locations=["Austin, TX"]),
            1.0,
            ("name matches", "city and state match", "age 46 fits birth year 1980"),
        ),
        (
            Listing(name="Jane Doe", age=44),
            0.35,
            ("name matches", "age 44 is 2 years off birth year 1980"),
        ),  # noqa: E501
        (
            Listing(name="Jane Doe", age=43),
            0.35,
            ("name matches", "age 43 is 3 years off birth year 1980"),
        ),  # noqa: E501
        # 0.45 - 0.60 = -0.15, floored at 0.0
        (
            Listing(name="Jane Doe", age=42),
            0.0,
            ("name matches", "age 42 does not fit birth year 1980"),
        ),  # noqa: E501
        (Listing(name="Jane R Doe"), 0.15, ("name matches", "middle name differs")),
        (Listing(name="Jane Q Doe"), 0.45, ("name matches",)),
        (Listing(name="Doe Jane"), 0.35, ("name (first and last swapped) matches",)),
        (Listing(name="J Doe"), 0.35, ("initial and last name matches",)),
        (
            Listing(name="Jane Doe", phones=["512-555-0142"]),
            0.85,
            ("name matches", "your phone number is listed"),
        ),  # noqa: E501
        (
            Listing(name="Jane Doe", emails=[" jane.doe@example.ORG "]),
            0.85,
            ("name matches", "your email address is listed"),
        ),
        (
            Listing(name="Mary Major", aliases=["Jane Doe"]),
            0.45,
            ("name matches among the other names the listing shows",),
        ),  # noqa: E501
        # the card's own name and an alias tie: the card's name is the reason
        (Listing(name="Jane Doe", aliases=["Jane Doe"]), 0.45, ("name matches",)),
        (Listing(name="John Roe", age=46), 0.0, ("name does not match",)),
        # 0.45 + 0.35 city + 0.20 age + 0.40 phone = 1.40, capped at 1.0
        (
            Listing(name="Jane Doe", age=46, locations=["Austin, TX"], phones=["5125550142"]),
            1.0,
            (
                "name matches",
                "city and state match",
                "age 46 fits birth year 1980",
                "your phone number is listed",
            ),
        ),
        # 0.45 + 0.35 city - 0.60 age + 0.40 phone = 0.60: a wrong age weighs, it does not erase
        (
            Listing(name="Jane Doe", age=30, locations=["Austin, TX"], phones=["5125550142"]),
            0.6,
            (
                "name matches",
                "city and state match",
                "age 30 does not fit birth year 1980",
                "your phone number is listed",
            ),
        ),
    ],
)
def test_a_card_scores_and_says_why(
    listing: Listing, confidence: float, reasons: tuple[str, ...]
) -> None:
    result = match_listing(listing, JANE, TODAY)
    assert (result.confidence, result.reasons) == (confidence, reasons)


def test_every_exposed_field_is_named_even_when_the_name_does_not_match() -> None:
    card = Listing(
        name="John Roe",
        age=40,
        addresses=["1 Elm St"],
        locations=["Austin, TX"],
        phones=["5125550142"],
        emails=["x@y.z"],
        relatives=["A B"],
    )
    result = match_listing(card, JANE, TODAY)
    assert result.exposed == (
        "name", "age", "address", "locations", "phone", "email", "relatives",
    )  # fmt: skip
    assert match_listing(Listing(name="Jane Doe"), JANE, TODAY).exposed == ("name",)


@pytest.mark.parametrize(
    ("text", "plain"),
    [("O’Brien-Núñez", "obrien nunez"), ("O'Brien", "obrien"), ("D’Angelo", "dangelo")],
)
def test_names_are_compared_without_apostrophes_accents_or_case(text: str, plain: str) -> None:
    assert normalize(text) == plain


MARIA = Subject.from_profile(
    {"names": [{"first": "Maria", "middle": "Elena", "last": "De La Cruz"}]}
)


@pytest.mark.parametrize(
    ("shown", "confidence", "reasons"),
    [
        # a compound last name is read whole: no middle name shown is no middle name differing
        ("Maria De La Cruz", 0.45, ("name matches",)),
        ("Maria Elena De La Cruz", 0.45, ("name matches",)),
        ("Maria R De La Cruz", 0.15, ("name matches", "middle name differs")),
        ("Maria Cruz", 0.45, ("name matches",)),
        ("Maria", 0.0, ("name does not match",)),
    ],
)
def test_a_compound_last_name(shown: str, confidence: float, reasons: tuple[str, ...]) -> None:
    result = match_listing(Listing(name=shown), MARIA, TODAY)
    assert (result.confidence, result.reasons) == (confidence, reasons)


ANA = Subject.from_profile({"names": [{"first": "Ana", "middle": "Sofia", "last": "Garcia Lopez"}]})


@pytest.mark.parametrize(
    ("subject", "shown", "confidence", "reasons"),
    [
        (JANE, "Doe Q Jane", 0.35, ("name (first and last swapped) matches",)),
        # 0.35 loose - 0.30 middle = 0.05
        (
            JANE,
            "Doe R Jane",
            0.05,
            ("name (first and last swapped) matches", "middle name differs"),
        ),  # noqa: E501
        (JANE, "X Doe", 0.0, ("name does not match",)),  # one letter, not her initial
        (ANA, "Ana Garcia Lopez", 0.45, ("name matches",)),  # two-word last name, no middle
        (ANA, "Ana S Garcia Lopez", 0.45, ("name matches",)),
    ],
)
def test_name_orders(
    subject: Subject, shown: str, confidence: float, reasons: tuple[str, ...]
) -> None:
    result = match_listing(Listing(name=shown), subject, TODAY)
    assert (result.confidence, result.reasons) == (confidence, reasons)
