"""``household add/list/remove`` and the input errors of ``scan --household``: one line and
exit 2, before any request."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from householdsite import HouseholdSite, write_profiles
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.household.members import CONSENT, household_path

runner = CliRunner()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_add_says_members_must_agree_once_and_keeps_a_private_file(tmp_path: Path) -> None:
    you, member = write_profiles(tmp_path)
    other = tmp_path / "sam.toml"
    other.write_text('names = ["Sam Doe"]\n', "utf-8")

    first = runner.invoke(app, ["household", "add", "John", "--profile", str(member)])
    second = runner.invoke(app, ["household", "add", "Sam", "-p", str(other)])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert _one_line(CONSENT) in _one_line(first.stdout)
    assert _one_line(CONSENT) not in _one_line(second.stdout)
    path = household_path()
    assert path.stat().st_mode & 0o777 == 0o600
    saved = tomllib.loads(path.read_text("utf-8"))["members"]
    assert saved == [
        {"name": "John", "profile": str(member.resolve())},
        {"name": "Sam", "profile": str(other.resolve())},
    ]
    listed = runner.invoke(app, ["household", "list"], env={"COLUMNS": "200"})
    assert "John" in listed.stdout and "Sam" in listed.stdout and "ok" in listed.stdout

    removed = runner.invoke(app, ["household", "remove", "john"])
    assert removed.exit_code == 0, removed.output
    assert [m["name"] for m in tomllib.loads(path.read_text("utf-8"))["members"]] == ["Sam"]


def test_bad_members_are_one_line_and_exit_2(tmp_path: Path, private_dirs: dict[str, Path]) -> None:
    you, member = write_profiles(tmp_path)
    own = private_dirs["config"] / "profile.toml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(you.read_text("utf-8"), "utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text("names = [", "utf-8")
    other = tmp_path / "ann.toml"
    other.write_text('names = ["Ann Roe"]\n', "utf-8")
    undecodable = Path(os.fsdecode(bytes(tmp_path) + b"/ann\xff.toml"))  # a name not UTF-8
    undecodable.write_text('names = ["Ann Roe"]\n', "utf-8")
    assert runner.invoke(app, ["household", "add", "John", "-p", str(member)]).exit_code == 0

    cases = {
        "no such file": ["household", "add", "Ann", "-p", str(tmp_path / "missing.toml")],
        "already in the household": ["household", "add", "john", "-p", str(member)],
        "the profile of John,": ["household", "add", "Johnny", "-p", str(member)],
        "your own profile": ["household", "add", "Me", "-p", str(you)],
        "how the household report names you": ["household", "add", "You", "-p", str(member)],
        "not valid TOML": ["household", "add", "Ann", "-p", str(broken)],
        "no household member 'Ann' (members: John)": ["household", "remove", "Ann"],
        "may not hold control characters": ["household", "add", "A\x1b[2Jnn", "-p", str(other)],
        "path is not valid UTF-8": ["household", "add", "Ann", "-p", str(undecodable)],
    }
    for words, args in cases.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert words in _one_line(result.stderr), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_scan_household_refuses_before_any_request(site: HouseholdSite, tmp_path: Path) -> None:
    you, member = write_profiles(tmp_path)
    scan = ["scan", "--profile", str(you), "--household", "--only", "brokers"]

    alone = runner.invoke(app, scan)
    assert alone.exit_code == 2
    assert "no household members" in alone.stderr

    assert runner.invoke(app, ["household", "add", "John", "-p", str(member)]).exit_code == 0
    member.write_text("names = 5\n", "utf-8")  # edited since: it no longer loads
    gone = runner.invoke(app, scan)
    assert gone.exit_code == 2
    assert "household member 'John'" in gone.stderr
    assert site.searches == []
