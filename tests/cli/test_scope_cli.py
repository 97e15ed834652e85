"""Issue 25: a scan that did not cover the person says so first and gives no overall grade,
and a default scan fits one screen (60 lines) whatever the profile (network refused, as the
suite always runs)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCREEN = 60
GRADES = ("LOW RISK", "MODERATE RISK", "ELEVATED RISK", "HIGH RISK", "SEVERE RISK", "/100")
PROFILE = """
schema_version = 1
birth_year = 1984
usernames = ["janedoe84"]
emails = ["jane@example.com"]
names = [
  { first = "Jane", middle = "Q", last = "Doe", kind = "primary" },
  { first = "Janie", last = "Doe", kind = "alias" },
  { first = "Jane", last = "Smith", kind = "former" },
]
addresses = [
  { city = "Austin", state = "TX", current = true },
  { city = "Dallas", state = "TX", current = false },
  { city = "Houston", state = "TX", current = false },
]
"""


@pytest.fixture
def offline(no_network: respx.MockRouter) -> respx.MockRouter:
    """Every request fails as it does with no connection."""
    no_network.route().mock(side_effect=httpx.ConnectError("no network"))
    return no_network


def _no_grade(stdout: str) -> None:
    assert not any(grade in stdout for grade in GRADES), stdout
    assert "no overall grade" in stdout.lower()


def _json_of(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--json", "-", "--no-save"])
    report = json.loads(result.stdout)
    assert report["risk"]["incomplete"] is True and report["risk"]["caveat"]
    assert report["coverage"]["complete"] is False
    return report


def test_a_photo_folder_alone_gets_no_grade(tmp_path: Path, offline: respx.MockRouter) -> None:
    folder = tmp_path / "Pictures"
    folder.mkdir()
    result = runner.invoke(app, ["scan", "--photos", str(folder), "--no-save"])
    first = result.stdout.splitlines()[0]
    assert first.startswith("This scan did not cover you: People-search: not checked"), first
    _no_grade(result.stdout)
    assert "Photos: 0 of 0 photos reveal a location" in result.stdout  # the kind's own result
    report = _json_of(["scan", "--photos", str(folder)])
    states = {k["kind"]: k["state"] for k in report["coverage"]["kinds"]}
    assert states == {"people-search": "no_name", "photos": "checked"}


def test_only_photos_says_what_was_left_out(tmp_path: Path, offline: respx.MockRouter) -> None:
    folder = tmp_path / "Pictures"
    folder.mkdir()
    args = ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX"]
    args += ["--email", "jane@example.com", "--photos", str(folder), "--only", "photos"]
    result = runner.invoke(app, [*args, "--no-save"])
    first = result.stdout.splitlines()[0]
    assert "People-search: not checked (left out" in first
    assert "Breaches: not checked (left out" in " ".join(result.stdout.split())
    _no_grade(result.stdout)
    report = _json_of(args)
    assert "People-search" in report["risk"]["caveat"] and "Breaches" in report["risk"]["caveat"]


def test_only_breaches_is_a_kind_and_gets_no_grade(no_network: respx.MockRouter) -> None:
    answer = (FIXTURES / "breaches" / "xon_check_email_not_found_404.json").read_bytes()
    no_network.route(host="api.xposedornot.com").respond(404, content=answer)
    args = ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX"]
    args += ["--email", "jane@example.com", "--only", "breaches"]
    result = runner.invoke(app, [*args, "--no-save"])
    assert result.exit_code == 0, result.output
    assert "People-search: not checked (left out" in result.stdout.splitlines()[0]
    _no_grade(result.stdout)
    report = _json_of(args)
    assert {k["kind"]: k["state"] for k in report["coverage"]["kinds"]} == {
        "people-search": "left_out",
        "breaches": "checked",
    }


def test_the_readme_offline_scan_fits_one_screen(offline: respx.MockRouter) -> None:
    args = ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--no-save"]
    result = runner.invoke(app, args)
    assert result.exit_code == 3
    assert len(result.stdout.splitlines()) <= SCREEN, result.stdout


def test_a_wide_profile_with_a_username_fits_one_screen(
    tmp_path: Path, offline: respx.MockRouter
) -> None:
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    result = runner.invoke(app, ["scan", "--profile", str(profile), "--no-save"])
    lines = result.stdout.splitlines()
    assert len(lines) <= SCREEN, result.stdout
    text = " ".join(result.stdout.split())
    # The 700 username sites that could not be read are one counted line, named nowhere.
    assert "username sites" in text and "Discord" not in text
    # Counted per site: the header's "to check by hand" is the plan's "Search N sites".
    by_hand = text.split(" sites to check by hand")[0].rsplit("; ", 1)[-1]
    assert f"Search {by_hand} sites by hand" in text


def _sites_file(tmp_path: Path) -> Path:
    """Three WhatsMyName-style sites: a social one, a dating one, one that cannot be read."""
    from fixtures.usernames.standin import LICENSE

    def site(name: str, host: str, cat: str) -> dict[str, object]:
        return {
            "name": name,
            "uri_check": f"https://{host}/u/{{account}}",
            "e_code": 200,
            "e_string": "class='profile'",
            "m_code": 404,
            "m_string": "No such user",
            "known": ["knownuser"],
            "cat": cat,
        }

    sites = [
        site("Friendly", "social.example", "social"),
        site("Lovely", "dating.example", "dating"),
        site("Gone", "gone.example", "social"),
    ]
    data = {"license": LICENSE, "authors": ["test"], "categories": ["social", "dating"]}
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(data | {"sites": sites}), encoding="utf-8")
    return path


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/janedoe84"):
        return httpx.Response(200, text="<div class='profile'>Jane</div>")
    return httpx.Response(404, text="No such user")


def test_usernames_check_shows_accounts_not_advice(
    tmp_path: Path, no_network: respx.MockRouter
) -> None:
    no_network.route(host="social.example").mock(side_effect=_answer)
    no_network.route(host="dating.example").mock(side_effect=_answer)
    no_network.route(host="gone.example").mock(side_effect=httpx.ConnectError("refused"))
    args = ["usernames", "check", "janedoe84", "--sites", str(_sites_file(tmp_path))]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # accounts found
    text = " ".join(result.stdout.split())
    assert "2 accounts found" in text and "https://social.example/u/janedoe84" in text
    assert "Lovely" in text and "dating.example/u/janedoe84" not in text  # not unless asked
    assert "1 site could not be read" in text and "gone.example" not in text
    for advice in ("doxing risk", "DROP", "registered data brokers", "Google Alert", "[ ]"):
        assert advice not in text
    assert len(result.stdout.splitlines()) <= SCREEN
    shown = runner.invoke(app, [*args, "--show-sensitive"])
    assert "https://dating.example/u/janedoe84" in " ".join(shown.stdout.split())
    plan = {a["id"] for a in json.loads(runner.invoke(app, [*args, "--json"]).stdout)["plan"]}
    assert not plan & {"california-drop", "registry-requests", "google-alerts"}
