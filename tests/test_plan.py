"""The action plan: opt-outs grouped by parent, ordered by risk per minute, the fixed steps."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from helpers.sample import listing, photo, sample_report, sample_results
from lowprofile.plan import (
    CALIFORNIA_DROP,
    assess_report,
    build_plan,
    lives_in_california,
    strip_command,
)
from lowprofile.results import CheckResult, Finding, Remedy, ScanReport, Severity, Status


def plan_of(state: str = "TX") -> list[dict[str, Any]]:
    return sample_report(state).to_dict()["plan"]


def by_id(plan: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    return next(a for a in plan if a["id"] == action_id)


def found(*findings: Finding, checker: str = "brokers") -> CheckResult:
    return CheckResult(checker, "t", Status.FOUND, findings=findings)


def test_one_optout_per_parent_company() -> None:
    plan = plan_of()
    optouts = [a for a in plan if a["id"].startswith("optout:")]
    assert sorted(a["id"] for a in optouts) == ["optout:ClustrMaps", "optout:Spokeo, Inc."]
    spokeo = by_id(plan, "optout:Spokeo, Inc.")
    assert spokeo["title"] == "Opt out of Spokeo, Inc. (2 sites)"
    assert spokeo["covers"] == ["peoplewin", "spokeo"]  # the ids `optout done` takes
    urls = [link["url"] for link in spokeo["links"]]
    assert urls.count("https://www.spokeo.example/optout") == 1
    assert "https://www.peoplewin.example/jane-doe/p1" in urls  # the form asks for the listing
    assert spokeo["requires"] == ["email verification", "listing URL"]
    assert spokeo["method"] == "web form" and spokeo["recheck_days"] == 45
    assert spokeo["minutes"] == 5  # one opt-out page for both sites
    steps = " ".join(spokeo["steps"])
    assert "One request on this page covers all 2 sites" in steps
    assert "lowprofile optout done peoplewin spokeo" in steps
    assert "re-check in 45 days" in steps


def test_partial_matches_are_flagged_before_opting_out() -> None:
    clustr = by_id(plan_of(), "optout:ClustrMaps")
    assert any("only partly match" in s for s in clustr["steps"])
    spokeo = by_id(plan_of(), "optout:Spokeo, Inc.")
    assert not any("partly" in s for s in spokeo["steps"])


def test_order_is_risk_removed_per_minute_and_doxed_steps_last() -> None:
    plan = plan_of()
    ids = [a["id"] for a in plan]
    assert ids[-1] == "if-doxed"
    assert {"photos", "hand-checks", "social-settings", "google-alerts", "pastes"} <= set(ids)
    per_minute = [a["risk_points"] / max(1, a["minutes"]) for a in plan[:-1]]
    assert per_minute == sorted(per_minute, reverse=True)
    assert all(a["risk_points"] >= 0 for a in plan)


def test_risk_removed_counts_broken_combinations() -> None:
    """Removing the only address breaks address+phone: the opt-out is worth more than its
    listings' own points."""
    address = listing("a", "A", ("name", "address"), Severity.HIGH, confidence=1.0)
    phone = listing("b", "B", ("name", "phone"), Severity.HIGH, confidence=1.0)
    plan = build_plan([found(address), found(phone)], california=False)
    optout_a = next(a for a in plan if a.id == "optout:A")
    assert optout_a.risk_points == pytest.approx(18 + 20)
    # A second address listing elsewhere: removing one no longer breaks the combination.
    other = listing("c", "C", ("name", "address"), Severity.HIGH, confidence=1.0)
    plan = build_plan([found(address), found(phone), found(other)], california=False)
    assert next(a for a in plan if a.id == "optout:A").risk_points == pytest.approx(18)


def test_breached_accounts_with_passwords_one_task_each() -> None:
    plan = plan_of()
    adobe = by_id(plan, "breach:Adobe")
    assert adobe["title"] == "Adobe: change your password and turn on MFA"
    assert adobe["kind"] == "change_password"
    assert any("password manager" in s for s in adobe["steps"])
    assert any("multi-factor" in s for s in adobe["steps"])
    assert adobe["links"] == [{"label": "Adobe: sign in", "url": "https://adobe.example/"}]
    mfa = by_id(plan, "breaches:mfa")  # breaches without a password share one task
    assert mfa["title"] == "Turn on MFA on 1 breached account that leaked no password"
    assert mfa["kind"] == "enable_mfa" and mfa["covers"] == ["Canva"]
    assert "Canva: it leaked Email addresses, Names." in mfa["steps"]


def test_photos_to_strip_with_the_exact_command() -> None:
    photos = by_id(plan_of(), "photos")
    paths = ["/home/jane/Pictures/IMG_1.jpg", "/home/jane/Pictures/trip 2.jpg"]
    assert photos["covers"] == paths
    assert photos["command"] == "lowprofile photos strip --in-place " + " ".join(
        map(shlex.quote, paths)
    )
    assert shlex.split(photos["command"])[4:] == paths
    assert any("originals with their location are not kept" in s for s in photos["steps"])


def test_strip_command_quotes_and_falls_back_to_folders() -> None:
    nasty = "/tmp/a b/$(rm -rf ~);x.jpg"
    assert shlex.split(strip_command([nasty]))[3:] == ["--in-place", nasty]
    many = [f"/p/{i // 30}/IMG_{i}.jpg" for i in range(90)]
    assert shlex.split(strip_command(many))[4:] == ["/p/0", "/p/1", "/p/2"]
    identity = Finding(
        kind="photo_identity",
        title="3 photos carry camera serials",
        where="/p/0",
        exposed=("camera_serial",),
        severity=Severity.LOW,
        remedy=Remedy(action="strip", summary="Strip", command="lowprofile photos strip ..."),
        evidence={"photos": many[:3], "count": 3},
    )
    plan = build_plan([found(identity, checker="photos")], california=False)
    assert next(a for a in plan if a.id == "photos").covers == many[:3]


