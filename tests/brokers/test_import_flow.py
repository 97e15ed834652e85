"""lowprofile.brokers.import_flow: a definition's scan flow said as search steps.

On the real 2026-02 definitions (skipped, saying why, where ``../shared`` is absent): every flow
a page fetch cannot do translates without a gap, the shipped files are what the importer makes
of them, and every active broker with a scan is automatic or says in its file why not. On
written flows: questions, choices, captchas and what cannot be said.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from lowprofile.brokers import importer
from lowprofile.brokers.import_flow import needs_steps, scan_actions, search_flow
from lowprofile.brokers.importer import translate_template

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_REPORTS = "privatereports.com"


def definitions(shared: Path) -> dict[str, dict[str, Any]]:
    folder = shared / "ddg-brokers-2026-02"
    if not folder.is_dir():
        print(f"skipped: the 2026-02 definitions are not at {folder}")
        pytest.skip(f"the 2026-02 definitions are not at {folder}")
    out = {}
    for path in sorted(folder.glob("*.json")):
        if "fake" not in path.stem:
            data = json.loads(path.read_text("utf-8"))
            out[str(data["url"])] = data
    return out


def shipped(domain: str) -> tuple[dict[str, Any], str]:
    path = ROOT / "brokers" / f"{importer.broker_id(domain)}.toml"
    text = path.read_text("utf-8")
    return tomllib.loads(text), text


@pytest.mark.shared_data
def test_every_flow_of_the_set_translates_and_ships_as_steps(shared_data: Path) -> None:
    """The PrivateReports family, InfoTracer and the BeenVerified opt-out searches: no gap; each
    shipped file whose definition has such a flow carries exactly the importer's steps."""
    flows = {}
    for domain, data in definitions(shared_data).items():
        actions = scan_actions(data)
        if data.get("removedAt") or not needs_steps(actions):
            continue
        flow = search_flow(actions, translate_template)
        assert flow.gaps == [], (domain, flow.gaps)
        flows[domain] = flow
        broker, _ = shipped(domain)
        if broker["search"]["mode"] == "steps":
            assert broker["search"]["url"] == flow.url, domain
            assert broker["search"]["steps"] == flow.steps, domain
    family = {
        d for d, data in definitions(shared_data).items() if data.get("parent") == PRIVATE_REPORTS
    }
    assert family | {PRIVATE_REPORTS} <= set(flows)
    for domain in family | {PRIVATE_REPORTS}:
        assert shipped(domain)[0]["search"]["mode"] == "steps", domain


@pytest.mark.shared_data
def test_infotracer_clicks_then_waits_for_the_table(shared_data: Path) -> None:
    flow = search_flow(scan_actions(definitions(shared_data)["infotracer.com"]), translate_template)
    assert flow.url == (
        "https://members.infotracer.com/removeMyData?fname={first}&lname={last}&city={city}"
        "&state={state|upper}&multiple=1"
    )
    assert flow.steps == [
        {"action": "click", "selector": "#notrobl"},
        {"action": "expect", "selector": "//th[contains(text(), 'Report ID')]"},
    ]


@pytest.mark.shared_data
def test_truthrecord_questions_and_captcha(shared_data: Path) -> None:
    """The family's two questions and its captcha, each only when the page shows it; the age
    question as a choice on the age with the default after it."""
    flow = search_flow(
        scan_actions(definitions(shared_data)["truthrecord.org"]), translate_template
    )
    age = "//div[@data-key='comp.name-search.rule.question.reSearch.moreThanAge']"
    assert {"action": "fill", "selector": "#state", "value": "state"} in flow.steps
    yes = flow.steps.index(
        {
            "action": "click",
            "selector": "//button[contains(text(), 'Yes')]",
            "when": age,
            "when_value": "{age} >= 45",
        }
    )
    assert flow.steps[yes + 1] == {
        "action": "click",
        "selector": "//button[contains(text(), 'No')]",
        "when": age,
    }
    assert {"action": "captcha", "when": "#svg-captcha-rendering svg"} in flow.steps
    assert flow.steps[-1] == {"action": "click", "selector": ".result .more", "all": True}
    assert any("captcha" in note for note in flow.notes)


