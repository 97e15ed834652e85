"""The scan side of the importer and the reader: every field, list, branch, age bracket and
captcha mark a 2026-02 definition gives is kept in the recipe and read off the page; what the
recipe format cannot say is a named gap. Pages are made-up people in each definition's layout."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from helpers.brokers import shipped_brokers
from lowprofile.brokers import importer, rebuild
from lowprofile.brokers.matcher import FOUND, POSSIBLE, match_listing
from lowprofile.brokers.page import read_page
from lowprofile.brokers.schema import Broker, broker_from_dict
from lowprofile.brokers.template import Query, age_range, render
from lowprofile.results import Status
from lowprofile.subject import Address, Name, Subject

TODAY = date(2026, 12, 6)
SET_NAME = "DuckDuckGo broker definitions 2026-02"
MOVED = Subject(
    names=(Name("Jordan", "Fakerly"),),
    birth_year=1978,
    addresses=(Address("Austin", "TX"), Address("Portland", "OR", current=False)),
)


@pytest.fixture(scope="module")
def brokers() -> dict[str, Broker]:
    return shipped_brokers()


# --- Secondary lists: past places read as past, and matched ------------------------------------


def fastbackgroundcheck_card(lived_in: str, name: str = "Jordan Fakerly") -> str:
    """A card in the 2026-02 FastBackgroundCheck definition's layout (its selectors: current
    street address, past street addresses, "Lived In" city links, relatives); made-up people."""
    links = " • ".join(f'<a href="/c/{i}">{city}</a>' for i, city in enumerate(lived_in.split(";")))
    return f"""<html><body><div class="person-container">
      <h2 class="text-xl">{name}</h2>
      <div><h3>Age:</h3> 48 (1978)</div>
      <div><h3>Also Known As:</h3> Jordan Q Fakerly</div>
      <h3>Current Address</h3><div><address><a href="/a/1">12 Madeup Ln, Denver, CO 80201</a>
      </address></div>
      <h3>Past Addresses</h3><div class="mb-2.5"><a href="/a/2">9 Fake St, Boise, ID 83701</a></div>
      <p>Lived In: {links}</p>
      <h3>Relatives</h3><div>Casey Fakerly • Lee Fakerly</div>
      <a title="See full background" href="/people/jordan-fakerly/id/madeup">Open</a>
    </div></body></html>"""


def test_a_lived_in_list_beside_a_current_address_is_past_and_matches(
    brokers: dict[str, Broker],
) -> None:
    """The current address is elsewhere; the "Lived In" list names the profile's former city.
    Both past lists of the definition (street addresses and city links) are read as past
    places, and the reason says the match was a place the person used to live."""
    fbc = brokers["fastbackgroundcheck"]
    html = fastbackgroundcheck_card("Boise, ID;Portland, OR")
    [listing] = read_page(fbc, html, 200, "https://www.fastbackgroundcheck.com/").listings
    assert listing.addresses == ["12 Madeup Ln, Denver, CO 80201"]
    assert listing.locations == []
    assert listing.past_locations == ["9 Fake St, Boise, ID 83701", "Boise, ID", "Portland, OR"]
    assert listing.relatives == ["Casey Fakerly", "Lee Fakerly"]
    match = match_listing(listing, MOVED, TODAY)
    assert match.confidence >= FOUND
    assert "former city and state match (listed where they used to live)" in match.reasons


def test_a_namesake_with_neither_the_city_nor_the_past_list_stays_below_possible(
    brokers: dict[str, Broker],
) -> None:
    html = fastbackgroundcheck_card("Boise, ID;Reno, NV")
    reading = read_page(brokers["fastbackgroundcheck"], html, 200, "https://x.invalid/")
    match = match_listing(reading.listings[0], MOVED, TODAY)
    assert match.confidence < POSSIBLE
    assert "listed in other states only" in match.reasons


# --- Branches: the single-profile answer -----------------------------------------------------

FREEPEOPLEDIRECTORY_PROFILE = """<html><body><div class="results-box">
  <div class="container-div">
    <h1 class="title-3">Jordan Fakerly, 48</h1>
    <h2 class="title-1">Austin, TX</h2>
    <p>Address</p><div class="content-elements"><p>12 Madeup Ln, Austin, TX 78701</p></div>
    <p>Relatives</p><div class="content-elements"><p>Casey Fakerly</p></div>
    <p><a><span>Phone</span></a></p><div class="content-elements"><p>(512) 555-0142</p></div>
    <span class="email">jordan@example.invalid</span>
  </div></div></body></html>"""
"""A single-profile answer in the layout of the definition's branch (made-up person)."""

