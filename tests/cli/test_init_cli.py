"""Interactive ``init``: each answer is checked as it is typed and asked again, never lost."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()


def _answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _good(photos: Path) -> list[str]:
    return [
        "Jane Q Doe",  # name
        "Janie Doe",  # aliases
        "",  # former
        "1984",
        "",  # country: the US
        "Austin",
        "Texas",
        "78701",
        "Dallas/TX",
        "512-555-0142",
        "jane@example.com",
        "janedoe84",
        str(photos),
    ]


def test_a_bad_email_is_asked_again_and_every_answer_kept(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    answers = _good(tmp_path)
    answers[10:11] = ["nobody-at-example", "jane@example.com"]  # a typo, then the fix
    result = runner.invoke(app, ["init"], input=_answers(*answers))
    assert result.exit_code == 0, result.stdout + result.stderr
    # The error quotes the input as typed (the person's own terminal), not 'n****************'.
    assert "'nobody-at-example' is not an email address" in result.output
    assert result.output.count("Email addresses") == 2
    data = tomllib.loads((private_dirs["config"] / "profile.toml").read_text())
    assert data["emails"] == ["jane@example.com"]
    assert data["birth_year"] == 1984
    assert data["addresses"][0]["state"] == "TX"
    assert data["photo_dirs"] == [str(tmp_path)]


def test_each_kind_of_bad_answer_is_asked_again(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    answers = _good(tmp_path)
    answers[12:13] = [str(tmp_path / "missing"), str(tmp_path)]
    answers[9:10] = ["jane@example.com", "555-01", "512-555-0142"]
    answers[8:9] = ["Dallas/Texass", "Dallas/TX"]
    answers[6:7] = ["Texass", "TX"]
    answers[4:5] = ["Deutschland", ""]  # a country is an ISO code
    answers[3:4] = ["nineteen", "1850", "1984"]
    answers[0:1] = ["", "Jane Q Doe"]  # a blank name is refused
    result = runner.invoke(app, ["init"], input=_answers(*answers))
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.output
    assert "country 'Deutschland' is not an ISO 3166 country code" in out
    assert "birth year 'nineteen' is not a year" in out
    assert "birth year 1850 is not plausible" in out
    assert "state 'Texass' is not a US state; did you mean Texas (TX)?" in out
    assert out.count("did you mean Texas (TX)?") == 2  # the past city's state too
    assert f"'{tmp_path / 'missing'}' is not a folder" in out
    assert "'jane@example.com' is not a phone number" in out
    assert "'555-01' is not a phone number (7 to 15 digits)" in out
    data = tomllib.loads((private_dirs["config"] / "profile.toml").read_text())
    assert data["names"][0]["first"] == "Jane" and data["birth_year"] == 1984
    assert [a["state"] for a in data["addresses"]] == ["TX", "TX"]
    assert data["phones"] == ["512-555-0142"]


def test_input_that_runs_out_writes_nothing(private_dirs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["init"], input=_answers("Jane Doe", "", "", "nineteen"))
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not (private_dirs["config"] / "profile.toml").exists()


def test_a_person_abroad_answers_with_a_country_and_a_free_region(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    answers = _good(tmp_path)
    answers[0] = "Hans Müller"
    answers[4:8] = ["de", "München", "Bayern", "80331"]
    answers[8] = "Lyon/Rhône/FR, Dallas/TX"
    result = runner.invoke(app, ["init"], input=_answers(*answers))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Current region (e.g. Bavaria)" in result.output
    data = tomllib.loads((private_dirs["config"] / "profile.toml").read_text())
    places = [(a["city"], a.get("state"), a["country"], a["current"]) for a in data["addresses"]]
    assert places == [("München", "Bayern", "DE", True), ("Lyon", "Rhône", "FR", False),
                      ("Dallas", "TX", "US", False)]  # fmt: skip
