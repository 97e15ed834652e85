"""The reader: mixed card text split by typed extractors, past places and other names read from
the card and matched against the profile's former addresses and former names."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.brokers import shipped_brokers
from lowprofile.brokers.labels import Labelled, read_age, read_labelled, rejoin_places
from lowprofile.brokers.listing import Listing
from lowprofile.brokers.matcher import FOUND, POSSIBLE, match_listing, verdict
from lowprofile.brokers.page import read_page
from lowprofile.brokers.schema import Broker
from lowprofile.cli.main import app
from lowprofile.results import Status
from lowprofile.subject import Address, Name, Subject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"
FPS_2026 = FIXTURES / "fastpeoplesearch_2026_cards.html"
TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def brokers() -> dict[str, Broker]:
    return shipped_brokers()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age 48 • Waterville, ME", Labelled(age=48, places=["Waterville, ME"])),
        ("Age: 48 | Waterville, ME", Labelled(age=48, places=["Waterville, ME"])),
        ("Lives in Austin, TX", Labelled(current=["Austin, TX"])),
        (
            "Used to live in Dallas, TX, Waco, TX",
            Labelled(past=["Dallas, TX", "Waco, TX"]),
        ),
        ("Used to live: 12 Elm St, Waco, TX 76701", Labelled(past=["12 Elm St, Waco, TX 76701"])),
        ("Related to Ann Doe, Bo Doe", Labelled(relatives=["Ann Doe", "Bo Doe"])),
        ("AKA: Jane Smith, Jane Q Doe", Labelled(aliases=["Jane Smith", "Jane Q Doe"])),
        ("Austin, TX • (512) 555-0100", Labelled(places=["Austin, TX"], phones=["(512) 555-0100"])),
        ("Phones: 512-555-0100, not a phone", Labelled(phones=["512-555-0100"])),
        ("Age unknown • Austin, TX", Labelled(places=["Austin, TX"])),
        ("Ageless Way, Austin, TX", Labelled(places=["Ageless Way, Austin, TX"])),
    ],
)
def test_typed_extractors_split_mixed_text(text: str, expected: Labelled) -> None:
    assert read_labelled(text) == expected


@pytest.mark.parametrize(
    ("text", "age"), [("48", 48), ("Age 48", 48), ("48 years old", 48), ("Age 200", None)]
)
def test_an_age_field_reads_its_age(text: str, age: int | None) -> None:
    assert read_age(text) == age


def test_2026_fastpeoplesearch_card_reads_age_and_city(brokers: dict[str, Broker]) -> None:
    """Issue 26's miss: the shipped recipe read "Age 48 • Waterville, ME" as one place and no
    age, so the person was only `possible` and the city "did not match"."""
    url = "https://www.fastpeoplesearch.com/name/jordan-fakerly_waterville-me"
    reading = read_page(brokers["fastpeoplesearch"], FPS_2026.read_text("utf-8"), 200, url)
    assert reading.status is Status.FOUND and not reading.drifted
    person, namesake = reading.listings
    assert (person.age, person.locations) == (48, ["Waterville, ME"])
    assert person.aliases == ["Jordy Fakerly"]
    assert (namesake.age, namesake.locations) == (71, ["Presque Isle, ME"])
    subject = Subject(
        names=(Name("Jordan", "Fakerly"),),
        birth_year=1978,
        addresses=(Address("Waterville", "ME"),),
    )
    match = match_listing(person, subject, TODAY)
    assert verdict(match.confidence) is Status.FOUND
    assert "city and state match" in match.reasons
    assert "age 48 fits birth year 1978" in match.reasons
    assert match_listing(namesake, subject, TODAY).confidence < POSSIBLE


def test_brokers_parse_says_found_on_the_2026_card(tmp_path: Path) -> None:
    birth_year = date.today().year - 48
    result = CliRunner().invoke(
        app,
        [
            "brokers", "parse", "fastpeoplesearch", str(FPS_2026), "--name", "Jordan Fakerly",
            "--city", "Waterville", "--state", "ME", "--birth-year", str(birth_year), "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    best = max(data["listings"], key=lambda row: row["confidence"])
    assert best["confidence"] >= FOUND
    assert "city and state match" in best["reasons"]
    assert f"age 48 fits birth year {birth_year}" in best["reasons"]


MOVED = Subject(
    names=(Name("Jordan", "Fakerly"), Name("Jordan", "Oldname", kind="former")),
    birth_year=1978,
    addresses=(Address("Austin", "TX"), Address("Portland", "OR", current=False)),
)


def usa_people_search_card(lives: str, used_to: str, name: str = "Jordan Fakerly") -> str:
    """A card in the markup the shipped usa-people-search recipe reads (the 2026-02
    definition's selectors); every value made up."""
    return f"""<html><body><div class="card-block">
      <h4 class="card-title">{name} Age 48</h4><span class="person-age">48</span>
      <p class="card-text">Lives in: {lives}</p>
      <p class="card-text max-lines-1">AKA: Jordan Oldname, J Fakerly</p>
      <p class="card-text max-lines-1">Related to: Casey Fakerly</p>
      <p class="card-text address-link-list">Used to live: {used_to}</p>
      <a class="link-to-details" href="/p/madeup-1">View</a>
    </div></body></html>"""


def test_a_former_city_where_they_used_to_live_matches(brokers: dict[str, Broker]) -> None:
    """Lives elsewhere now, but "used to live" names the profile's former city: a match, and the
    reason says it was the former address, listed as a past place."""
    html = usa_people_search_card("Denver, CO", "Boise, ID, Portland, OR")
    reading = read_page(brokers["usa-people-search"], html, 200, "https://usa-people-search.com/")
    [listing] = reading.listings
    assert listing.locations == ["Denver, CO"]
    assert listing.past_locations == ["Boise, ID", "Portland, OR"]
    match = match_listing(listing, MOVED, TODAY)
    assert match.confidence >= FOUND
    assert "former city and state match (listed where they used to live)" in match.reasons


def test_a_namesake_with_neither_city_stays_below_possible(brokers: dict[str, Broker]) -> None:
    html = usa_people_search_card("Denver, CO", "Boise, ID, Reno, NV")
    reading = read_page(brokers["usa-people-search"], html, 200, "https://usa-people-search.com/")
    match = match_listing(reading.listings[0], MOVED, TODAY)
    assert match.confidence < POSSIBLE
    assert "listed in other states only" in match.reasons


@pytest.mark.parametrize(
    ("place", "past", "reason"),
    [
        (["Austin, TX"], [], "city and state match"),
        ([], ["Austin, TX"], "city and state match (listed where they used to live)"),
        (["Portland, OR"], [], "former city and state match"),
        (["Austin, TX"], ["Portland, OR"], "city and state match"),
    ],
)
def test_the_place_reason_says_which_address_matched(
    place: list[str], past: list[str], reason: str
) -> None:
    listing = Listing(name="Jordan Fakerly", locations=place, past_locations=past)
    assert reason in match_listing(listing, MOVED, TODAY).reasons


def test_a_former_name_among_the_listings_other_names_matches() -> None:
    """The card's name is a stranger's spelling; its AKA is the profile's former name."""
    listing = Listing(name="J Q Unrelated", aliases=["Jordan Oldname"], locations=["Austin, TX"])
    match = match_listing(listing, MOVED, TODAY)
    assert match.confidence >= FOUND
    assert (
        "name matches (your former name) among the other names the listing shows" in match.reasons
    )
    plain = match_listing(Listing(name="Jordan Oldname", locations=["Austin, TX"]), MOVED, TODAY)
    assert "name matches (your former name)" in plain.reasons


def test_a_card_read_before_the_new_fields_keeps_its_identity() -> None:
    """Empty past places and aliases stay out of a listing's dict, so a listing found before
    they existed keeps the same history key."""
    assert set(Listing(name="A B").to_dict()) == {
        "name", "age", "locations", "addresses", "phones", "emails", "relatives", "url",
    }  # fmt: skip
    assert Listing(name="A B", aliases=["C D"]).to_dict()["aliases"] == ["C D"]


def test_every_automatic_recipe_can_say_nobody_is_there(brokers: dict[str, Broker]) -> None:
    """A recipe with no miss marker could never answer `not_found`: it must be manual."""
    automatic = [b for b in brokers.values() if b.automatic]
    assert len(automatic) >= 15
    for broker in automatic:
        parse = broker.parse
        marker = parse.no_results_text or parse.no_results_selectors or parse.no_results_status
        assert marker, f"{broker.id}: automatic without a miss marker"
    assert not brokers["infotracer"].automatic
    header = Path(brokers["infotracer"].source).read_text("utf-8").splitlines()[1]
    assert header.startswith("# Manual: no miss marker")
    # SmartBackgroundChecks' definition spells its marker "noResultsFound": the importer keeps it.
    smart = brokers["smartbackgroundchecks"]
    assert smart.automatic
    assert smart.parse.no_results_selectors == ("//h1[contains(text(), '0 Results')]",)


def test_an_age_field_reading_the_mixed_text_gives_the_place_too(
    brokers: dict[str, Broker],
) -> None:
    """A recipe whose age selector reads "Age 48 • Waterville, ME" gets the place as well; one
    reading "42 - Austin, TX" (the age not set apart) keeps its place to the locations field."""
    fps = brokers["fastpeoplesearch"]
    fields = dict(fps.parse.fields)
    fields["age"] = fields["locations"]
    del fields["locations"]
    recipe = replace(fps, parse=replace(fps.parse, fields=fields))
    reading = read_page(recipe, FPS_2026.read_text("utf-8"), 200, "https://x.test/")
    assert (reading.listings[0].age, reading.listings[0].locations) == (48, ["Waterville, ME"])
    html = FPS_2026.read_text("utf-8").replace(
        "Age 48 &#8226; Waterville, ME", "48 - Waterville, ME"
    )
    reading = read_page(recipe, html, 200, "https://x.test/")
    assert (reading.listings[0].age, reading.listings[0].locations) == (48, [])


def test_a_comma_separator_keeps_city_and_state_together() -> None:
    assert rejoin_places(["Boise", "ID", "Reno", "NV 89501", "Elko"]) == [
        "Boise, ID", "Reno, NV 89501", "Elko",
    ]  # fmt: skip
    assert rejoin_places(["TX", "OK"]) == ["TX", "OK"]
