"""The shipped opt-out steps say what DuckDuckGo's public 2026-02 definitions say about each
form: the same page, the same fields for the same values, the same confirmation texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lowprofile.brokers.loader import load_brokers

DDG_VALUES = {"fullName": "full_name", "email": "email", "profileUrl": "listing_url"}


@pytest.mark.shared_data
def test_every_shipped_step_matches_the_public_definition(shared_data: Path) -> None:
    folder = shared_data / "ddg-brokers-2026-02"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    with_steps = [b for b in load_brokers().brokers.values() if b.optout.steps]
    assert len(with_steps) >= 10
    for broker in with_steps:
        definition = json.loads((folder / f"{broker.domain}.json").read_text("utf-8"))
        [optout] = [s for s in definition["steps"] if s.get("stepType") == "optOut"]
        actions = optout["actions"]
        steps = broker.optout.steps
        [navigate] = [s.url for s in steps if s.action == "navigate"]
        assert navigate == actions[0]["url"], broker.id
        fills = [s for s in steps if s.action == "fill"]
        ddg_fills = [
            (e["selector"].lstrip("."), DDG_VALUES[e["type"]])
            for a in actions
            if a["actionType"] == "fillForm"
            for e in a["elements"]
        ]
        assert [s.value for s in fills] == [value for _, value in ddg_fills], broker.id
        for step, (selector, _) in zip(fills, ddg_fills, strict=True):
            assert step.selector.endswith(selector), (broker.id, step.selector, selector)
        texts = [s.text for s in steps if s.action == "expect" and s.text]
        ddg_texts = [
            e["expect"]
            for a in actions
            if a["actionType"] == "expectation"
            for e in a["expectations"]
            if e.get("type") == "text"
        ]
        assert texts == ddg_texts, broker.id
        assert [s.action for s in steps].count("email_confirmation") == [
            a["actionType"] for a in actions
        ].count("emailConfirmation"), broker.id
