"""The issue's proof: two profiles over a local people-search site. John's listing names Jane
as a relative and shows their shared address, so the household report shows it under "links
to you" with John's opt-out; his listing naming a Jane Doe of Denver is not a link; each
person's scan, ledger and evidence stay theirs; and one clock spaces everyone's searches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from householdsite import HouseholdSite, write_profiles
from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()


def household(tmp_path: Path, *flags: str) -> tuple[Path, Path]:
    """Jane (the user, by her own profile) with John added to her household."""
    you, member = write_profiles(tmp_path / "profiles")
    added = runner.invoke(app, ["household", "add", "John", "--profile", str(member)])
    assert added.exit_code == 0, added.output
    return you, member


def scan(you: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(
        app,
        ["scan", "--profile", str(you), "--household", "--only", "brokers", "--json", "-", *flags],
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def ledger(profile: Path) -> list[dict[str, Any]]:
    status = runner.invoke(app, ["optout", "status", "--json", "--profile", str(profile)])
    assert status.exit_code == 0, status.output
    rows: list[dict[str, Any]] = json.loads(status.stdout)
    return rows


def test_a_members_listing_naming_you_is_a_link_with_the_members_optout(
    site: HouseholdSite, tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    you, member = household(tmp_path)
    html = tmp_path / "household.html"
    _, report = scan(you, "--html", str(html))

    links = report["links_to_you"]
    assert [(link["member"], link["broker"]) for link in links] == [("John", "people")]
    link = links[0]
    assert link["where"] == f"{site.base}/person/john-doe-people"
    assert any(why.startswith("names you as a relative (Jane Doe") for why in link["why"])
    assert "shows your current address (12 Elm Street, Austin, TX 78701)" in link["why"]
    optout = link["optout"]
    assert optout["for"] == "John"
    assert optout["url"] == "https://people.example/optout"
    assert optout["commands"] == [f"lowprofile optout done people --profile {member.resolve()}"]
    assert optout["plan_task"] == "optout:Local people"
    # the opt-out is planned for John, the one listed: in his plan, not in Jane's
    john = report["members"][0]
    assert john["name"] == "John"
    assert any("people" in task["covers"] for task in john["report"]["plan"])
    jane = report["you"]["report"]
    assert not any("people" in task.get("covers", []) for task in jane["plan"])
    assert not any(r["findings"] for r in jane["results"])  # Jane is not listed herself
    # the Denver namesake on /kin: John's listing there is his finding, not a link to Jane
    kin = [r for r in john["report"]["results"] if r.get("source") == "kin"]
    assert kin[0]["status"] == "found"

    page = html.read_text("utf-8")
    links_part = page.split('id="links-to-you"')[1].split("</section>")[0]
    assert "john-doe-people" in links_part
    assert "https://people.example/optout" in links_part
    assert "john-doe-kin" not in links_part
    assert html.stat().st_mode & 0o777 == 0o600

    shown = runner.invoke(
        app,
        ["scan", "--profile", str(you), "--household", "--only", "brokers"],
        env={"COLUMNS": "250"},
    )
    text = " ".join(shown.stdout.split())
    assert "links to you" in text
    assert "John: Local people lists" in text
    assert f"lowprofile optout done people --profile {member.resolve()}" in text


def test_each_persons_scans_and_ledger_stay_theirs(
    site: HouseholdSite, tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    you, member = household(tmp_path)
    _, first = scan(you)
    assert first["members"][0]["person"] != first["you"]["person"]

    # John makes the request the link plans for him; Jane records one of her own elsewhere
    for profile, broker in ((member, "people"), (you, "kin")):
        done = runner.invoke(app, ["optout", "done", broker, "--profile", str(profile)])
        assert done.exit_code == 0, done.output
    assert [row["broker"] for row in ledger(member)] == ["people"]
    assert [row["broker"] for row in ledger(you)] == ["kin"]

    _, second = scan(you)
    assert [e["broker"] for e in second["members"][0]["report"]["ledger"]] == ["people"]
    assert [e["broker"] for e in second["you"]["report"]["ledger"]] == ["kin"]
    assert second["links_to_you"][0]["optout"]["states"] == ["awaiting_removal"]

    # each scan went to its person's history, and its evidence to that scan's folder
    johns = [first["members"][0]["scan_id"], second["members"][0]["scan_id"]]
    janes = [first["you"]["scan_id"], second["you"]["scan_id"]]
    for profile, own in ((member, johns), (you, janes)):
        listed = runner.invoke(app, ["history", "list", "--json", "--profile", str(profile)])
        assert sorted(row["id"] for row in json.loads(listed.stdout)) == sorted(own)
    john_scan = second["members"][0]["scan_id"]
    kept = private_dirs["data"] / "evidence" / str(john_scan) / "people"
    assert "John Doe" in (kept / "page-1.html").read_text("utf-8")
    assert not (private_dirs["data"] / "evidence" / str(second["you"]["scan_id"])).exists()


@pytest.mark.parametrize("interval", [1.5])
def test_one_clock_spaces_everyones_searches_of_a_host(
    site: HouseholdSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interval: float
) -> None:
    monkeypatch.setenv("LOWPROFILE_HOST_INTERVAL", str(interval))
    you, _ = household(tmp_path)
    scan(you, "--no-save")

    searched = sorted(site.searches)
    assert {name for _, _, name in searched} == {"Jane-Doe", "John-Doe"}
    assert len(searched) == 4  # two people on two sites of one host
    gaps = [b[0] - a[0] for a, b in zip(searched, searched[1:], strict=False)]
    # the clock stamps a turn as the request leaves; its arrival may lag on a loaded machine.
    # One clock per person would send them together (gaps of a few milliseconds).
    assert min(gaps) >= interval * 0.5, f"searches of one host {gaps} apart"


def test_an_output_that_cannot_be_written_is_one_line_and_spares_the_other(
    site: HouseholdSite,
    tmp_path: Path,
    private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The household JSON failing as it is written (a full disk): one line naming it, exit 3,
    and the HTML still written (each person's own history was saved before either)."""
    import errno

    from lowprofile.household import render

    def full_disk(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render, "write_json", full_disk)
    you, _ = household(tmp_path)
    html = tmp_path / "household.html"
    target = tmp_path / "household.json"
    result = runner.invoke(
        app,
        [
            "scan", "--profile", str(you), "--household", "--only", "brokers",
            "--json", str(target), "--html", str(html), "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    said = " ".join(result.stderr.split())
    assert f"could not write household JSON report {target}: No space left on device" in said
    assert html.exists() and not target.exists()
