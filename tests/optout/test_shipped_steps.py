"""The shipped opt-out steps say what DuckDuckGo's public 2026-02 definitions say about each
form: the same pages, the same fields for the same values, the same buttons, the same texts, in
the same order.

Each DuckDuckGo action is read into the step (or steps) ours must have at that place, here and
independently of ``lowprofile.brokers.import_optout`` (which wrote most of the files): a
condition and the steps it governs, a row chosen by the matcher, a made-up value, a click on
every match. Where an action asks for something our vocabulary cannot say, the reading names it
as a gap: a broker whose flow has a gap ships without steps, and its plan keeps the link and the
email draft.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml.cssselect import LxmlTranslator

from helpers.brokers import shipped_brokers
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.brokers.select import is_xpath

DDG_VALUES = {
    "fullName": "full_name",
    "firstName": "first",
    "middleName": "middle",
    "lastName": "last",
    "email": "email",
    "profileUrl": "listing_url",
    "city": "city",
    "state": "state",
    "cityState": "city_state",
    "age": "age",
    "birthYear": "birth_year",
    "$generated_zip_code$": "generated_zip_code",
    "$generated_phone_number$": "generated_phone_number",
    "$generated_street_address$": "generated_street_address",
    "$generated_random_number$": "generated_number",
}
"""DuckDuckGo's profile fields that are one of our subject values; any other is a gap."""

SET = "ddg-brokers-2026-02"
CLASS_GUARD = re.compile(r"@class and contains\(@class, '[^']*'\) and ")


@dataclass(frozen=True)
class Expected:
    """The step ours must have at one place: one of ``actions``, with these facts."""

    actions: frozenset[str]
    url: str = ""
    selector: str = ""
    """Ours must end with it (ours may add the form it sits in)."""
    text: str = ""
    value: str = ""


@dataclass
class Reading:
    """A DuckDuckGo opt-out flow as our steps, and what our vocabulary cannot say of it."""

    steps: list[Expected] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def one(*actions: str, **facts: str) -> Expected:
    return Expected(frozenset(actions), **facts)


def read_flow(actions: list[dict[str, Any]]) -> Reading:
    """Our steps for DuckDuckGo's ``actions``, in order, with every gap named."""
    reading = Reading()
    for action in actions:
        kind = action["actionType"]
        if kind == "navigate":
            reading.steps.append(one("navigate", url=action["url"]))
        elif kind == "expectation" or kind == "condition":
            _read_expectations(action, reading)
        elif kind == "fillForm":
            for e in action["elements"]:
                value = DDG_VALUES.get(e["type"])
                if value is None:
                    reading.gaps.append(f"fills {e['type']}, which is no subject value of ours")
                reading.steps.append(one("fill", selector=e["selector"], value=value or "?"))
        elif kind == "click" and "choices" in action:
            for choice in [*action["choices"], action.get("default", {})]:
                reading.steps.append(one("condition", value="age"))
                reading.steps += [one("click", selector=e["selector"]) for e in choice["elements"]]
        elif kind == "click":
            for e in action.get("elements", []):
                if "parent" in e:
                    row = e["parent"]["profileMatch"]["selector"]
                    reading.steps.append(one("choose_listing", selector=row))
                else:
                    reading.steps.append(one("click", selector=e["selector"]))
        elif kind == "getCaptchaInfo":
            reading.steps.append(one("captcha"))
        elif kind == "emailConfirmation":
            reading.steps.append(one("email_confirmation"))
        elif kind != "solveCaptcha":  # solveCaptcha: the second half of getCaptchaInfo's step
            reading.gaps.append(f"{kind}, which our steps have no action for")
    return reading


def _read_expectations(action: dict[str, Any], reading: Reading) -> None:
    """Expectations, or (with actions) a condition on the first followed by what it governs."""
    for e in action["expectations"][:1] if "actions" in action else action["expectations"]:
        kind = "condition" if "actions" in action else "expect"
        if e["type"] == "text":
            reading.steps.append(one(kind, text=e["expect"]))
        elif kind == "condition":
            reading.steps.append(one(kind, selector=e["selector"]))
        else:  # an element; a token that appears once a captcha is solved is ours too
            reading.steps.append(one("expect", "captcha", selector=e["selector"]))
    reading.gaps += read_flow(action.get("actions", [])).gaps
    reading.steps += read_flow(action.get("actions", [])).steps


def comparable(selector: str) -> str:
    """A selector as XPath text that can be compared with another: CSS compiled as cssselect
    does it, ``.//x`` and ``/descendant::x`` as ``//x``, without blanks or the quick class
    test cssselect puts before the exact one."""
    if is_xpath(selector):
        text = selector[1:] if selector.startswith(".//") else selector
    else:
        text = LxmlTranslator().css_to_xpath(selector, prefix="//")
        text = CLASS_GUARD.sub("", text).replace("/descendant::", "//")
    return re.sub(r"\s+", "", text)


