"""A search played as steps: how its file is checked, and what one query makes of its steps.

The browser half is tested against local replicas (tests/browser/test_step_search.py); here the
rules that decide, before any page is opened, what a step search may say and send.
"""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import pytest

from lowprofile.brokers.doctor import _one
from lowprofile.brokers.loader import validate_files
from lowprofile.brokers.schema import Broker, broker_from_dict
from lowprofile.brokers.search import fill, holds
from lowprofile.brokers.template import MissingValue, Query
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.subject import Address, Name

STEPS = """\
id = "example"
name = "Example"
domain = "example.com"
category = "people-search"

[search]
mode = "steps"
url = "https://www.example.com/landing"

[[search.steps]]
action = "fill"
selector = "#first"
value = "first"

[[search.steps]]
action = "fill"
selector = "#middle"
value = "middle"

[[search.steps]]
action = "fill"
selector = "#state"
value = "state"

[[search.steps]]
action = "click"
selector = "button[type='submit']"

[[search.steps]]
action = "click"
selector = "//button[text()='Yes']"
when = "#older"
when_value = "{age} >= 45"

[[search.steps]]
action = "click"
selector = "//button[text()='No']"
when = "#older"

[[search.steps]]
action = "captcha"
when = "#captcha svg"

[parse]
cards = [".card"]
no_results_selectors = ["#none"]
fields = { name = ".name" }

[optout]
url = "https://www.example.com/optout"
method = "web form"

[canary]
name = "John Smith"
city = "Chicago"
state = "IL"
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "example.toml"
    path.write_text(body)
    return path


def test_a_step_search_validates_and_is_automatic(tmp_path: Path) -> None:
    assert validate_files([write(tmp_path, STEPS)]) == []
    broker, problems = broker_from_dict(tomllib.loads(STEPS), "example.toml")
    assert problems == [] and broker is not None
    assert broker.automatic
    assert [s.action for s in broker.search.steps][:3] == ["fill", "fill", "fill"]
    assert broker.search.steps[4].when_value == "{age} >= 45"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('mode = "steps"', 'mode = "auto"'), "search.steps", 'only played with mode = "steps"'),
        (('value = "middle"', 'value = "email"'), "search.steps.1.value", "a search fills"),
        (
            ('action = "captcha"', 'action = "select_listing"\nselector = "a"'),
            "search.steps.6.action",
            "a search step is one of",
        ),
        (('"{age} >= 45"', '"age >= 45"'), "search.steps.4.when_value", "{age} >= 45"),
        (('"{age} >= 45"', '"{email} >= 45"'), "search.steps.4.when_value", "compare a value"),
        (('when = "#older"', 'when = "div[[["'), "search.steps.4.when", ""),
        (('selector = "#first"', 'selector = "#first"\nsubmit = 1'), "search.steps.0.submit", ""),
        (
            (
                'url = "https://www.example.com/landing"',
                'url = "https://x.example/"\nfetch = "browser"',
            ),
            "search.fetch",
            "not used by a search played as steps",
        ),
    ],
)
def test_a_step_search_that_breaks_the_rules_is_named(
    tmp_path: Path, change: tuple[str, str], key: str, words: str
) -> None:
    path = write(tmp_path, STEPS.replace(*change, 1))
    problems = validate_files([path])
    assert any(p.startswith(f"{path}:{key}:") and words in p for p in problems), problems


def test_steps_mode_needs_steps(tmp_path: Path) -> None:
    head, _, rest = STEPS.partition("[[search.steps]]")
    body = head + "[parse]" + rest.partition("[parse]")[2]
    problems = validate_files([write(tmp_path, body)])
    assert any('search.steps: mode = "steps" needs [[search.steps]]' in p for p in problems)


def query(age: int | None, state: str = "TX", middle: str = "") -> Query:
    name = Name(first="Jane", middle=middle, last="Doe")
    return Query(name, Address(city="Austin", state=state), age)


def broker() -> Broker:
    found, problems = broker_from_dict(tomllib.loads(STEPS), "example.toml")
    assert found is not None, problems
    return found


@pytest.mark.parametrize(("age", "asked"), [(41, False), (45, True), (56, True), (None, False)])
def test_a_choice_on_the_age_is_kept_only_where_it_holds(age: int | None, asked: bool) -> None:
    """Over 45: the "Yes" click stays; under, or no birth year given: only the default "No"."""
    selectors = [s.selector for s in fill(broker(), query(age)).steps]
    assert ("//button[text()='Yes']" in selectors) is asked
    assert "//button[text()='No']" in selectors


def test_fill_values_come_from_the_query() -> None:
    search = fill(broker(), query(41))
    assert search.url == "https://www.example.com/landing"
    # a state in both spellings (a drop-down offers one), no middle name sent empty, no more
    assert search.values == {"first": ("Jane",), "middle": ("",), "state": ("TX", "Texas")}
    assert fill(broker(), query(41, middle="Q")).values["middle"] == ("Q",)


def test_a_required_value_the_person_lacks_skips_the_site() -> None:
    with pytest.raises(MissingValue) as missing:
        fill(broker(), query(41, state=""))
    assert missing.value.variable == "state"


@pytest.mark.parametrize(
    ("condition", "age", "expected"),
    [
        ("", None, True),
        ("{age} >= 45", 45, True),
        ("{age} >= 45", 44, False),
        ("{age} < 30", 29, True),
        ("{age} != 30", None, False),
        ("age >= 45", 50, False),
    ],
)
def test_holds(condition: str, age: int | None, expected: bool) -> None:
    assert holds(condition, query(age)) is expected


def test_the_doctor_leaves_a_step_search_to_the_scan() -> None:
    """``brokers doctor`` fetches over plain HTTP: a search that is a form is not sent there (a
    GET of its first page would say nothing about the recipe)."""

    async def check() -> dict[str, object]:
        async with Http(Settings()) as http:
            return await _one(http, broker())

    row = asyncio.run(check())
    assert row["health"] == "manual"
    assert "played as steps in the browser" in str(row["detail"])
