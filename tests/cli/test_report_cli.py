"""`lowprofile scan --html` and `lowprofile report FILE.json` as a user runs them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jsonschema
from lxml import html as lxml_html
from typer.testing import CliRunner

from helpers.sample import sample_report
from lowprofile.cli.main import app

runner = CliRunner()
SUBJECT = ["--name", "Jane Q Doe", "--city", "Austin", "--state", "CA"]
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "report-schema.json").read_text("utf-8")
)


def one_line(text: str) -> str:
    """Rich wraps at the test terminal's width; the message is one line to a person."""
    return " ".join(text.split())


def saved(tmp_path: Path, data: dict | None = None) -> Path:
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(data or sample_report("CA").to_dict()), encoding="utf-8")
    return path


def test_scan_writes_a_private_html_report(plugins: None, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "report.html"
    json_out = tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            "scan",
            *SUBJECT,
            "--only",
            "fake",
            "--no-save",
            "--html",
            str(out),
            "--json",
            str(json_out),
        ],
    )
    assert result.exit_code == 1, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file left
    data = json.loads(json_out.read_text())
    jsonschema.validate(data, SCHEMA)  # a real scan's JSON, risk and plan included
    text = lxml_html.fromstring(out.read_text()).text_content()
    # Only a plug-in ran: the people-search sites were left out, so no grade and no broker
    # advice (issue 25), and the page says what was not checked first.
    assert data["risk"]["incomplete"] and "no overall grade" in text
    assert "People-search: not checked (left out of this scan)" in " ".join(text.split())
    assert "What to do first" in text and "fake hit" in text
    assert "California: one deletion request" not in text
    assert "HTML report written to" in result.output


def test_report_renders_a_saved_json_in_the_terminal(tmp_path: Path) -> None:
    report = sample_report("CA")
    result = runner.invoke(app, ["report", str(saved(tmp_path))])
    assert result.exit_code == 0, result.output
    assert f"{report.to_dict()['risk']['score']}/100" in result.stdout
    assert "what to do first" in result.stdout and "[ ]" in result.stdout


def test_report_html_and_json(tmp_path: Path) -> None:
    out = tmp_path / "again.html"
    result = runner.invoke(app, ["report", str(saved(tmp_path)), "--html", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "<!DOCTYPE html>" in out.read_text()
    again = json.loads(result.stdout)  # stdout carries only the JSON
    assert again == json.loads(json.dumps(sample_report("CA").to_dict()))
    jsonschema.validate(again, SCHEMA)


def test_report_scores_an_older_report(tmp_path: Path) -> None:
    data = sample_report().to_dict()
    del data["risk"], data["plan"]
    result = runner.invoke(app, ["report", str(saved(tmp_path, data)), "--json"])
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["risk"] == sample_report().to_dict()["risk"]
    jsonschema.validate(again, SCHEMA)


def test_report_repairs_broken_sections(tmp_path: Path) -> None:
    data = sample_report().to_dict()
    data["plan"] = [{"title": 3}]
    result = runner.invoke(app, ["report", str(saved(tmp_path, data)), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plan"] == sample_report().to_dict()["plan"]


def test_missing_or_broken_report_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "no such report" in one_line(result.output) and "Traceback" not in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["report", str(bad)])
    assert result.exit_code == 2 and "not a lowprofile JSON report" in one_line(result.output)
    newer = sample_report().to_dict() | {"schema_version": 99}
    result = runner.invoke(app, ["report", str(saved(tmp_path, newer))])
    assert result.exit_code == 2 and "upgrade lowprofile" in one_line(result.output)


def test_a_file_named_like_a_history_id_is_read_as_a_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("7").write_text(json.dumps(sample_report().to_dict()))
    result = runner.invoke(app, ["report", "7", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["risk"]["score"] == sample_report().to_dict()["risk"]["score"]
