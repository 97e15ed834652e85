"""`lowprofile brokers list | validate | parse | doctor` as a maintainer uses them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"
JANE = ["--name", "Jane Q Doe", "--city", "Austin", "--state", "TX", "--birth-year", "1984"]


def test_list_json() -> None:
    result = runner.invoke(app, ["brokers", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) >= 40
    for row in rows:
        assert set(row) >= {"id", "name", "domain", "parent", "search", "verified", "optout"}
        assert row["search"] in ("auto", "steps", "manual")
        assert row["optout"]["url"].startswith("https://") and row["optout"]["method"]


def test_validate_shipped_and_broken(tmp_path: Path) -> None:
    assert runner.invoke(app, ["brokers", "validate"]).exit_code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "bad"\nname = "Bad"\n')
    result = runner.invoke(app, ["brokers", "validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:domain: missing" in result.stdout
    assert f"{bad}:optout: missing" in result.stdout


def parse(broker: str, fixture: str, *extra: str) -> dict:
    result = runner.invoke(
        app, ["brokers", "parse", broker, str(FIXTURES / fixture), *JANE, "--json", *extra]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_parse_finds_the_right_listing() -> None:
    out = parse("fastpeoplesearch", "fastpeoplesearch_results.html")
    assert out["status"] == "found"
    best = max(out["listings"], key=lambda row: row["confidence"])
    assert best["name"] == "Jane Q Doe" and best["confidence"] >= 0.8
    john = next(row for row in out["listings"] if row["name"] == "John R Doe")
    assert john["confidence"] < 0.5
    assert set(out["listings"][0]) >= {"name", "age", "locations", "phones", "relatives", "url",
                                       "confidence", "reasons"}  # fmt: skip


def test_parse_bot_wall_is_blocked() -> None:
    assert parse("spokeo", "cloudflare_challenge.html", "--status", "403")["status"] == "blocked"
    assert parse("truepeoplesearch", "captcha_wall.html")["status"] == "blocked"


def test_parse_unrelated_page_is_changed() -> None:
    assert parse("fastpeoplesearch", "unrelated_page.html")["status"] == "changed"


def test_parse_unknown_broker() -> None:
    result = runner.invoke(app, ["brokers", "parse", "nope", "x.html", *JANE])
    assert result.exit_code == 2 and "unknown broker" in result.stderr


def test_doctor(no_network: respx.MockRouter) -> None:
    no_network.route(host="www.fastpeoplesearch.com").respond(
        200, text=(FIXTURES / "fastpeoplesearch_results.html").read_text()
    )
    no_network.route(host="www.truepeoplesearch.com").respond(
        403, text=(FIXTURES / "cloudflare_challenge.html").read_text()
    )
    no_network.route(host="www.spokeo.com").mock(side_effect=httpx.ConnectError("down"))
    result = runner.invoke(
        app,
        [
            "brokers",
            "doctor",
            "fastpeoplesearch",
            "truepeoplesearch",
            "spokeo",
            "intelius",
            "--json",
        ],
        env={"LOWPROFILE_RETRIES": "0"},
    )
    health = {row["id"]: row["health"] for row in json.loads(result.stdout)}
    assert health == {
        "fastpeoplesearch": "ok",
        "truepeoplesearch": "blocked",
        "spokeo": "error",
        "intelius": "manual",
    }
    assert result.exit_code == 3


def test_list_shows_no_control_or_bidi_character_from_a_broker_file(
    private_dirs: dict[str, Path],
) -> None:
    """Issue 23, defect 13: a broker's name is shown, never obeyed by the terminal."""
    folder = private_dirs["config"] / "brokers"
    folder.mkdir(parents=True)
    (folder / "mirror.toml").write_text(  # TOML escapes: the file itself is plain text
        'id = "mirror"\nname = "Mirror\\u202egpj.exe \\u2066[bold]x[/bold]"\n'
        'domain = "mirror.example"\ncategory = "people-search"\n'
        '[search]\nmode = "manual"\nurl = "https://mirror.example/{first}"\n'
        '[optout]\nurl = "https://mirror.example/optout"\nmethod = "web form"\n',
        "utf-8",
    )
    result = runner.invoke(app, ["brokers", "list"], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and "skipped" not in result.stderr, result.output
    line = next(row for row in result.stdout.splitlines() if "mirror" in row)
    assert "\u202e" not in result.stdout and "\u2066" not in result.stdout
    assert "Mirror\ufffdgpj.exe" in line and "[bold]x[/bold]" in line  # text, never markup
