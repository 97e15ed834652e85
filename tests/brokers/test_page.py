"""Reading broker pages: results in each family's structure, no-result pages, bot walls, junk."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.page import read_page
from lowprofile.brokers.schema import Broker
from lowprofile.results import Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"


@pytest.fixture(scope="module")
def brokers() -> dict[str, Broker]:
    return load_brokers().brokers


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
