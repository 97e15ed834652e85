"""A definition's opt-out flow read into our steps: each construct of the 2026-02 flows, the
submit found without being written, and the block the importer appends (or keeps)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from lowprofile.brokers.import_optout import MARK, optout_block, translate, within
from lowprofile.brokers.schema import broker_from_dict


def flow(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"url": "x.example", "steps": [{"stepType": "optOut", "actions": list(actions)}]}


NAVIGATE = {"actionType": "navigate", "url": "https://x.example/optout?f=${firstName}"}
CLICK_GO = {"actionType": "click", "elements": [{"type": "button", "selector": "#go"}]}


def fill(form: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"actionType": "fillForm", "selector": form, "elements": list(elements)}


def test_a_form_with_made_up_values_and_its_submit() -> None:
    terms = {"actionType": "click", "elements": [{"type": "button", "selector": "#terms"}]}
    read = translate(
        flow(
            NAVIGATE,
            fill(
                "//form",
                {"type": "email", "selector": ".//input[@name='email']"},
                {"type": "$generated_zip_code$", "selector": ".//input[@name='zip']"},
                {"type": "$generated_random_number$", "selector": "#day", "min": "1", "max": "28"},
            ),
            terms,
            {"actionType": "getCaptchaInfo", "selector": ".g-recaptcha"},
            {"actionType": "solveCaptcha", "selector": ".g-recaptcha"},
            CLICK_GO,
            {"actionType": "emailConfirmation", "pollingTime": 390},
        )
    )
    assert read.gaps == []
    assert read.steps == [
        {"action": "navigate", "url": "https://x.example/optout?f={first}"},
        {"action": "fill", "selector": "//form//input[@name='email']", "value": "email"},
        {"action": "fill", "selector": "//form//input[@name='zip']", "value": "generated_zip_code"},
        {"action": "fill", "selector": "//form//*[@id = 'day']", "value": "generated_number"}
        | {"min": 1, "max": 28},
        {"action": "click", "selector": "#terms"},  # the checkbox before the button: no submit
        {"action": "captcha", "note": "reCAPTCHA: the person solves it in the visible window"},
        {"action": "click", "selector": "#go", "submit": True},
        {"action": "email_confirmation", "delay": 3600.0},
    ]


def test_a_condition_governs_the_steps_it_holds_and_a_choice_becomes_two() -> None:
    condition = {
        "actionType": "condition",
        "_comment": "captcha is not always present",
        "expectations": [{"type": "element", "selector": "#captcha svg", "failSilently": True}],
        "actions": [{"actionType": "getCaptchaInfo", "selector": "#captcha"}, CLICK_GO],
    }
    choice = {
        "actionType": "click",
        "choices": [
            {
                "condition": {"left": "${age}", "operation": ">=", "right": "45"},
                "elements": [{"type": "button", "selector": "#yes"}],
            }
        ],
        "default": {"elements": [{"type": "button", "selector": "#no"}]},
    }
    read = translate(
        flow(NAVIGATE, fill("", {"type": "city", "selector": "#c"}), condition, choice)
    )
    assert read.steps[2:] == [
        {"action": "condition", "selector": "#captcha svg", "then": 2}
        | {"note": "captcha is not always present"},
        {"action": "captcha", "note": "reCAPTCHA: the person solves it in the visible window"},
        {"action": "click", "selector": "#go", "submit": True},
        {"action": "condition", "value": "age", "at_least": 45.0, "then": 1},
        {"action": "click", "selector": "#yes"},
        {"action": "condition", "value": "age", "below": 45.0, "then": 1},
        {"action": "click", "selector": "#no"},
    ]


def test_a_click_in_the_matching_row_is_a_choice_by_the_matcher() -> None:
    match = {
        "profileMatch": {
            "selector": "tr",
            "profile": {
                "name": {"selector": ".//td[1]", "beforeText": ","},
                "age": {"selector": ".//td[2]"},
                "addressCityStateList": {"selector": ".//td[3]", "findElements": True},
            },
        }
    }
    read = translate(
        flow(
            NAVIGATE,
            {"actionType": "click", "elements": [{"selector": "button.rm", "parent": match}]},
            {
                "actionType": "click",
                "elements": [{"selector": ".x", "multiple": True}, {"selector": ".ok"}],
            },
            {"actionType": "expectation", "expectations": [{"type": "text", "expect": "Done"}]},
        )
    )
    assert read.steps[1:] == [
        {
            "action": "choose_listing",
            "selector": "tr",
            "click": "button.rm",
            "fields": {
                "name": {"selectors": [".//td[1]"], "before": ","},
                "age": {"selectors": [".//td[2]"]},
                "locations": {"selectors": [".//td[3]"], "all": True},
            },
        },
        {"action": "click", "selector": ".x", "all": True},
        {"action": "click", "selector": ".ok", "submit": True},  # a chosen row is data entered
        {"action": "expect", "text": "Done"},
    ]


def test_what_no_step_can_say_is_named() -> None:
    assert translate(flow(NAVIGATE, fill("", {"type": "idUpload", "selector": "#f"}))).gaps[0] == (
        "an ID upload"
    )
    assert "a payment" in translate(flow(NAVIGATE, {"actionType": "payment"})).gaps
    assert translate(flow()).gaps == ["no steps of its own (its parent's opt-out covers it)"]
    assert translate(flow(NAVIGATE)).gaps == ["no click that sends the form"]


def test_a_form_selector_and_its_field_become_one() -> None:
    assert within(".ahm", "#name") == ".ahm #name"
    assert within("//form", ".//input[@name='a']") == "//form//input[@name='a']"
    box = within(".box", ".//input")  # CSS read as XPath to join an XPath field
    assert box.startswith("//*[@class and contains(@class, 'box')") and box.endswith(")]//input")
    assert within("", ".//input") == "//input"


FORM = flow(
    NAVIGATE,
    fill("form", {"type": "email", "selector": "#email"}),
    CLICK_GO,
)


def test_the_block_loads_as_steps_and_hand_written_ones_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "x.example.json"
    path.write_text(json.dumps(FORM | {"version": "1.0"}), "utf-8")
    block = optout_block("", path, {})
    assert block.startswith(f"\n{MARK}\n# x.example.json (version 1.0).\n[[optout.steps]]\n")
    data = {
        "id": "x",
        "name": "X",
        "domain": "x.example",
        "category": "people-search",
        "search": {"mode": "manual", "url": "https://x.example/"},
        "optout": {"url": "https://x.example/optout", "method": "web form"},
    }
    data["optout"] |= tomllib.loads(block)["optout"]
    broker, problems = broker_from_dict(data, "x.toml")
    assert problems == [] and broker is not None
    assert [s.action for s in broker.optout.steps] == ["navigate", "fill", "click"]
    assert optout_block("id = 'x'\n" + block, path, {}) == optout_block("", path, {})  # renewed
    hand = '\n# Opt-out steps: read off the form\n[[optout.steps]]\naction = "navigate"\n'
    assert optout_block("id = 'x'\n" + hand, path, {}) == hand


def test_no_block_for_a_seized_domain_or_a_withdrawn_definition(tmp_path: Path) -> None:
    path = tmp_path / "x.example.json"
    path.write_text(json.dumps(FORM), "utf-8")
    assert optout_block("", path, {"notes": "taken over by court order"}) == ""
    path.write_text(json.dumps(FORM | {"removedAt": 1770000000000}), "utf-8")
    assert optout_block("", path, {}) == ""


def test_a_click_before_the_form_is_no_submit() -> None:
    """The click that opens a form comes before the data: the data ends its run, yet it sent
    nothing (PeopleFinders' opt-out button, Neighbor.report's place toggle)."""
    opens = {"actionType": "click", "elements": [{"type": "button", "selector": "#open"}]}
    read = translate(flow(NAVIGATE, opens, fill("", {"type": "email", "selector": "#e"}), CLICK_GO))
    assert [s.get("submit", False) for s in read.steps] == [False, False, False, True]