FREEPEOPLEDIRECTORY_LIST = """<html><body><div class="results-content">
  <div class="whole-card"><div class="card-title">Jordan Fakerly</div>
    <div class="city">Austin, TX</div>
    <h3><span>Lived In:</span> <span>Portland, OR</span></h3>
    <a class="button" href="/person/jordan-fakerly/Austin-TX/madeup">View</a></div>
  <div class="container-div">not a profile: the page's own wrapper</div>
</div></body></html>"""


def test_a_single_profile_answer_reads_found_not_changed(brokers: dict[str, Broker]) -> None:
    fpd = brokers["freepeopledirectory"]
    reading = read_page(fpd, FREEPEOPLEDIRECTORY_PROFILE, 200, "https://x.invalid/")
    assert reading.status is Status.FOUND
    [listing] = reading.listings
    assert (listing.name, listing.age, listing.locations) == ("Jordan Fakerly", 48, ["Austin, TX"])
    assert listing.addresses == ["12 Madeup Ln, Austin, TX 78701"]
    assert listing.phones == ["(512) 555-0142"]
    assert listing.relatives == ["Casey Fakerly"]
    assert listing.emails == ["jordan@example.invalid"]
    assert match_listing(listing, MOVED, TODAY).confidence >= FOUND
    # Without the branch the same page is "changed": what the definition's branch is for.
    plain = replace(fpd, parse=replace(fpd.parse, branches=()))
    assert read_page(plain, FREEPEOPLEDIRECTORY_PROFILE, 200, "u").status is Status.CHANGED


def test_a_list_answer_is_read_by_its_own_cards(brokers: dict[str, Broker]) -> None:
    """Where the branch's ``when`` is absent, its cards are not looked for (the list page's
    wrapper shares the profile's class name)."""
    reading = read_page(brokers["freepeopledirectory"], FREEPEOPLEDIRECTORY_LIST, 200, "u")
    [listing] = reading.listings
    assert listing.name == "Jordan Fakerly"
    assert listing.past_locations == ["Portland, OR"]


# --- Several ways to read one field ---------------------------------------------------------


def recipe(fields: str, extra: str = "") -> Broker:
    text = f"""
id = "t"
name = "T"
domain = "t.example"
category = "people-search"
[search]
url = "https://t.example/{{first}}"
[parse]
cards = [".card"]
no_results_selectors = ["#none"]
{extra}
{fields}
[optout]
url = "https://t.example/optout"
method = "web form"
[canary]
name = "A B"
city = "C"
state = "TX"
"""
    broker, problems = broker_from_dict(tomllib.loads(text), "t.toml", allow_loopback=False)
    assert broker is not None, problems
    return broker


TWO_WAYS = """
[[parse.fields.name]]
selectors = [".new-name"]
[[parse.fields.name]]
selectors = [".old-name"]
before = ","
[[parse.fields.past_locations]]
selectors = [".past-street"]
[[parse.fields.past_locations]]
selectors = [".past-city"]
all = true
"""


def test_the_second_rule_is_used_when_the_first_finds_nothing() -> None:
    broker = recipe(TWO_WAYS)
    old = '<div class="card"><b class="old-name">Jordan Fakerly, 48</b></div>'
    assert read_page(broker, old, 200, "u").listings[0].name == "Jordan Fakerly"
    both = '<div class="card"><b class="new-name">Jo Fakerly</b><b class="old-name">X Y</b></div>'
    assert read_page(broker, both, 200, "u").listings[0].name == "Jo Fakerly"


def test_a_list_field_keeps_what_every_rule_reads() -> None:
    broker = recipe(TWO_WAYS)
    card = (
        '<div class="card"><b class="old-name">Jordan Fakerly</b>'
        '<i class="past-street">9 Fake St, Boise, ID</i>'
        '<i class="past-city">Portland, OR</i><i class="past-city">Reno, NV</i></div>'
    )
    [listing] = read_page(broker, card, 200, "u").listings
    assert listing.past_locations == ["9 Fake St, Boise, ID", "Portland, OR", "Reno, NV"]