@pytest.mark.shared_data
def test_every_active_broker_is_automatic_or_says_why(shared_data: Path) -> None:
    """The issue's count: every active broker of the 2026-02 set with a scan is searched (a page
    fetch or steps), or its file's opening comment gives the reason it is manual."""
    automatic, manual = [], {}
    for domain, data in definitions(shared_data).items():
        if data.get("removedAt") or not scan_actions(data):
            continue
        broker, text = shipped(domain)
        if broker["search"]["mode"] in ("auto", "steps"):
            automatic.append(broker["id"])
            continue
        opening = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
        reason = re.search(r"Manual: (.+)", opening)
        assert reason and len(reason.group(1)) > 20, (broker["id"], opening)
        manual[broker["id"]] = reason.group(1)
    print(f"{len(automatic)} of {len(automatic) + len(manual)} automatic; manual: {manual}")
    assert len(automatic) + len(manual) == 39
    assert len(automatic) >= 35  # was 19 of these 39 before searches could be steps


def test_a_condition_and_a_choice_become_when_and_when_value() -> None:
    actions: list[dict[str, Any]] = [
        {"actionType": "navigate", "url": "https://x.example/s?f=${firstName}"},
        {
            "actionType": "condition",
            "expectations": [{"type": "element", "selector": "#q", "failSilently": True}],
            "actions": [
                {
                    "actionType": "click",
                    "choices": [
                        {
                            "condition": {"left": "${age}", "operation": "<", "right": "30"},
                            "elements": [{"type": "button", "selector": "#young"}],
                        }
                    ],
                    "default": {"elements": [{"type": "button", "selector": "#old"}]},
                }
            ],
        },
        {"actionType": "extract", "selector": ".card", "profile": {}},
    ]
    flow = search_flow(actions, translate_template)
    assert flow.url == "https://x.example/s?f={first}"
    assert flow.steps == [
        {"action": "click", "selector": "#young", "when": "#q", "when_value": "{age} < 30"},
        {"action": "click", "selector": "#old", "when": "#q"},
    ]
    assert flow.gaps == []


@pytest.mark.parametrize(
    ("action", "gap"),
    [
        ({"actionType": "emailConfirmation"}, "a emailConfirmation action"),
        (
            {"actionType": "fillForm", "elements": [{"type": "phone", "selector": "#p"}]},
            "a form field of a kind the profile does not hold",
        ),
        (
            {
                "actionType": "click",
                "choices": [
                    {
                        "condition": {"left": "${city}", "operation": "==", "right": "X"},
                        "elements": [{"selector": "#c"}],
                    }
                ],
            },
            "a choice on a condition it cannot say",
        ),
        (
            {
                "actionType": "condition",
                "expectations": [{"type": "element", "selector": ".one", "failSilently": True}],
                "actions": [{"actionType": "extract", "selector": ".single"}],
            },
            "a branch that reads another page layout",
        ),
    ],
)
def test_what_cannot_be_said_is_a_named_gap(action: dict[str, Any], gap: str) -> None:
    actions = [
        {"actionType": "navigate", "url": "https://x.example/landing"},
        action,
        {"actionType": "extract", "selector": ".card"},
    ]
    flow = search_flow(actions, translate_template)
    assert any(g.startswith(gap) for g in flow.gaps), flow.gaps


def test_a_flow_with_a_gap_stays_manual_with_the_gap_in_its_reason() -> None:
    data = {
        "name": "Gappy",
        "url": "gappy.example",
        "steps": [
            {
                "stepType": "scan",
                "actions": [
                    {"actionType": "navigate", "url": "https://gappy.example/landing"},
                    {"actionType": "fillForm", "elements": [{"type": "phone", "selector": "#p"}]},
                    {"actionType": "click", "elements": [{"selector": "#go"}]},
                    {
                        "actionType": "extract",
                        "selector": ".card",
                        "noResultsSelector": "#none",
                        "profile": {"name": {"selector": ".name"}},
                    },
                ],
            }
        ],
        "optOutUrl": "https://gappy.example/optout",
    }
    definition = importer.read_definition(data, "gappy.example")
    assert importer.automatic_recipe(definition) is None
    built = importer.build_one("gappy.example", definition, {}, {}, {}, "a set")
    assert built is not None
    assert built.data["search"] == {"mode": "manual", "url": "https://gappy.example/landing"}
    assert "cannot be played as written (a form field of a kind" in " ".join(built.header)


def test_waits_alone_stay_a_page_fetch() -> None:
    """A challenge wait before the cards is what the page fetch does already: no steps."""
    actions = [
        {"actionType": "navigate", "url": "https://x.example/${firstName}"},
        {"actionType": "expectation", "expectations": [{"type": "element", "selector": "#l"}]},
        {"actionType": "extract", "selector": ".card"},
    ]
    assert not needs_steps(actions)
