"""The action plan: opt-outs grouped by parent, ordered by risk per minute, the fixed steps."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "report"))
from sample import sample_report  # noqa: E402


def plan_of(state: str = "TX") -> list[dict]:
    return sample_report(state).extra["plan"]


def test_one_optout_per_parent_company() -> None:
    plan = plan_of()
    optouts = [a for a in plan if a["id"].startswith("optout:")]
    assert [a["id"] for a in optouts] == ["optout:Spokeo, Inc."]
    spokeo = optouts[0]
    assert spokeo["covers"] == ["peoplewin", "spokeo"]
    urls = [link["url"] for link in spokeo["links"]]
    assert (
        "https://www.spokeo.example/optout" in urls
        and "https://www.peoplewin.example/optout" in urls
    )
    assert spokeo["requires"] == ["email verification"] and spokeo["recheck_days"] == 45


def test_order_and_fixed_steps() -> None:
    plan = plan_of()
    ids = [a["id"] for a in plan]
    assert ids[-1] == "if-doxed"
    assert {"passwords", "photos", "hand-checks", "social-settings", "google-alerts"} <= set(ids)
    per_minute = [a["risk_points"] / max(1, a["minutes"]) for a in plan[:-1]]
    assert per_minute == sorted(per_minute, reverse=True)
    photos = next(a for a in plan if a["id"] == "photos")
    assert photos["command"] == "lowprofile photos strip /home/jane/Pictures/IMG_1.jpg"
    social = next(a for a in plan if a["id"] == "social-settings")
    assert len(social["links"]) == 5
    doxed = plan[-1]["steps"]
    assert any("screenshot" in s for s in doxed) and any("identity theft" in s for s in doxed)
    hand = next(a for a in plan if a["id"] == "hand-checks")
    assert "https://www.intelius.com/" in [link["url"] for link in hand["links"]]


def test_california_residents_get_drop() -> None:
    assert "california-drop" not in [a["id"] for a in plan_of("TX")]
    drop = next(a for a in plan_of("CA") if a["id"] == "california-drop")
    assert any("registered data brokers only" in s for s in drop["steps"])
