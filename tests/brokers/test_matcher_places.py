"""How the matcher reads a listing's places and phones, and the reasons it gives (issue 29's
mutation run: each case here was written for a change to ``brokers/matcher.py`` that the
labelled table of ``test_matcher.py`` let through). Expected values are literals."""

from __future__ import annotations

from datetime import date

import pytest

from lowprofile.brokers.listing import Listing
from lowprofile.brokers.matcher import match_listing, parse_place
from lowprofile.subject import Address, Name, Subject

JANE = Subject(
    names=(Name("Jane", "Doe"),), addresses=(Address("Austin", "TX"),), phones=("512-555-0142",)
)
TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "city", "state"),
    [
        ("Austin, TX 78701", "austin", "TX"),
        ("Austin TX 78701,", "austin", "TX"),  # a scraped card's trailing comma
        ("Austin, tx", "austin", "TX"),
        ("Toronto, on", "toronto", "ON"),  # a code the state table does not know, as a code
        ("Munich, Bavaria", "munich", "Bavaria"),  # a region that is no US state, kept as written
        ("Round Rock TX", "round rock", "TX"),
        ("Salt Lake City UT", "salt lake city", "UT"),
        ("Raleigh North Carolina", "raleigh", "NC"),
        ("Salt Lake City North Carolina", "salt lake city", "NC"),
        ("Washington District of Columbia", "washington", "DC"),
        ("New York", "new york", ""),  # a lone two-word name is a city, not a state
        ("Springfield zz", "springfield zz", ""),  # an unknown lower-case word is no state
    ],
)
def test_a_place_is_read_as_city_and_state(text: str, city: str, state: str) -> None:
    place = parse_place(text)
    assert (place.city, place.state) == (city, state)


@pytest.mark.parametrize(
    ("places", "confidence", "reasons"),
    [
        ([], 0.45, ("name matches",)),
        (["Austin, TX"], 0.8, ("name matches", "city and state match")),
        (["Austin"], 0.8, ("name matches", "city matches")),
        (["Houston, TX"], 0.55, ("name matches", "state matches (city does not)")),
        # Austin, Minnesota is another Austin: a city name shared across states is no match.
        (["Austin, MN"], 0.2, ("name matches", "listed in other states only")),
        (["Portland, OR"], 0.2, ("name matches", "listed in other states only")),
        (["Springfield"], 0.45, ("name matches",)),  # no state on the card: nothing to weigh
    ],
)
def test_places_weigh_and_say_why(
    places: list[str], confidence: float, reasons: tuple[str, ...]
) -> None:
    result = match_listing(Listing(name="Jane Doe", locations=places), JANE, TODAY)
    assert (result.confidence, result.reasons) == (confidence, reasons)


def test_a_city_without_a_state_in_the_profile_matches_a_listed_state() -> None:
    somewhere = Subject(names=(Name("Jane", "Doe"),), addresses=(Address("Austin", ""),))
    result = match_listing(Listing(name="Jane Doe", locations=["Austin, TX"]), somewhere, TODAY)
    assert result.confidence == 0.8


@pytest.mark.parametrize(
    ("phone", "listed"),
    [
        ("+1 (512) 555-0142", True),  # the country code is not part of the number
        ("512.555.0142", True),
        ("(999) 999-9942", False),  # the same last digits are another number
        ("(512) 555-0143", False),
    ],
)
def test_a_phone_is_the_users_by_its_ten_digits(phone: str, listed: bool) -> None:
    result = match_listing(Listing(name="Jane Doe", phones=[phone]), JANE, TODAY)
    assert ("your phone number is listed" in result.reasons) is listed


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("alias", "name matches (your alias)"),
        ("former", "name matches (your former name)"),
        ("primary", "name matches"),
    ],
)
def test_the_name_reason_says_which_of_your_names_it_was(kind: str, reason: str) -> None:
    person = Subject(names=(Name("Jane", "Roe", kind=kind),), addresses=(Address("Austin", "TX"),))
    result = match_listing(Listing(name="Jane Roe", locations=["Austin, TX"]), person, TODAY)
    assert result.reasons[0] == reason