def without_variables(url: str) -> str:
    """A URL template with its variables blanked (``${firstName}`` and ``{first}`` alike)."""
    return re.sub(r"\$?\{[^}]*\}", "{}", url)


def differences(steps: tuple[OptOutStep, ...], expected: list[Expected]) -> list[str]:
    """Where our steps part from the expected ones, one line each (empty: they agree)."""
    if len(steps) != len(expected):
        ours = [s.action for s in steps]
        theirs = [sorted(e.actions) for e in expected]
        return [f"{len(steps)} steps {ours}, the definition has {len(expected)}: {theirs}"]
    lines = []
    for number, (step, want) in enumerate(zip(steps, expected, strict=True), 1):
        if step.action not in want.actions:
            lines.append(f"step {number}: {step.action}, expected {sorted(want.actions)}")
        elif want.url and without_variables(step.url) != without_variables(want.url):
            lines.append(f"step {number}: goes to {step.url}, expected {want.url}")
        elif want.selector and not comparable(step.selector).endswith(comparable(want.selector)):
            lines.append(f"step {number}: {step.selector!r} is not {want.selector!r}")
        elif want.text and step.text != want.text:
            lines.append(f"step {number}: expects {step.text!r}, not {want.text!r}")
        elif want.value and step.value != want.value:
            lines.append(f"step {number}: fills {step.value}, expected {want.value}")
    return lines


def optout_actions(folder: Path, broker: Broker) -> list[dict[str, Any]]:
    definition = json.loads((folder / f"{broker.domain}.json").read_text("utf-8"))
    [optout] = [s for s in definition["steps"] if s.get("stepType") == "optOut"]
    actions: list[dict[str, Any]] = optout["actions"]
    return actions


@pytest.fixture(scope="module")
def shipped() -> dict[str, Broker]:
    return shipped_brokers()


@pytest.fixture
def ddg_set(shared_data: Path) -> Path:
    folder = shared_data / SET
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return folder


@pytest.mark.shared_data
def test_every_shipped_step_matches_the_public_definition(
    ddg_set: Path, shipped: dict[str, Broker]
) -> None:
    with_steps = [b for b in shipped.values() if b.optout.steps]
    assert len(with_steps) >= 2
    for broker in with_steps:
        definition = json.loads((ddg_set / f"{broker.domain}.json").read_text("utf-8"))
        assert not definition.get("removedAt"), f"{broker.id}: its definition was withdrawn"
        reading = read_flow(optout_actions(ddg_set, broker))
        assert reading.gaps == [], broker.id
        assert differences(broker.optout.steps, reading.steps) == [], broker.id


def step(action: str, **facts: Any) -> OptOutStep:
    return OptOutStep(action=action, **facts)


SHARED_FORM = [
    {"actionType": "navigate", "url": "https://x.example/control/privacy"},
    {
        "actionType": "expectation",
        "expectations": [{"type": "element", "selector": "//h1", "parent": ".container"}],
    },
    {
        "actionType": "fillForm",
        "selector": ".ahm",
        "elements": [
            {"type": "fullName", "selector": "#user_name"},
            {"type": "email", "selector": ".//input[@name='email']"},
        ],
    },
    {"actionType": "getCaptchaInfo", "selector": ".g-recaptcha"},
    {"actionType": "solveCaptcha", "selector": ".g-recaptcha"},
    {"actionType": "click", "elements": [{"type": "button", "selector": ".btn-primary"}]},
    {
        "actionType": "expectation",
        "expectations": [{"type": "text", "selector": "body", "expect": "Received"}],
    },
    {"actionType": "emailConfirmation", "pollingTime": 30},
]
OURS = (
    step("navigate", url="https://x.example/control/privacy"),
    step("expect", selector="//h1"),
    step("fill", selector=".ahm #user_name", value="full_name"),
    step("fill", selector="//form//input[@name='email']", value="email"),
    step("captcha"),
    step("click", selector="form .btn-primary", submit=True),
    step("expect", text="Received"),
    step("email_confirmation"),
)


def test_steps_that_say_the_definition_agree_with_it() -> None:
    reading = read_flow(SHARED_FORM)
    assert reading.gaps == []
    assert differences(OURS, reading.steps) == []


@pytest.mark.parametrize(
    ("number", "changed", "why"),
    [
        (1, step("navigate", url="https://x.example/other"), "goes to https://x.example/other"),
        (3, step("fill", selector=".ahm #user_email", value="full_name"), "'#user_name'"),
        (4, step("fill", selector="//input[@name='email']", value="full_name"), "fills full_name"),
        (6, step("click", selector=".btn-secondary", submit=True), "is not '.btn-primary'"),
        (7, step("expect", text="Received!"), "expects 'Received!'"),
        (7, step("expect", selector="//h1"), "expects ''"),
        (8, step("expect", text="Received"), "expect, expected ['email_confirmation']"),
    ],
)
def test_a_step_that_parts_from_the_definition_is_named(
    number: int, changed: OptOutStep, why: str
) -> None:
    ours = (*OURS[: number - 1], changed, *OURS[number:])
    [line] = differences(ours, read_flow(SHARED_FORM).steps)
    assert line.startswith(f"step {number}: ") and why in line


