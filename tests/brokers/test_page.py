"""Reading broker pages: results in each family's structure, no-result pages, bot walls, junk."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.brokers import shipped_brokers
from lowprofile.brokers.page import read_page
from lowprofile.brokers.schema import Broker
from lowprofile.results import Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"


@pytest.fixture(scope="module")
def brokers() -> dict[str, Broker]:
    return shipped_brokers()


def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_fastpeoplesearch_cards(brokers: dict[str, Broker]) -> None:
    reading = read_page(
        brokers["fastpeoplesearch"], page("fastpeoplesearch_results.html"), 200,
        "https://www.fastpeoplesearch.com/name/jane-doe_austin-tx",
    )  # fmt: skip
    assert reading.status is Status.FOUND
    names = [listing.name for listing in reading.listings]
    assert names == ["Jane Q Doe", "John R Doe", "Jane Doe"]  # the d-none duplicate is skipped
    jane = reading.listings[0]
    assert jane.age == 42
    assert jane.locations == ["Austin, TX"]
    assert jane.addresses == [
        "100 Fictional Ln, Austin, TX 78701",
        "7 Imaginary Ct, Dallas, TX 75201",
    ]
    assert jane.relatives == ["John Doe", "Mary Doe"]
    assert jane.url == "https://www.fastpeoplesearch.com/jane-doe_id_G1111111111"


def test_truepeoplesearch_cards(brokers: dict[str, Broker]) -> None:
    reading = read_page(
        brokers["truepeoplesearch"], page("truepeoplesearch_results.html"), 200,
        "https://www.truepeoplesearch.com/results",
    )  # fmt: skip
    first = reading.listings[0]
    assert (first.name, first.age, first.locations) == ("Jane Doe", 42, ["Austin, TX"])
    assert first.relatives == ["John Doe", "Mary Doe", "Sam Doe"]
    assert first.url == "https://www.truepeoplesearch.com/find/person/px1"


def test_spokeo_title_split(brokers: dict[str, Broker]) -> None:
    reading = read_page(
        brokers["spokeo"], page("spokeo_results.html"), 200, "https://www.spokeo.com/"
    )
    listing = reading.listings[0]
    assert (listing.name, listing.age) == ("Jane Doe", 42)
    assert listing.locations == ["Austin, TX"]
    assert listing.relatives == ["John Doe", "Mary Doe"]


def test_spokeo_404_is_not_found(brokers: dict[str, Broker]) -> None:
    assert read_page(brokers["spokeo"], "<html>gone</html>", 404, "u").status is Status.NOT_FOUND


def test_no_results_marker(brokers: dict[str, Broker]) -> None:
    reading = read_page(brokers["fastpeoplesearch"], page("fastpeoplesearch_none.html"), 200, "u")
    assert reading.status is Status.NOT_FOUND


@pytest.mark.parametrize(
    ("fixture", "status_code"),
    [
        ("cloudflare_challenge.html", 403),
        ("cloudflare_challenge.html", 200),
        ("captcha_wall.html", 200),
        ("access_denied.html", 403),
    ],
)
def test_bot_walls_are_blocked_for_every_broker(
    brokers: dict[str, Broker], fixture: str, status_code: int
) -> None:
    html = page(fixture)
    for broker in brokers.values():
        if broker.automatic:
            assert read_page(broker, html, status_code, "u").status is Status.BLOCKED, broker.id


def test_plain_403_and_429_are_blocked(brokers: dict[str, Broker]) -> None:
    for code in (403, 429):
        assert read_page(brokers["spokeo"], "", code, "u").status is Status.BLOCKED


def test_unrelated_page_is_changed_for_every_broker(brokers: dict[str, Broker]) -> None:
    html = page("unrelated_page.html")
    for broker in brokers.values():
        if broker.automatic:
            assert read_page(broker, html, 200, "u").status is Status.CHANGED, broker.id


@pytest.mark.parametrize("body", ["", "   ", "\x00\x01garbage", "<<<>>>", "<html><body></body>"])
def test_empty_and_garbage_pages_are_changed(brokers: dict[str, Broker], body: str) -> None:
    assert read_page(brokers["fastpeoplesearch"], body, 200, "u").status is Status.CHANGED


def test_hostile_page_is_read_as_text(brokers: dict[str, Broker]) -> None:
    reading = read_page(brokers["fastpeoplesearch"], page("hostile_results.html"), 200, "u")
    listing = reading.listings[0]
    assert listing.name == "Jane [bold]Q[/bold] Doe"  # script text dropped, markup kept as text
    assert listing.url is None  # javascript: links are never kept


def test_selectors_tried_in_order(brokers: dict[str, Broker]) -> None:
    from dataclasses import replace

    from lowprofile.brokers.schema import FieldRule, ParseSpec

    base = brokers["fastpeoplesearch"]
    fields = dict(base.parse.fields)
    fields["name"] = FieldRule(selectors=(".new-name-class", ".larger"))
    broker = replace(base, parse=replace(base.parse, cards=(".new-card", ".card"), fields=fields))
    assert isinstance(broker.parse, ParseSpec)
    reading = read_page(broker, page("fastpeoplesearch_results.html"), 200, "u")
    assert reading.listings[0].name == "Jane Q Doe"


# --- Hostile pages: declarations, size, element count, card count, costly selectors ------------

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
JANE = ["Jane Q Doe", "John R Doe", "Jane Doe"]


@pytest.mark.parametrize("prefix", ["", "\ufeff", "  \n"])
def test_a_page_with_an_xml_declaration_is_read(brokers: dict[str, Broker], prefix: str) -> None:
    """XHTML pages open with ``<?xml … encoding="UTF-8"?>``: they once read as empty, `changed`."""
    html = prefix + (HOSTILE / "page_xml_declaration.html").read_text(encoding="utf-8")
    assert html.lstrip("\ufeff \n").startswith("<?xml")
    reading = read_page(brokers["fastpeoplesearch"], html, 200, "https://www.fastpeoplesearch.com/")
    assert reading.status is Status.FOUND
    assert [listing.name for listing in reading.listings] == JANE


def test_a_page_over_the_size_cap_is_an_error_before_parsing(
    brokers: dict[str, Broker], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.brokers import page as page_module

    parsed: list[int] = []
    monkeypatch.setattr(page_module, "parse_html", lambda text: parsed.append(len(text)))
    huge = "<html><body>" + "<p>x</p>" * (page_module.MAX_PAGE_CHARS // 8 + 1) + "</body></html>"
    reading = read_page(brokers["fastpeoplesearch"], huge, 200, "u")
    assert reading.status is Status.ERROR
    assert "too large" in reading.reason and "check by hand" in reading.reason
    assert parsed == [], "the oversized page was parsed"


def test_a_page_with_too_many_elements_is_an_error(brokers: dict[str, Broker]) -> None:
    from lowprofile.brokers.page import MAX_PAGE_CHARS, MAX_PAGE_ELEMENTS

    crowded = "<html><body>" + "<i></i>" * (MAX_PAGE_ELEMENTS + 1) + "</body></html>"
    assert len(crowded) < MAX_PAGE_CHARS
    reading = read_page(brokers["fastpeoplesearch"], crowded, 200, "u")
    assert reading.status is Status.ERROR
    assert f"{MAX_PAGE_ELEMENTS:,} elements" in reading.reason


def test_cards_and_values_per_page_are_capped(brokers: dict[str, Broker]) -> None:
    from lowprofile.brokers.page import MAX_CARDS, MAX_VALUES

    relatives = "".join(f"<a class='nowrap'>Relative {i}</a>" for i in range(MAX_VALUES + 30))
    card = (
        "<div class='card'><div class='card-block'><span class='larger'>Jane Doe</span>"
        f"<h3><strong>Relatives</strong></h3>{relatives}</div></div>"
    )
    html = "<html><body>" + card * (MAX_CARDS + 20) + "</body></html>"
    reading = read_page(brokers["fastpeoplesearch"], html, 200, "u")
    assert reading.status is Status.FOUND
    assert len(reading.listings) == MAX_CARDS
    assert len(reading.listings[0].relatives) == MAX_VALUES
    assert reading.listings[0].relatives[0] == "Relative 0"


@pytest.mark.parametrize(
    "selector",
    [
        "//*[count(preceding::*) > 0]",
        "//div[following::div]",
        "//a/following::b[1]",
        "//a[not(following-sibling::a)]",
        "//a[following-sibling::b[1]]",
        "//*[//b]",
        "//a[@class and //b]",
        "//a[1 div //b]",  # `div` the operator, then an absolute path
        "//a[string(/html) = 'x']",
        "//a[../a]",
        "//a[ancestor::div//a]",
        "//a[count(../a) > 1]",
        "//a[sum(.//b) > 1]",
        "//a[b[c[d[e]]]]",
        "a:nth-child(2n+1)",
        "a:nth-of-type(2)",
        ".card " * 80,
    ],
)
def test_costly_selectors_are_refused(selector: str) -> None:
    from lowprofile.brokers.select import compile_selector, selector_cost_problem

    assert selector_cost_problem(selector)
    with pytest.raises(ValueError, match="too costly"):
        compile_selector(selector)


@pytest.mark.parametrize(
    "selector",
    [
        ".//h3[contains(strong, 'Past Addresses')]/following-sibling::div/div/a",
        ".//span[contains(., 'Related to')]/following-sibling::span[@class='medium-20 col']",
        "(.//div[@class='detail-block__main-item-block']//li)[1]",
        ".MuiGrid-item:nth-child(3) [class^='ResultsTable__AddressAndLocation-sc']",
        "//a[contains(., 'following::x [//b]')]",  # the words are in a literal
        "//div[contains(@class, 'card')][div/div/a/h2]",  # `div` is an element here
        "li:first-child, li:last-child, li:only-child",
        "//a[following-sibling::*[1]]",
        "//a[count(b) > 1]",
    ],
)
def test_ordinary_selectors_pass(selector: str) -> None:
    from lowprofile.brokers.select import selector_cost_problem

    assert selector_cost_problem(selector) is None


def test_every_shipped_selector_is_within_cost(brokers: dict[str, Broker]) -> None:
    from lowprofile.brokers.select import selector_cost_problem

    for broker in brokers.values():
        parse = broker.parse
        selectors = [*parse.cards, *parse.no_results_selectors]
        selectors += [s for rule in parse.fields.values() for s in rule.selectors]
        for selector in selectors:
            assert selector_cost_problem(selector) is None, (broker.id, selector)


def test_brokers_validate_names_a_costly_selector(tmp_path: Path) -> None:
    from lowprofile.brokers.loader import validate_files

    recipe = tmp_path / "slow.toml"
    recipe.write_text(
        'id = "slow"\nname = "Slow"\ndomain = "slow-people.com"\ncategory = "people-search"\n'
        '[search]\nurl = "https://www.slow-people.com/{first}-{last}"\n'
        '[parse]\ncards = [".card"]\nfields.name = "//*[count(preceding::*) > 0]"\n'
        'no_results_text = ["No records"]\n'
        '[optout]\nurl = "https://www.slow-people.com/optout"\nmethod = "web form"\n'
        '[canary]\nname = "John Smith"\ncity = "Chicago"\nstate = "IL"\n',
        encoding="utf-8",
    )
    problems = validate_files([recipe])
    assert len(problems) == 1, problems
    assert "slow.toml" in problems[0] and "parse.fields.name" in problems[0]
    assert "too costly" in problems[0] and "preceding::" in problems[0]


@pytest.mark.parametrize(
    "css",
    [
        "li:nth-child(1)",
        "li:nth-child(2)",
        "li:nth-child(4)",
        "li:first-child",
        "li:last-child",
        "li:only-child",
        "li:nth-last-child(2)",
        ".x:nth-child(3)",
    ],
)
def test_positional_rewrite_selects_what_cssselect_selects(css: str) -> None:
    """The rewritten ``:nth-child`` family matches exactly the nodes cssselect's counts match."""
    from lxml import html as lxml_html
    from lxml.cssselect import CSSSelector

    from lowprofile.brokers.select import compile_selector

    tree = lxml_html.document_fromstring(
        "<ul><li>a</li><li class='x'>b</li><p>c</p><li class='x'>d</li><li>e</li></ul>"
        "<ul><li>only</li></ul><ol><b>1</b><li class='x'>2</li><li class='x'>3</li></ol>"
    )
    expected = [e.text for e in CSSSelector(css)(tree)]
    assert [e.text for e in compile_selector(css)(tree)] == expected
    assert expected, "the case selects nothing: it proves nothing"


