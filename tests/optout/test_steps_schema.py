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
