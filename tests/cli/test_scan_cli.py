"""`lowprofile scan`, `init` and `checkers` as a user runs them."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()
SUBJECT = ["--name", "Jane Q Doe", "--city", "Austin", "--state", "TX"]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("scan", "init", "checkers", "config"):
        assert command in result.stdout


def test_scan_json_to_stdout_is_pure_json(plugins: None) -> None:
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "fake", "--json", "-"])
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"schema_version", "subject", "started", "finished", "results"}
    assert report["subject"]["names"] == ["J*** Q D**"]
    first = report["results"][0]
    assert set(first) >= {"checker", "target", "status", "findings", "detail"}
    assert first["status"] == "found"
    assert "doxing risk" in result.stderr  # the summary went to stderr


def test_offline_scan_never_says_not_found(plugins: None, no_network: respx.MockRouter) -> None:
    no_network.route(host="people.example").mock(side_effect=httpx.ConnectError("no network"))
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "netcheck", "--json", "-"])
    report = json.loads(result.stdout)
    statuses = {r["status"] for r in report["results"]}
    assert statuses == {"error"}
    assert result.exit_code == 3


def test_not_found_only_on_a_real_answer(plugins: None, no_network: respx.MockRouter) -> None:
    no_network.route(host="people.example").respond(200, text="<p>No results</p>")
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "netcheck", "--json", "-"])
    assert [r["status"] for r in json.loads(result.stdout)["results"]] == ["not_found"]
    assert result.exit_code == 0


def test_json_file_is_private(plugins: None, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "fake", "--json", str(out)])
    assert result.exit_code == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["results"]


def test_verbose_logs_are_masked(plugins: None, no_network: respx.MockRouter) -> None:
    no_network.route(host="people.example").respond(200, text="No results")
    result = runner.invoke(
        app, ["scan", *SUBJECT, "--only", "netcheck", "--verbose", "--json", "-"]
    )
    assert "people.example" in result.stderr  # the request was logged...
    for secret in ("Jane", "Doe", "Austin"):
        assert secret not in result.stderr  # ...with the name masked
    assert "J***" in result.stderr


def test_unknown_checker_is_a_usage_error(plugins: None) -> None:
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "nope"])
    assert result.exit_code == 2
    assert "unknown checker" in result.stderr


def test_no_subject_points_at_init() -> None:
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2
    assert "lowprofile init" in result.stderr


def test_bad_profile_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("names = [")
    result = runner.invoke(app, ["scan", "--profile", str(bad)])
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_init_from_flags_writes_a_private_profile(private_dirs: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["init", *SUBJECT, "--name", "Jane Smith", "--birth-year", "1984", "-e", "j@example.com"],
    )
    assert result.exit_code == 0, result.stderr
    path = private_dirs["config"] / "profile.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = tomllib.loads(path.read_text())
    assert data["names"][0] == {"first": "Jane", "middle": "Q", "last": "Doe", "kind": "primary"}
    assert data["names"][1]["kind"] == "alias"
    assert data["birth_year"] == 1984
    again = runner.invoke(app, ["init", *SUBJECT])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_init_interactive_then_scan_uses_it(plugins: None, private_dirs: dict[str, Path]) -> None:
    answers = "\n".join(
        [
            "Jane Q Doe",  # name
            "Janie Doe",  # aliases
            "Jane Smith",  # former
            "1984",
            "",  # country: the US
            "Austin",
            "TX",
            "78701",
            "Dallas/TX",
            "512-555-0142",
            "jane@example.com",
            "janedoe84",
            "",
        ]
    )
    result = runner.invoke(app, ["init"], input=answers + "\n")
    assert result.exit_code == 0, result.stdout + result.stderr
    data = tomllib.loads((private_dirs["config"] / "profile.toml").read_text())
    assert [n["kind"] for n in data["names"]] == ["primary", "alias", "former"]
    assert data["addresses"][1] == {
        "current": False,
        "country": "US",
        "city": "Dallas",
        "state": "TX",
    }
    scan = runner.invoke(app, ["scan", "--only", "fake", "--json", "-"])
    assert len(json.loads(scan.stdout)["results"]) == 3


def test_checkers_lists_readiness(plugins: None) -> None:
    result = runner.invoke(app, ["checkers", "--json"])
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert rows["fake"]["status"] == "ready"
    assert rows["nokey"]["status"] == "skipped" and rows["nokey"]["reason"] == "no API key"
    assert rows["missing"]["status"] == "error"


@pytest.mark.parametrize("args", [["scan", "--help"], ["init", "--help"], ["config", "--help"]])
def test_subcommand_help(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 0


def test_an_unknown_site_is_a_usage_error_before_anything_is_searched(
    no_network: respx.MockRouter,
) -> None:
    result = runner.invoke(
        app, ["scan", "--name", "Jane Doe", "--site", "spokeo", "--site", "nosuchsite", "--no-save"]
    )
    assert result.exit_code == 2
    assert "--site: unknown broker(s) nosuchsite" in result.output
    assert not no_network.calls  # refused before any request
