"""People outside the US and people with one name: a profile, a scan that says what it could not
search, and requests under the law of where they live."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.reach import US_ONLY, needs_last_name, us_only
from lowprofile.cli.main import app

runner = CliRunner()
REGISTRY = Path(__file__).parents[1] / "fixtures" / "registry" / "registry-sample.csv"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _hans(private_dirs: dict[str, Path]) -> dict:
    result = runner.invoke(app, ["init", "--name", "Hans Müller", "--city", "München",
                                 "--country", "DE", "--email", "hans@example.de"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "US-only people-search sites will not be searched" in _flat(result.stderr)
    return tomllib.loads((private_dirs["config"] / "profile.toml").read_text(encoding="utf-8"))


def test_a_person_in_germany_gets_a_profile_with_a_free_form_region(
    private_dirs: dict[str, Path],
) -> None:
    profile = _hans(private_dirs)
    assert profile["addresses"] == [{"current": True, "country": "DE", "city": "München"}]
    bavaria = runner.invoke(app, ["init", "--force", "--name", "Hans Muller", "--city", "Munich",
                                  "--state", "Bavaria", "--country", "de"])  # fmt: skip
    assert bavaria.exit_code == 0, bavaria.output
    again = tomllib.loads((private_dirs["config"] / "profile.toml").read_text(encoding="utf-8"))
    assert again["addresses"][0] | {"state": "Bavaria", "country": "DE"} == again["addresses"][0]


def test_a_region_without_a_country_is_still_checked_as_a_us_state() -> None:
    result = runner.invoke(app, ["init", "--name", "Hans Muller", "--state", "Bavaria"])
    assert result.exit_code == 2
    assert "give its country, e.g. --country DE" in _flat(result.stderr)
    assert "Traceback" not in result.output


def test_the_scan_names_every_us_only_site_it_did_not_search(
    private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    _hans(private_dirs)
    out = tmp_path / "scan.json"
    result = runner.invoke(app, ["scan", "--only", "brokers", "--no-save", "--json", str(out)])
    assert result.exit_code in (0, 3), result.output
    assert "US-only sites not searched" in _flat(result.stdout)
    results = json.loads(out.read_text())["results"]
    skipped = {r["source"] for r in results if r["detail"] == US_ONLY}
    shipped = load_brokers().brokers.values()
    assert skipped == {b.id for b in shipped if us_only(b)}
    assert {r["source"] for r in results if r["source"] not in skipped} - {None} <= {
        b.id for b in shipped if not us_only(b)
    }


def test_a_us_past_keeps_the_us_sites_searched_there(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(
        'names = ["Hans Muller"]\n'
        '[[addresses]]\ncity = "München"\ncountry = "DE"\n'
        '[[addresses]]\ncity = "Austin"\nstate = "TX"\ncurrent = false\n',
        encoding="utf-8",
    )
    out = tmp_path / "scan.json"
    result = runner.invoke(app, ["scan", "--profile", str(profile), "--only", "brokers",
                                 "--no-save", "--json", str(out)])  # fmt: skip
    assert result.exit_code in (0, 1, 3), result.output
    results = json.loads(out.read_text())["results"]
    assert not [r for r in results if r["detail"] == US_ONLY]
    searched = [r["target"] for r in results if r["source"] == "spokeo"]
    assert searched and all("TX" in t for t in searched)  # the US place only, never München


def test_drafts_and_registry_requests_use_gdpr(
    private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    _hans(private_dirs)
    out = tmp_path / "nuwber.eml"
    draft = runner.invoke(app, ["optout", "draft", "nuwber", "--by-email", "--out", str(out)])
    assert draft.exit_code == 0, draft.output
    assert "Article 17" in out.read_text()
    assert runner.invoke(app, ["registry", "update", str(REGISTRY)]).exit_code == 0
    preview = runner.invoke(app, ["optout", "requests", "--json", "--only", "brightline"])
    assert preview.exit_code == 0, preview.output
    [pending] = json.loads(preview.stdout)["pending"]
    assert "Article 17 GDPR" in pending["subject"]
    assert "- Country of residence: DE\n" in pending["body"]
    assert "München" not in pending["body"]


def test_one_name_is_kept_and_the_sites_that_need_two_are_named(
    private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["init", "--name", "Madonna", "--city", "Austin", "--state", "TX"])
    assert result.exit_code == 0, result.output
    need_two = [b for b in load_brokers().brokers.values() if needs_last_name(b)]
    assert need_two
    assert f"{len(need_two)} sites search by first and last name" in _flat(result.stderr)
    profile = tomllib.loads((private_dirs["config"] / "profile.toml").read_text(encoding="utf-8"))
    assert profile["names"] == [{"first": "Madonna", "kind": "primary"}]

    out = tmp_path / "scan.json"
    scan = runner.invoke(app, ["scan", "--only", "brokers", "--no-save", "--json", str(out)])
    assert scan.exit_code in (0, 1, 3), scan.output
    results = json.loads(out.read_text())["results"]
    said = {r["source"] for r in results if "need a last name" in r["detail"]}
    assert said == {b.id for b in need_two}
