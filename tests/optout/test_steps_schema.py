"""Opt-out steps in a broker file: the shape by the schema, the meaning by schema.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from optoutsite import write_broker

from lowprofile.brokers.schema import broker_from_dict

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    return tomllib.loads(write_broker(tmp_path, "local", BASE).read_text("utf-8"))


def problems(data: dict) -> list[str]:  # type: ignore[type-arg]
    broker, found = broker_from_dict(data, "local.toml")
    assert (broker is None) == bool(found)
    return found


def test_the_local_steps_load_in_order(data: dict) -> None:  # type: ignore[type-arg]
    broker, found = broker_from_dict(data, "local.toml")
    assert found == [] and broker is not None
    steps = broker.optout.steps
    assert [s.action for s in steps][:5] == [
        "navigate",
        "expect",
        "fill",
        "click",
        "select_listing",
    ]
    assert [s.value for s in steps if s.action == "fill"] == [
        "full_name",
        "full_name",
        "email",
        "listing_url",
    ]
    assert [s.submit for s in steps].count(True) == 1
    assert steps[-1].text == "Your removal request has been received" and steps[-1].timeout == 15


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"value": "phone_number"}, "local.toml:optout.steps.2.value: must name a subject value"),
        ({"value": None}, "local.toml:optout.steps.2.value: missing"),
        ({"selector": "div[[["}, "local.toml:optout.steps.2.selector:"),
        ({"text": "Jane Doe"}, "local.toml:optout.steps.2.text: not used by a fill step"),
        ({"submit": True}, "local.toml:optout.steps.2.submit: not used by a fill step"),
    ],
)
def test_a_bad_fill_step_names_its_key(data: dict, change: dict, expected: str) -> None:  # type: ignore[type-arg]
    step = data["optout"]["steps"][2]
    for key, value in change.items():
        if value is None:
            step.pop(key)
        else:
            step[key] = value
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://optout.example/{phone}", "unknown variable {phone}"),
        ("https://10.0.0.7/optout", "10.0.0.7 is"),
        ("http://optout.example/optout", "must be an https:// URL"),
        ("file:///etc/passwd", "must be an https:// URL"),
    ],
)
def test_a_navigate_goes_only_where_it_may(data: dict, url: str, expected: str) -> None:  # type: ignore[type-arg]
    data["optout"]["steps"][0]["url"] = url
    found = problems(data)
    assert any(p.startswith("local.toml:optout.steps.0.url:") and expected in p for p in found), (
        found
    )


def test_a_listing_url_and_template_variables_are_known(data: dict) -> None:  # type: ignore[type-arg]
    data["optout"]["steps"][0]["url"] = "{listing_url}?optout=1"
    data["optout"]["steps"].insert(1, {"action": "navigate", "url": BASE + "/{state}/{last}"})
    assert problems(data) == []


def test_filling_a_form_needs_a_submit_to_stop_before(data: dict) -> None:  # type: ignore[type-arg]
    for step in data["optout"]["steps"]:
        step.pop("submit", None)
    assert "local.toml:optout.steps: steps that fill a form need one click with submit = true" in (
        problems(data)
    )


def test_an_expect_needs_a_selector_or_a_text(data: dict) -> None:  # type: ignore[type-arg]
    data["optout"]["steps"][1].pop("selector")
    assert any(p.startswith("local.toml:optout.steps.1") for p in problems(data))


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            {"action": "condition", "then": 1},
            "1.action: a condition needs a selector, a text or a value",
        ),
        ({"action": "condition", "value": "age", "then": 1}, "1.value: a condition on a value"),
        ({"action": "condition", "selector": "#a", "then": 99}, "1.then: only"),
        ({"action": "condition", "selector": "#a"}, "1.then: missing"),
        ({"action": "condition", "selector": "#a", "then": 1, "value": "ssn"}, "1.value: must"),
        ({"action": "choose_listing", "selector": "li", "click": "a"}, "1.fields: missing"),
        (
            {"action": "choose_listing", "selector": "li", "click": "a", "fields": {"x": ["a"]}},
            "1.fields",
        ),
        (
            {"action": "choose_listing", "selector": "li", "click": "[[", "fields": {"name": "h3"}},
            "1.click: ",
        ),
        (
            {"action": "choose_listing", "selector": "li", "click": "a", "fields": {"age": "[["}},
            "1.fields.age: ",
        ),
        ({"action": "fill", "selector": "#z", "value": "zip", "all": True}, "1.all: not used"),
        ({"action": "expect", "text": "x", "then": 1}, "1.then: not used"),
    ],
)
def test_the_grown_vocabulary_names_its_mistakes(data: dict, step: dict, expected: str) -> None:  # type: ignore[type-arg]
    data["optout"]["steps"].insert(1, step)
    found = problems(data)
    assert any(p.startswith(f"local.toml:optout.steps.{expected}") for p in found), found


def test_the_grown_vocabulary_loads(data: dict) -> None:  # type: ignore[type-arg]
    data["optout"]["steps"][1:1] = [
        {"action": "condition", "value": "age", "at_least": 45, "then": 1},
        {"action": "click", "selector": "#yes", "all": True, "optional": True},
        {
            "action": "choose_listing",
            "selector": "li",
            "click": "button",
            "fields": {"name": ".//h3", "age": {"selectors": [".//b"], "after": "Age "}},
        },
        {"action": "fill", "selector": "#d", "value": "generated_number", "min": 1, "max": 28},
        {"action": "expect", "url": "/done", "optional": True},
    ]
    broker, found = broker_from_dict(data, "local.toml")
    assert found == [] and broker is not None
    condition, click, choose, fill, expect = broker.optout.steps[1:6]
    assert (condition.at_least, condition.below, condition.then, condition.timeout) == (
        45,
        None,
        1,
        5.0,
    )
    assert click.all and click.optional
    assert choose.fields["name"].selectors == (".//h3",) and choose.fields["age"].after == "Age "
    assert (fill.minimum, fill.maximum) == (1, 28)
    assert expect.url == "/done" and expect.optional
