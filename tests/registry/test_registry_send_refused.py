"""A message the server refuses is recorded ``failed`` with why, and the run goes on: an address
beyond ASCII, to a server without SMTPUTF8, used to stop every run at the same row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.smtpserver import smtp_server
from lowprofile.cli.main import app

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "registry" / "registry-sample.csv"
UTF8 = "prívacy@uni.example"


def test_a_utf8_address_fails_alone_and_every_other_request_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "registry.csv"
    sample = SAMPLE.read_text(encoding="utf-8-sig")
    assert "privacy@brightline-data.example" in sample
    registry.write_text(sample.replace("privacy@brightline-data.example", UTF8), encoding="utf-8")
    init = ["init", "--name", "Jane Doe", "--state", "TX", "--email", "jane@example.com"]
    assert runner.invoke(app, init).exit_code == 0
    assert runner.invoke(app, ["registry", "update", str(registry)]).exit_code == 0
    monkeypatch.setenv("LOWPROFILE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LOWPROFILE_SMTP_FROM", "jane@example.com")
    monkeypatch.delenv("LOWPROFILE_SMTP_USER", raising=False)
    with smtp_server("none", smtputf8=False) as server:
        monkeypatch.setenv("LOWPROFILE_SMTP_PORT", str(server.port))
        result = runner.invoke(app, ["optout", "requests", "--send", "--yes", "--interval", "0"])
    assert result.exit_code == 3, result.output  # something was refused: said by the exit code
    assert "Traceback" not in result.output
    status = runner.invoke(app, ["registry", "status", "--json"])
    rows = {r["recipient"]: r for r in json.loads(status.stdout)["requests"]}
    refused = rows.pop(UTF8)
    assert refused["state"] == "failed"
    assert "SMTPUTF8" in refused["note"]
    assert len(rows) >= 3
    assert {r["state"] for r in rows.values()} == {"submitted"}
    assert len(server.messages) == len(rows)
    assert UTF8 not in server.recipients
    said = " ".join(result.stderr.split())
    assert f"{UTF8}: refused by the server:" in said
    assert f"Sent {len(rows)}, refused 1" in said