def test_page_text_matches_the_xpath_it_replaced() -> None:
    from lxml import etree

    from lowprofile.brokers.select import parse_html, text_of

    old = etree.XPath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    )
    for path in sorted(FIXTURES.glob("*.html")):
        tree = parse_html(path.read_text(encoding="utf-8"))
        for node in [tree, *tree.iter("div", "p", "span", "body")]:
            assert text_of(node) == " ".join(" ".join(old(node)).split()), (path.name, node.tag)


def test_text_after_a_comment_is_kept() -> None:
    """React pages split text with empty comments (``Age <!-- -->38``); a walk that skips
    comments must still keep what follows them."""
    from lxml import html as lxml_html

    from lowprofile.brokers.select import text_of

    node = lxml_html.fromstring("<span>Age <!-- -->38<script>no</script> years</span>")
    assert text_of(node) == "Age 38 years"


@pytest.mark.parametrize("broker_id", ["truepeoplesearch", "usphonebook", "spokeo"])
def test_a_rotted_field_selector_costs_confidence_not_the_finding(
    broker_id: str, brokers: dict[str, Broker]
) -> None:
    """Cards found but the recipe's fields renamed away: the listings are read from the cards'
    text (name, "Age NN", "City, ST"), flagged as drifted, and the checker keeps them as
    possible with the reason said."""
    import tomllib
    from dataclasses import replace

    from lowprofile.brokers.page import DRIFT_REASON
    from lowprofile.brokers.schema import FieldRule
    from lowprofile.checkers.brokers import judge_listings
    from lowprofile.subject import Address, Name, Subject

    real = FIXTURES / "real" / broker_id
    origin = tomllib.loads((real / "ORIGIN.toml").read_text("utf-8"))
    person = origin["person"]
    rotted = {
        name: FieldRule(selectors=(".renamed-away",)) for name in brokers[broker_id].parse.fields
    }
    broker = replace(brokers[broker_id], parse=replace(brokers[broker_id].parse, fields=rotted))
    html = (real / origin["result"]["file"]).read_text("utf-8")
    reading = read_page(broker, html, 200, person["url"])
    assert reading.status is Status.FOUND and reading.drifted, reading.reason
    subject = Subject(
        names=(Name.parse(person["name"]),),
        addresses=(Address(person["city"], person["state"]),),
        birth_year=person["birth_year"],
    )
    status, findings, _ = judge_listings(broker, reading.listings, subject, person["url"])
    assert findings, "the person is still found on the page"
    assert DRIFT_REASON in reading.reason