def test_a_broken_selector_in_a_second_rule_or_a_branch_is_named() -> None:
    bad_rule = TWO_WAYS.replace('".past-city"', '"div[["')
    data = tomllib.loads(
        'id = "t"\nname = "T"\ndomain = "t.example"\ncategory = "people-search"\n'
        '[search]\nmode = "manual"\nurl = "https://t.example/"\n'
        '[optout]\nurl = "https://t.example/o"\nmethod = "web form"\n[parse]\ncards = [".c"]\n'
        + bad_rule
        + '[[parse.branches]]\nwhen = ["#one"]\ncards = ["//div[@x="]\n'
        + '[parse.branches.fields]\nname = ".n"\n'
    )
    _, problems = broker_from_dict(data, "t.toml", allow_loopback=False)
    assert any("t.toml:parse.fields.past_locations.selectors: invalid" in p for p in problems)
    assert any("t.toml:parse.branches.0.cards: invalid" in p for p in problems)


# --- Captcha marks ----------------------------------------------------------------------------


FPS_CARD = '<div class="card"><span class="larger">Jordan Fakerly</span></div>'


@pytest.mark.parametrize(
    "page",
    [
        f'<html class="page-manage-challenge"><body>{FPS_CARD}</body></html>',
        f'<html><body><form id="bot-check"><p>Are you human?</p></form>{FPS_CARD}</body></html>',
    ],
)
def test_a_captcha_the_definition_solves_reads_blocked(
    brokers: dict[str, Broker], page: str
) -> None:
    """FastPeopleSearch's definition waits out a challenge (the html class) and solves a
    captcha where ``#bot-check`` shows; a page showing either is a wall, whatever else it has."""
    assert read_page(brokers["fastpeoplesearch"], FPS_CARD, 200, "u").status is Status.FOUND
    reading = read_page(brokers["fastpeoplesearch"], page, 200, "u")
    assert reading.status is Status.BLOCKED
    assert "showed a wall" in reading.reason


def test_a_hidden_wall_element_is_not_a_wall() -> None:
    broker = recipe('[parse.fields]\nname = ".n"', 'blocked_selectors = ["#bot-check"]')
    page = '<div id="bot-check" style="display:none"></div><div id="none">No results</div>'
    assert read_page(broker, page, 200, "u").status is Status.NOT_FOUND


# --- Age brackets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fage"), [(45, "41-50"), (31, "31-40"), (85, "81%2B"), (17, ""), (None, "")]
)
def test_veripages_sends_the_age_bracket(
    brokers: dict[str, Broker], age: int | None, fage: str
) -> None:
    """``fage=${age|ageRange}`` once became an empty ``fage=``; the bracket holding the age is
    sent, and no bracket (no birth year, or an age the site has none for) leaves it empty."""
    query = Query(Name("Jordan", "Fakerly"), Address("Austin", "TX"), age)
    url = render(brokers["veripages"].search.url, query)
    assert f"&fage={fage}&state=TX" in url


def test_age_range_reads_open_brackets() -> None:
    assert age_range("81", "18-30,81+") == "81+"
    assert age_range("130", "18-30,81+") == "81+"
    assert age_range("", "18-30") == ""
    assert age_range("30", "18-30") == "18-30"


def test_a_malformed_bracket_is_a_validation_error() -> None:
    data = tomllib.loads(
        'id = "t"\nname = "T"\ndomain = "t.example"\ncategory = "people-search"\n'
        '[search]\nmode = "manual"\nurl = "https://t.example/?a={age|range:18-x}"\n'
        '[optout]\nurl = "https://t.example/o"\nmethod = "web form"\n'
    )
    _, problems = broker_from_dict(data, "t.toml", allow_loopback=False)
    assert problems == ["t.toml:search.url: range needs brackets like 18-30,31-40,81+ in "
                        "{age|range:18-x}"]  # fmt: skip


# --- The importer: definitions in, recipes and named gaps out -------------------------------


