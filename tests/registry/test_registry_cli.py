"""`registry update` and `registry list` through the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from helpers.records import PERSON
from lowprofile.cli.main import app
from lowprofile.registry.catalogue import catalogue_path

runner = CliRunner()
SAMPLE = str(Path(__file__).resolve().parents[1] / "fixtures" / "registry" / "registry-sample.csv")


def test_update_reports_skipped_rows_and_still_imports() -> None:
    result = runner.invoke(app, ["registry", "update", SAMPLE, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["brokers"] == 8
    assert summary["by_email"] == 6
    assert summary["web_form_only"] == 2
    assert summary["matched_broker_files"] == 1  # acxiom.com
    assert [p.split(":")[0] for p in summary["skipped_rows"]] == [
        "line 10", "line 11", "line 12", "line 13",
    ]  # fmt: skip
    flat = " ".join(result.stderr.split())
    assert "skipped: line 11: 4 cells where the header has 67; skipped" in flat
    assert stat.S_IMODE(catalogue_path().stat().st_mode) == 0o600


def test_bad_source_is_a_one_line_error_and_keeps_the_old_catalogue(tmp_path: Path) -> None:
    assert runner.invoke(app, ["registry", "update", SAMPLE]).exit_code == 0
    before = catalogue_path().read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,useful\r\n1,2\r\n", encoding="utf-8")
    result = runner.invoke(app, ["registry", "update", str(bad)])
    assert result.exit_code == 2
    assert "no header row" in result.stderr
    assert catalogue_path().read_bytes() == before
    missing = runner.invoke(app, ["registry", "update", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "nope.csv" in missing.stderr


def test_update_from_url_uses_one_request(no_network: respx.MockRouter) -> None:
    url = "https://registry.example/ca.csv"
    route = no_network.get(url).respond(200, content=Path(SAMPLE).read_bytes())
    result = runner.invoke(app, ["registry", "update", url, "--json"])
    assert result.exit_code == 0, result.output
    assert route.call_count == 1
    assert json.loads(result.stdout)["brokers"] == 8


def test_list_shows_matches_and_filters() -> None:
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(app, ["registry", "list", "--only", "acxiom", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["broker_files"] == ["acxiom"]
    assert row["emails"] == ["privacy-test@acxiom.example"]


def test_shared_registry_through_the_cli(shared_data: Path) -> None:
    path = shared_data / "ca-registry" / "registry-2025.csv"
    result = runner.invoke(app, ["registry", "update", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["brokers"] >= 530


def test_replies_without_a_password_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOWPROFILE_IMAP_PASSWORD", raising=False)
    result = runner.invoke(app, ["registry", "replies", "--host", "imap.example", "--user", "j"])
    assert result.exit_code == 2
    assert "no IMAP password" in " ".join(result.stderr.split())


def test_registry_url_error_is_named(no_network: respx.MockRouter) -> None:
    url = "https://registry.example/gone.csv"
    no_network.get(url).respond(404)
    result = runner.invoke(app, ["registry", "update", url])
    assert result.exit_code == 2
    assert "gone.csv: HTTP 404" in " ".join(result.stderr.split())


def test_overdue_request_shows_in_status() -> None:
    from datetime import date, timedelta

    from lowprofile.registry.ledger import SENT, Ledger

    long_ago = date.today() - timedelta(days=46)
    with Ledger(PERSON) as ledger:
        ledger.record(ref="LP-0000AAAA", recipient="p@late.example", brokers=("late",),
                      names=("Late Broker",), law="ccpa", state=SENT, on=long_ago)  # fmt: skip
        ledger.record(ref="LP-0000BBBB", recipient="p@fresh.example", brokers=("fresh",),
                      names=("Fresh Broker",), law="ccpa", state=SENT, on=date.today())  # fmt: skip
    status = json.loads(runner.invoke(app, ["registry", "status", "--json"]).stdout)
    overdue = {r["ref"]: r["overdue"] for r in status["requests"]}
    assert overdue == {"LP-0000AAAA": True, "LP-0000BBBB": False}
    table = runner.invoke(app, ["registry", "status"])
    assert "OVERDUE" in table.stdout
    assert "2 request(s), 1 overdue" in " ".join(table.stdout.split())
