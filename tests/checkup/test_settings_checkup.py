"""Issue 28: the settings checkup. `lowprofile settings` lists the guide's pages exactly, each
entry says what to set in a line per setting, every link has its source and date, and a check
recorded with `settings done` is due again after six months, in the scan's plan."""

from __future__ import annotations

import json
from datetime import date, timedelta

import respx
from typer.testing import CliRunner

from lowprofile.checkup.due import DUE_AFTER_DAYS, checkup_action, with_checkup
from lowprofile.checkup.entries import find_platform, platforms
from lowprofile.cli.main import app
from lowprofile.results import Action

runner = CliRunner()

GUIDE = {
    "x": ["twitter.com/settings/privacy_and_safety", "twitter.com/settings/location_information"],
    "instagram": ["help.instagram.com/811572406418223", "help.instagram.com/171821142968851"],
    "facebook": ["facebook.com/help/325807937506242/", "facebook.com/help/337244676357509"],
    "snapchat": [
        "help.snapchat.com/hc/en-gb/sections/5690164367636-Privacy-Settings",
        "help.snapchat.com/hc/en-us/articles/7012322854932-How-do-I-turn-on-Ghost-Mode",
    ],
    "tiktok": [
        "tiktok.com/safety/en/privacy-and-security-on-tiktok/",
        "support.tiktok.com/en/account-and-privacy/account-privacy-settings/"
        "location-services-on-tiktok",
    ],
}
"""The pages as the issue quotes the guide, character for character."""
SUBJECTS = (
    "Location tagging off",
    "Profile private",
    "Find me by email/phone off",
    "Past posts limited",
)
SCAN = ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--site", "411"]


def test_settings_lists_the_guides_links_exactly() -> None:
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for platform, pages in GUIDE.items():
        entry = find_platform(platform)
        assert [link.url for link in entry.links] == [f"https://{page}" for page in pages]
        for page in pages:
            assert f"  https://{page}" in lines
    assert "Settings > Apps > Instagram > Permissions > Location" in result.stdout
    for name in ("LinkedIn", "Phone location services (iOS, Android)"):
        assert any(line.startswith(name) for line in lines)


def test_every_entry_has_a_line_per_setting_and_every_link_a_source_and_date() -> None:
    assert [p.id for p in platforms()] == [*GUIDE, "linkedin", "phone"]
    for platform in platforms():
        assert [s.split(":")[0] for s in platform.settings] == list(SUBJECTS), platform.id
        for link in platform.links:
            assert link.source and date.fromisoformat(link.date)
            assert link.url.startswith("https://")
        guide = platform.id in GUIDE
        assert all(("guide" in link.source.split(",")[0]) == guide for link in platform.links)


def test_done_is_due_again_after_six_months() -> None:
    today = date(2026, 12, 6)
    fresh = checkup_action({"x": today - timedelta(days=DUE_AFTER_DAYS - 1)}, today)
    old = checkup_action({"x": today - timedelta(days=DUE_AFTER_DAYS)}, today)
    assert fresh is not None and "x" not in fresh.covers
    assert old is not None and "x" in old.covers
    everything = {p.id: today for p in platforms()}
    assert checkup_action(everything, today) is None


def test_the_checkup_is_ordered_with_the_rest_by_worth_per_minute() -> None:
    today = date(2026, 12, 6)
    cheap = Action(id="a", title="A", kind="optout", minutes=1, risk_points=100)
    poor = Action(id="b", title="B", kind="review", minutes=60, risk_points=0.1)
    last = Action(id="if-doxed", title="D", kind="emergency")
    general = checkup_action({}, today)
    assert general is not None
    plan = with_checkup([poor, general, cheap, last], {"x": today}, today)
    assert [a.id for a in plan] == ["a", "social-settings", "b", "if-doxed"]
    assert "x" not in plan[1].covers and len(plan[1].covers) == len(platforms()) - 1


def test_settings_done_then_a_scan_six_months_later_shows_x_due(
    no_network: respx.MockRouter,
) -> None:
    """`settings done x` today: the scan's plan leaves X out; recorded seven months ago (a
    `--date` in the past, as a scan six months later sees it): X is due again."""
    assert runner.invoke(app, ["init", *SCAN[1:7]]).exit_code == 0

    def checkup() -> dict:
        result = runner.invoke(app, ["scan", "--site", "411", "--json", "-", "--no-save"])
        plan = json.loads(result.stdout)["plan"]
        return next(a for a in plan if a["id"] == "social-settings")

    assert runner.invoke(app, ["settings", "done", "x"]).exit_code == 0
    task = checkup()
    assert "x" not in task["covers"] and "instagram" in task["covers"]
    assert any("X (Twitter) on " in step for step in task["steps"])  # not due yet, and when
    past = (date.today() - timedelta(days=7 * 31)).isoformat()
    assert runner.invoke(app, ["settings", "done", "twitter", "--date", past]).exit_code == 0
    task = checkup()
    assert task["covers"][0] == "x"
    assert any(step.startswith(f"X (Twitter) (last checked {past})") for step in task["steps"])
    assert any("twitter.com/settings/privacy_and_safety" in link["url"] for link in task["links"])
    listed = runner.invoke(app, ["settings"]).stdout
    assert f"X (Twitter) [x]: due again (last checked {past})" in listed


def test_settings_done_refuses_a_bad_platform_or_date() -> None:
    assert runner.invoke(app, ["init", *SCAN[1:7]]).exit_code == 0
    bad = runner.invoke(app, ["settings", "done", "myspace"])
    assert bad.exit_code == 2 and "known: x, instagram" in bad.output
    later = (date.today() + timedelta(days=2)).isoformat()
    assert runner.invoke(app, ["settings", "done", "x", "--date", later]).exit_code == 2
    assert runner.invoke(app, ["settings", "done", "x", "--date", "2026-02-30"]).exit_code == 2


def test_an_account_found_by_usernames_links_to_its_platforms_entry() -> None:
    """The sixteen settings pages written from memory are gone: an account on a checkup
    platform links to that entry's page, cited with source and date; any other account to its
    profile. Every account name the data gives is a site of the shipped WhatsMyName list."""
    from lowprofile.usernames.findings import account_remedy
    from lowprofile.usernames.sites import load_sites

    shipped = {site.name: site for site in load_sites(None, loopback=False).sites}
    for platform in platforms():
        assert set(platform.accounts) <= set(shipped), platform.id
    x = account_remedy(shipped["X"], "janedoe84")
    assert x.url == "https://twitter.com/settings/privacy_and_safety"
    assert "source: the personal security guide" in x.summary and "2026-12-06" in x.summary
    assert "`lowprofile settings`" in x.summary
    insta = account_remedy(shipped["Instagram"], "janedoe84")
    assert insta.url == "https://help.instagram.com/811572406418223"
    github = account_remedy(shipped["GitHub (User)"], "janedoe84")
    assert github.url == shipped["GitHub (User)"].profile_url("janedoe84")
