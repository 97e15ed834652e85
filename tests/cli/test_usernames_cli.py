"""``lowprofile usernames`` against loopback stand-ins of WhatsMyName sites, as a user runs it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from typer.testing import CliRunner

from fixtures.usernames.standin import ACCOUNT, StandIn, expected, standin_sites
from lowprofile.cli.main import app

runner = CliRunner()


@pytest.fixture
def standin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> Iterator[StandIn]:
    """100 stand-in sites (every kind, two rotten) on 50 loopback addresses."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    no_network.route(host__regex=r"^127\.0\.0\.\d+$").pass_through()
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:  # macOS routes only 127.0.0.1 unless aliases are added
        pytest.skip(f"cannot listen on 127.0.0.2 for the stand-in sites: {exc}")
    with standin_sites(100, tmp_path) as running:
        yield running


def test_check_gets_every_site_right(standin: StandIn) -> None:
    result = runner.invoke(
        app, ["usernames", "check", ACCOUNT, "--sites", str(standin.path), "--json"]
    )
    assert result.exit_code == 1, result.output  # accounts found
    report = json.loads(result.stdout)
    by_site = {r["source"]: r for r in report["results"]}
    assert set(by_site) == {s["name"] for s in standin.sites}
    wrong = {
        s["name"]: by_site[s["name"]]["status"]
        for s in standin.sites
        if by_site[s["name"]]["status"] != expected(s, ACCOUNT)
    }
    assert not wrong
    for site in standin.sites:
        answer = by_site[site["name"]]
        kind = site["name"].rsplit("-", 1)[-1]
        if kind in ("anyone", "rotten", "wall", "captcha"):
            assert not answer["findings"] and answer["url"], answer
        if kind == "anyone":
            assert "found' for anyone" in answer["detail"]
    found = [r for r in report["results"] if r["status"] == "found"]
    assert len(found) >= 10
    assert all(r["findings"][0]["kind"] == "account" for r in found)
    assert report["subject"]["usernames"] == ["j***"]


def test_check_skips_categories(standin: StandIn) -> None:
    result = runner.invoke(
        app,
        ["usernames", "check", "nobody", "--sites", str(standin.path), "--json"]
        + ["--skip-category", "xx NSFW xx", "--skip-category", "Dating"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["results"]) == 60
    assert not any(r["status"] == "found" for r in report["results"])


def test_doctor_names_the_broken_sites(standin: StandIn) -> None:
    result = runner.invoke(app, ["usernames", "doctor", "--sites", str(standin.path), "--json"])
    assert result.exit_code == 1, result.output
    states = {h["site"]: h["state"] for h in json.loads(result.stdout)}
    broken = {name for name, state in states.items() if state == "broken"}
    assert broken == {
        s["name"] for s in standin.sites if s["name"].endswith(("-anyone", "-rotten"))
    }
    walled = {s["name"] for s in standin.sites if s["name"].endswith(("-wall", "-captcha"))}
    assert {name for name, state in states.items() if state == "unknown"} == walled


def test_doctor_one_site_by_name(standin: StandIn) -> None:
    result = runner.invoke(
        app, ["usernames", "doctor", "standin-049-rotten", "--sites", str(standin.path)]
    )
    assert result.exit_code == 1 and "standin-049-rotten" in result.stdout
    assert "0 ok, 1 broken" in result.stdout
    result = runner.invoke(app, ["usernames", "doctor", "nope", "--sites", str(standin.path)])
    assert result.exit_code == 2 and "no such site: nope" in result.output


def test_loopback_list_without_the_switch_is_refused(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOWPROFILE_ALLOW_LOOPBACK")
    result = runner.invoke(app, ["usernames", "check", "x", "--sites", str(standin.path)])
    assert result.exit_code == 2
    assert "no usable site" in result.output and "internal address" in result.output


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = runner.invoke(app, ["usernames", "check", "x", "--sites", str(missing)])
    assert result.exit_code == 2 and "nope.json:" in result.output
    assert "cannot read: No such file" in " ".join(result.output.split())
    result = runner.invoke(app, ["usernames", "check", "x", "--skip-category", "zz"])
    assert result.exit_code == 2 and "--skip-category: unknown 'zz'" in result.output
    assert "Traceback" not in result.output


def test_scan_runs_the_profile_usernames(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWPROFILE_USERNAME_SITES", str(standin.path))
    monkeypatch.setenv("LOWPROFILE_USERNAME_SKIP_CATEGORIES", "xx NSFW xx, dating")
    result = runner.invoke(
        app,
        ["scan", "--name", "Jane Doe", "--username", ACCOUNT, "--only", "usernames"]
        + ["--json", "-", "--no-save"],
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    kept = [s for s in standin.sites if s["cat"] not in ("xx NSFW xx", "dating")]
    assert {r["source"] for r in report["results"]} == {s["name"] for s in kept}
    assert all(r["status"] == expected(s, ACCOUNT) for r, s in _pairs(report, kept))
    accounts = [f for r in report["results"] for f in r["findings"]]
    assert accounts and all(f["evidence"]["matches_name"] for f in accounts)


def _pairs(report: dict[str, Any], sites: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    by_site = {r["source"]: r for r in report["results"]}
    return [(by_site[s["name"]], s) for s in sites]


def test_update_installs_and_refuses(no_network: respx.MockRouter) -> None:
    from lowprofile.usernames.sites import shipped_data_dir, updated_data_path
    from lowprofile.usernames.update import DATA_URL, SCHEMA_URL

    shipped = shipped_data_dir()
    no_network.get(SCHEMA_URL).respond(200, text=(shipped / "wmn-data-schema.json").read_text())
    no_network.get(DATA_URL).respond(200, text=(shipped / "wmn-data.json").read_text())
    result = runner.invoke(app, ["usernames", "update"])
    assert result.exit_code == 0, result.output
    assert "Site list updated" in result.output and updated_data_path().is_file()
    no_network.get("https://mirror.example/wmn.json").respond(200, text='{"sites": []}')
    result = runner.invoke(app, ["usernames", "update", "--url", "https://mirror.example/wmn.json"])
    assert result.exit_code == 2 and "not a WhatsMyName site list" in result.output
    assert len(json.loads(updated_data_path().read_text())["sites"]) > 700