def definition(**extra: Any) -> dict[str, Any]:
    actions = [
        {"actionType": "navigate", "url": "https://a.com/${firstName}-${lastName}"},
        *extra.pop("before", []),
        {
            "actionType": "extract",
            "selector": ".card",
            "noResultsSelector": "#none",
            "profile": {"name": {"selector": ".name"}, **extra.pop("profile", {})},
        },
    ]
    return {
        "name": "A",
        "url": "a.com",
        "version": "0.1.0",
        "steps": [{"stepType": "scan", "actions": actions}],
        "optOutUrl": "https://a.com/optout",
        **extra,
    }


CLICK = {"actionType": "click", "elements": [{"type": "button", "selector": "#notrobl"}]}
WAIT = {"actionType": "expectation", "expectations": [{"type": "element", "selector": "#logo"}]}
CAPTCHA = {
    "actionType": "condition",
    "expectations": [{"type": "element", "selector": "#bot-check", "failSilently": True}],
    "actions": [{"actionType": "solveCaptcha", "selector": ".g-recaptcha"}],
}


def test_flow_gap_names_only_what_neither_the_fetch_nor_the_steps_can_say() -> None:
    read = importer.read_definition
    assert importer.flow_gap(read(definition(), "a.com")) is None
    assert importer.flow_gap(read(definition(before=[CAPTCHA]), "a.com")) is None
    # A wait alone: the page fetch reads the page as it comes (a challenge reads blocked).
    waited = read(definition(before=[WAIT]), "a.com")
    assert importer.flow_gap(waited) is None
    assert importer.automatic_recipe(waited)[0]["mode"] == "auto"
    # A click before the results: played as search steps, nothing left unsaid.
    clicked = read(definition(before=[CLICK, WAIT]), "a.com")
    assert importer.flow_gap(clicked) is None
    assert importer.automatic_recipe(clicked)[0]["mode"] == "steps"
    # An action with no word in either: named, never dropped in silence.
    scroll = {"actionType": "scroll", "selector": "#list"}
    scrolled = read(definition(before=[scroll]), "a.com")
    assert importer.flow_gap(scrolled) == (
        "needs steps (clicks/waits/form post): a scroll action a page fetch does not play"
    )
    stepped = read(definition(before=[CLICK, scroll]), "a.com")
    assert importer.flow_gap(stepped) == "needs steps (clicks/waits/form post): a scroll action"
    assert importer.automatic_recipe(stepped) is None


def test_captcha_marks_become_wall_selectors() -> None:
    challenge = {
        "actionType": "expectation",
        "expectations": [{"selector": "//html[not(contains(@class, 'page-manage-challenge'))]"}],
    }
    read = importer.read_definition(definition(before=[challenge, CAPTCHA]), "a.com")
    _, parse = importer.automatic_recipe(read)
    assert parse["blocked_selectors"] == [
        "//html[contains(@class, 'page-manage-challenge')]",
        "#bot-check",
    ]


def test_every_field_is_kept_and_what_has_no_place_is_a_gap() -> None:
    profile = {
        "addressFull": {"selector": ".now"},
        "addressFullList": {"selector": ".streets", "findElements": True},
        "addressCityStateList": {"selector": ".cities", "findElements": True},
        "phoneList": {"selector": ".phone", "findElements": True},
        "email": {"selector": ".mail"},
        "relativesList": {"selector": "//li", "findElements": True},
        "shoeSize": {"selector": ".shoe"},
        "age": {"selector": ".age", "regex": "\\d+"},
    }
    read = importer.read_definition(definition(profile=profile), "a.com")
    fields = importer.fields_of(read)
    assert fields["addresses"] == {"selectors": [".now"]}
    assert fields["past_locations"] == [
        {"selectors": [".streets"], "all": True},
        {"selectors": [".cities"], "all": True},
    ]
    assert fields["phones"] == {"selectors": [".phone"], "all": True}
    assert fields["emails"] == {"selectors": [".mail"]}
    assert fields["relatives"] == {"selectors": [".//li"], "all": True}
    assert importer.gaps(read) == [
        "field shoeSize has no place in a listing",
        "field age: regex not read",
    ]


def test_a_transform_without_a_translation_is_a_named_gap() -> None:
    data = definition()
    data["steps"][0]["actions"][0]["url"] = "https://a.com/${firstName|reverse}"
    read = importer.read_definition(data, "a.com")
    assert importer.automatic_recipe(read) is None
    assert importer.gaps(read) == ["the URL transform ${firstName|reverse} has no translation"]


