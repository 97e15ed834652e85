"""The plan tasks: registered brokers not yet asked, and web-form-only brokers."""

from __future__ import annotations

import pytest

from lowprofile.plan import DROP_POINTS
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.tasks import not_yet_asked, requests_action, web_form_action

ENTRIES = [
    RegistryEntry(id="a", name="A", emails=("p@a.example",)),
    RegistryEntry(id="a2", name="A Two", emails=("P@a.example",)),
    RegistryEntry(id="b", name="B", emails=("p@b.example",)),
    RegistryEntry(id="c", name="C", emails=("p@c.example",)),
    RegistryEntry(id="d", name="D", optout_url="https://d.example/form"),
]


def test_open_task_counts_addresses_not_asked_and_scales_its_worth() -> None:
    action = requests_action(ENTRIES, {"p@a.example"}, california=False)
    assert action is not None
    assert action.title == "Ask 2 registered data brokers to delete your data"
    assert action.covers == ["p@b.example", "p@c.example"]
    assert action.risk_points == pytest.approx(DROP_POINTS * 2 / 3)
    assert action.command == "lowprofile optout requests --send"
    assert not any("DROP" in step for step in action.steps)
    assert not_yet_asked(ENTRIES, {"p@a.example"}) == ["p@b.example", "p@c.example"]


def test_california_task_points_to_drop_first() -> None:
    action = requests_action(ENTRIES, set(), california=True)
    assert action is not None
    assert "DROP" in action.steps[0]
    assert action.links[0]["url"].startswith("https://privacy.ca.gov/drop")


def test_no_task_when_everyone_was_asked() -> None:
    asked = {"p@a.example", "p@b.example", "p@c.example"}
    assert requests_action(ENTRIES, asked, california=None) is None


def test_web_forms_go_to_the_plan_with_their_links() -> None:
    action = web_form_action(ENTRIES)
    assert action is not None
    assert action.links == [{"label": "D", "url": "https://d.example/form"}]
    assert action.covers == ["d"]
    assert web_form_action(ENTRIES[:3]) is None