def test_fixed_steps() -> None:
    plan = plan_of()
    social = by_id(plan, "social-settings")
    names = list(dict.fromkeys(link["label"].split(":")[0] for link in social["links"]))
    assert names[:5] == ["X (Twitter)", "Instagram", "Facebook", "Snapchat", "TikTok"]
    assert all("source: " in link["label"] for link in social["links"])  # issue 28
    assert all(link["url"].startswith("https://") for link in social["links"])
    assert any("location" in s.lower() for s in social["steps"])
    alerts = by_id(plan, "google-alerts")
    assert alerts["links"][0]["url"] == "https://www.google.com/alerts"
    doxed = " ".join(plan[-1]["steps"])
    for words in ("Report", "screenshots", "exploited", "remove", "privacy settings", "identity"):
        assert words in doxed
    hand = by_id(plan, "hand-checks")
    assert hand["title"] == "Search 1 site by hand (no automated search)"
    assert [link["url"] for link in hand["links"]] == ["https://www.intelius.com/"]
    retry = by_id(plan, "retry-checks")
    assert retry["title"] == "1 site could not be read this time: check again"
    assert retry["links"] == [
        {
            "label": "truepeoplesearch: blocked",
            "url": "https://www.truepeoplesearch.com/results?name=J",
        }
    ]
    assert by_id(plan, "pastes")["links"][0]["url"] == "https://pastebin.com/Ab12Cd34"


def test_unknown_kinds_become_tasks_from_their_remedy() -> None:
    task = by_id(plan_of(), "settings:social_profile:https://social.example/janedoe")
    assert task["title"] == "Hide your employer and street on social.example"
    assert task["links"][0]["url"] == "https://social.example/settings/privacy"
    assert task["minutes"] == 4 and task["risk_points"] > 0
    bare = Finding(kind="odd", title="An odd thing", where="odd://x", severity=Severity.LOW)
    plan = build_plan([found(bare, checker="odd")], california=False)
    review = next(a for a in plan if a.id.startswith("review:"))
    assert review.title == "Review: An odd thing" and review.links == []


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"residence": ["US-CA"]}, True),
        ({"residence": ["US-TX"]}, False),
        ({"residence": ["US-NY"], "locations": ["N** Y***, NY", "F*****, CA"]}, False),
        ({"residence": ["DE"]}, False),
        ({"residence": []}, None),
        # A report from before "residence": its locations mix current and former places.
        ({"locations": ["A*****, TX", "O*****, CA"]}, None),
    ],
)
def test_california_from_where_the_person_lives_now(
    summary: dict[str, Any], expected: bool | None
) -> None:
    assert lives_in_california(summary) is expected


def test_california_residents_get_drop() -> None:
    assert "california-drop" not in [a["id"] for a in plan_of("TX")]
    drop = by_id(plan_of("CA"), "california-drop")
    assert drop["title"].startswith("California:")
    assert drop["links"] == [{"label": "California DROP", "url": CALIFORNIA_DROP}]
    text = " ".join(drop["steps"])
    assert "1 January 2026" in text and "1 August 2026" in text and "45 days" in text
    assert "registered data brokers only" in text and "unregistered people-search" in text


def test_drop_is_offered_conditionally_when_the_state_is_unknown() -> None:
    plan = build_plan(sample_results(), california=None)
    drop = next(a for a in plan if a.id == "california-drop")
    assert drop.title.startswith("If you live in California")


def test_risk_and_plan_round_trip_through_json() -> None:
    report = sample_report()
    again = ScanReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.risk == report.risk
    assert again.plan == report.plan
    assess_report(again)  # recomputing from the results gives the same sections
    assert again.to_dict() == json.loads(json.dumps(report.to_dict()))


def test_empty_scan_still_has_a_plan() -> None:
    plan = build_plan([], california=False)
    assert sorted(a.id for a in plan[:-1]) == ["google-alerts", "social-settings"]
    assert plan[-1].id == "if-doxed"


def test_photo_plan_for_a_single_photo() -> None:
    plan = build_plan([found(photo("/x/y.jpg", Severity.HIGH), checker="photos")], False)
    assert next(a for a in plan if a.id == "photos").command == (
        "lowprofile photos strip --in-place /x/y.jpg"
    )


def test_sites_with_opt_out_steps_get_the_run_command_and_the_rest_optout_done() -> None:
    from dataclasses import replace

    from lowprofile.brokers.loader import load_brokers
    from lowprofile.checkers.brokers import optout_remedy

    shipped = load_brokers().brokers
    assert shipped["spokeo"].optout.steps and not shipped["peoplewin"].optout.steps
    spokeo, peoplewin = (
        replace(
            listing(name, "Spokeo, Inc.", ("name", "address"), Severity.HIGH),
            remedy=replace(optout_remedy(shipped[name]), group="Spokeo, Inc."),
        )
        for name in ("spokeo", "peoplewin")
    )
    [action] = [a for a in build_plan([found(spokeo, peoplewin)], False) if a.kind == "optout"]
    assert action.command == "lowprofile optout run --show-browser spokeo"
    steps = " ".join(action.steps)
    assert "lowprofile can do this for you" in steps
    assert "`lowprofile optout done peoplewin`" in steps  # only the one done by hand
    by_hand = build_plan([found(peoplewin)], False)
    assert all(a.command is None for a in by_hand if a.kind == "optout")