def test_a_branch_becomes_a_recipe_branch() -> None:
    branch = {
        "actionType": "condition",
        "expectations": [{"type": "element", "selector": ".results-box"}],
        "actions": [
            {
                "actionType": "extract",
                "selector": ".profile",
                "profile": {"name": {"selector": "//h1", "beforeText": ", "}},
            }
        ],
    }
    read = importer.read_definition(definition(before=[branch]), "a.com")
    assert importer.gaps(read) == []
    _, parse = importer.automatic_recipe(read)
    assert parse["cards"] == [".card"]
    assert parse["branches"] == [
        {
            "when": [".results-box"],
            "cards": [".profile"],
            "fields": {"name": {"selectors": [".//h1"], "before": ", "}},
        }
    ]


def test_gaps_are_in_the_report_and_the_opening_comment(tmp_path: Path) -> None:
    json_dir = tmp_path / "json"
    json_dir.mkdir()
    data = definition(profile={"shoeSize": {"selector": ".shoe"}})
    (json_dir / "a.com.json").write_text(json.dumps(data), encoding="utf-8")
    facts = tmp_path / "facts.csv"
    facts.write_text("name,domain\n", encoding="utf-8")
    out = tmp_path / "brokers"
    out.mkdir()
    report = rebuild.build(facts, json_dir, SET_NAME, out, tmp_path / "evidence.toml")
    gap = "field shoeSize has no place in a listing"
    assert report == ["a: auto", f"  gap: {gap}"]
    assert f"# Gap: {gap}.\n" in (out / "a.toml").read_text("utf-8")


# --- The 2026-02 set -----------------------------------------------------------------------


def test_every_url_transform_of_the_2026_02_set_translates(shared_data: Path) -> None:
    folder = shared_data / "ddg-brokers-2026-02"
    if not folder.is_dir():
        pytest.skip(f"the 2026-02 set is not here ({folder})")
    definitions = importer.load_set(folder)
    assert len(definitions) >= 60
    for domain, read in definitions.items():
        assert importer.untranslated(read.url) == [], domain
        assert importer.translate_template(read.url, read.age_ranges) is not None, domain


def test_the_2026_02_set_is_said_in_full(shared_data: Path) -> None:
    """No live definition of the set has a named gap left: every field, branch, transform and
    flow is in its recipe (a flow with a form as search steps), and no shipped file carries a
    stale "# Gap:" line."""
    folder = shared_data / "ddg-brokers-2026-02"
    if not folder.is_dir():
        pytest.skip(f"the 2026-02 set is not here ({folder})")
    definitions = importer.load_set(folder)
    assert {d: importer.live_gaps(d, read) for d, read in definitions.items()} == {
        d: [] for d in definitions
    }
    shipped = Path(__file__).resolve().parents[2] / "brokers"
    assert [p.name for p in shipped.glob("*.toml") if "\n# Gap:" in p.read_text("utf-8")] == []


def test_the_browser_also_stops_waiting_at_a_branch_or_a_wall(brokers: dict[str, Broker]) -> None:
    """A browser fetch waits for what the page may be: a single profile (the branch's cards)
    or a captcha are answers too, not a timeout."""
    from lowprofile.brokers.search import waited_for

    assert ".container-div" in waited_for(brokers["freepeopledirectory"])
    assert "#bot-check" in waited_for(brokers["fastpeoplesearch"])


def test_a_proved_file_is_kept_and_what_it_does_not_read_is_said(tmp_path: Path) -> None:
    json_dir = tmp_path / "json"
    json_dir.mkdir()
    data = definition(profile={"alternativeNamesList": {"selector": ".aka"}})
    (json_dir / "a.com.json").write_text(json.dumps(data), encoding="utf-8")
    facts = tmp_path / "facts.csv"
    facts.write_text("name,domain\n", encoding="utf-8")
    out = tmp_path / "brokers"
    out.mkdir()
    proved = 'id = "a"\nverified = true\n[parse.fields]\nname = ".n"\n'
    (out / "a.toml").write_text(proved, encoding="utf-8")
    report = rebuild.build(facts, json_dir, SET_NAME, out, tmp_path / "evidence.toml")
    assert report == [
        "a: kept (proved on a real page, edited by hand)",
        "  unread: the definition also reads aliases",
    ]
    assert (out / "a.toml").read_text("utf-8") == proved
