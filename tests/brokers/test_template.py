"""Search URL templates: filters, URL encoding, optional and required values."""

from __future__ import annotations

import pytest

from lowprofile.brokers.template import (
    MAX_NAMES,
    MissingValue,
    Query,
    queries_for,
    queries_left_out,
    render,
)
from lowprofile.subject import Address, Name, Subject

QUERY = Query(Name("Mary Ann", "de la Cruz", "Q"), Address("San José", "CA"), 41)


@pytest.mark.parametrize(
    ("template", "url"),
    [
        (
            "https://x.com/{first|lower|hyphen}-{last|lower|hyphen}",
            "https://x.com/mary-ann-de-la-cruz",
        ),
        (
            "https://x.com/{state_full|lower|hyphen}/{city|title}",
            "https://x.com/california/San%20Jos%C3%A9",
        ),
        ("https://x.com/?q={first|plus}&s={state|lower}", "https://x.com/?q=Mary+Ann&s=ca"),
        ("https://x.com/{middle|default:~}", "https://x.com/Q"),
        ("https://x.com/?age={age|optional}", "https://x.com/?age=41"),
    ],
)
def test_render(template: str, url: str) -> None:
    assert render(template, QUERY) == url


def test_optional_may_be_empty_required_may_not() -> None:
    no_age = Query(Name("Jane", "Doe"), Address("Austin", "TX"), None)
    assert render("https://x.com/?age={age|optional}", no_age) == "https://x.com/?age="
    with pytest.raises(MissingValue) as caught:
        render("https://x.com/{first}/{age}", no_age)
    assert caught.value.variable == "age"
    assert render("https://x.com/{middle|default:~}", no_age) == "https://x.com/~"


def test_hostile_values_cannot_change_the_url_shape() -> None:
    tricky = Query(Name("Jane/../..", "Doe?admin=1#x"), Address("A&b=c", "TX"), None)
    url = render("https://x.com/{first}/{last}?city={city}", tricky)
    assert url.startswith("https://x.com/Jane%2F..%2F..")
    assert "?admin" not in url and "#" not in url and "&b=" not in url


def test_queries_are_bounded_and_ordered() -> None:
    subject = Subject(
        names=tuple(Name("Jane", f"Doe{i}") for i in range(7)),
        addresses=(Address("Dallas", "TX", current=False), Address("Austin", "TX")),
        birth_year=1984,
    )
    queries = queries_for(subject)
    assert len(queries) == MAX_NAMES * 2
    left_out = queries_left_out(subject)
    assert left_out is not None and f"first {MAX_NAMES} of your 7 names" in left_out
    assert queries_left_out(Subject(names=subject.names[:MAX_NAMES])) is None
    assert queries[0].address is not None and queries[0].address.city == "Austin"