def test_a_missing_or_extra_step_is_named() -> None:
    expected = read_flow(SHARED_FORM).steps
    assert "7 steps" in differences(OURS[:-1], expected)[0]
    assert "9 steps" in differences((*OURS, step("expect", text="Done")), expected)[0]


def test_templated_urls_compare_apart_from_their_variable_names() -> None:
    [want] = read_flow(
        [{"actionType": "navigate", "url": "https://x.example/?f=${firstName}"}]
    ).steps
    same = step("navigate", url="https://x.example/?f={first}")
    other = step("navigate", url="https://x.example/?g={first}")
    assert differences((same,), [want]) == []
    assert differences((other,), [want]) != []


def fill_of(kind: str) -> dict[str, Any]:
    return {"actionType": "fillForm", "elements": [{"type": kind, "selector": "#field"}]}


@pytest.mark.parametrize(
    ("action", "gap"),
    [
        (fill_of("$generated_ssn$"), "fills $generated_ssn$"),
        (fill_of("idDocument"), "fills idDocument"),
        ({"actionType": "uploadFile", "selector": "#id"}, "uploadFile, which our steps"),
    ],
)
def test_what_our_steps_cannot_say_is_a_named_gap(action: dict[str, Any], gap: str) -> None:
    reading = read_flow([action])
    assert any(gap in line for line in reading.gaps), reading.gaps


CONDITION = {
    "actionType": "condition",
    "expectations": [{"type": "element", "selector": "#captcha svg", "failSilently": True}],
    "actions": [
        {"actionType": "getCaptchaInfo", "selector": "#captcha"},
        {"actionType": "click", "elements": [{"type": "button", "selector": "#go"}]},
    ],
}


def test_a_condition_is_read_with_the_steps_it_governs() -> None:
    reading = read_flow([CONDITION])
    assert reading.gaps == []
    ours = (
        step("condition", selector="#captcha svg", then=2),
        step("captcha"),
        step("click", selector="#go"),
    )
    assert differences(ours, reading.steps) == []
    assert differences(ours[:1] + ours[2:], reading.steps) != []


SEIZED = {"centeda": "taken over by court order in June 2026"}
"""Active in the 2026-02 set, but the domain is no longer the broker's: no steps (below)."""


@pytest.mark.shared_data
def test_every_active_flow_of_its_own_ships_as_steps(
    ddg_set: Path, shipped: dict[str, Broker]
) -> None:
    """Each active 2026-02 definition with an opt-out flow of its own (not its parent's) is
    played by our steps, unless its domain was seized; the count is `optout.automatic`'s."""
    by_domain = {b.domain: b for b in shipped.values()}
    automatic = set()
    for path in sorted(ddg_set.glob("*.json")):
        definition = json.loads(path.read_text("utf-8"))
        broker = by_domain.get(str(definition.get("url")))
        if definition.get("removedAt") or broker is None:
            continue
        if optout_actions(ddg_set, broker) and broker.id not in SEIZED:
            assert broker.optout.steps, broker.id
            automatic.add(broker.id)
    assert automatic == {b.id for b in shipped.values() if b.optout.steps}
    assert len(automatic) == 8, sorted(automatic)
    assert all(shipped[b].optout.steps == () for b in SEIZED)


@pytest.mark.shared_data
def test_no_steps_for_a_withdrawn_definition_or_a_seized_site(
    ddg_set: Path, shipped: dict[str, Broker]
) -> None:
    """A form whose definition was withdrawn, or a domain a court handed to someone else, would
    receive the person's name, email and listing from whoever runs it now: no steps there."""
    withdrawn = {
        b.id
        for b in shipped.values()
        if (ddg_set / f"{b.domain}.json").is_file()
        and json.loads((ddg_set / f"{b.domain}.json").read_text("utf-8")).get("removedAt")
    }
    seized = {b.id for b in shipped.values() if "court order" in b.optout.notes}
    assert {"clubset", "wellnut"} <= withdrawn | seized
    assert [b for b in withdrawn | seized if shipped[b].optout.steps] == []


def test_an_opt_out_played_as_steps_asks_the_person_for_nothing_its_flow_does_not(
    shipped: dict[str, Broker],
) -> None:
    """The facts table once said InfoTracer needs a photo ID and MyLife a phone; their 2026-02
    flows, shipped as steps, ask for neither, so the plan must not tell the person to get them
    ready (the file's opening comment says why they were left out)."""
    from lowprofile.brokers.rebuild import STALE_WITH_STEPS

    for broker in shipped.values():
        if any(step.action == "navigate" for step in broker.optout.steps):
            stale = set(broker.optout.requires) & set(STALE_WITH_STEPS)
            assert not stale, (broker.id, stale)
