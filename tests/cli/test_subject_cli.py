"""Who a scan is about: --profile with flags, a scan without a name, states, and input errors
that quote the input as typed on the terminal while logs stay masked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from helpers.photos import jpeg
from lowprofile.cli.main import app
from lowprofile.errors import ProfileError
from lowprofile.subject import Address, check_state, subject_from_flags

runner = CliRunner()


def _profile(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "p.toml"
    path.write_text(
        'names = ["Jane Doe"]\nemails = ["jane@example.com"]\n'
        '[[addresses]]\ncity = "Austin"\nstate = "TX"\ncurrent = true\n'
        '[[addresses]]\ncity = "Dallas"\nstate = "TX"\ncurrent = false\n' + extra
    )
    return path


def test_profile_combines_with_photos(tmp_path: Path) -> None:
    photos = tmp_path / "Pictures"
    photos.mkdir()
    jpeg(photos / "a.jpg", gps=(30.27, -97.74))
    args = ["scan", "--profile", str(_profile(tmp_path)), "--photos", str(photos)]
    result = runner.invoke(app, [*args, "--only", "photos", "--json", "-", "--no-save"])
    assert result.exit_code in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["subject"]["names"] == ["J*** D**"]  # the profile's person
    assert report["subject"]["emails"] == ["j***@example.com"]
    assert report["subject"]["photo_dirs"] == 1
    wheres = [f["where"] for r in report["results"] for f in r["findings"]]
    assert str(photos / "a.jpg") in wheres


def test_a_flag_replaces_that_detail_of_the_profile(tmp_path: Path) -> None:
    from lowprofile.cli.subject_args import resolve_subject

    subject = resolve_subject(
        _profile(tmp_path),
        None,
        city="Houston",
        state=None,
        postcode=None,
        birth_year=1984,
        emails=None,
        phones=None,
        usernames=None,
        photo_dirs=None,
    )
    assert subject.primary.full == "Jane Doe"
    assert subject.emails == ("jane@example.com",)
    assert subject.birth_year == 1984
    # The flags' address replaces the current one; the past one stays.
    assert [(a.city, a.current) for a in subject.addresses] == [
        ("Houston", True),
        ("Dallas", False),
    ]


def test_photo_only_scan_needs_no_name_and_searches_nothing(
    tmp_path: Path, no_network: respx.MockRouter
) -> None:
    jpeg(tmp_path / "a.jpg", gps=(30.27, -97.74))
    result = runner.invoke(app, ["scan", "--photos", str(tmp_path), "--json", "-", "--no-save"])
    assert result.exit_code in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["subject"]["names"] == []
    assert any(f["where"] == str(tmp_path / "a.jpg") for f in _findings(report))
    assert no_network.calls.call_count == 0  # no name, no people-search query


def _findings(report: dict[str, object]) -> list[dict[str, str]]:
    return [f for r in report["results"] for f in r["findings"]]  # type: ignore[attr-defined]


def test_a_place_without_any_subject_is_still_refused() -> None:
    result = runner.invoke(app, ["scan", "--city", "Austin"])
    assert result.exit_code == 2
    assert "--name" in result.stderr and "--profile" in result.stderr


@pytest.mark.parametrize(
    ("typed", "code"), [("tx", "TX"), ("Texas", "TX"), (" new  york ", "NY"), ("dc", "DC")]
)
def test_states_are_read(typed: str, code: str) -> None:
    assert check_state(typed) == code


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("Texass", "Texas (TX)"), ("Calfornia", "California (CA)"), ("TXX", "Texas (TX)")],
)
def test_an_unknown_state_names_the_closest(typed: str, hint: str) -> None:
    with pytest.raises(ProfileError) as caught:
        check_state(typed)
    assert str(caught.value) == f"state '{typed}' is not a US state; did you mean {hint}?"


def test_a_state_abroad_is_kept_as_typed() -> None:
    assert Address(city="Lyon", state="Rhône", country="FR").state == "Rhône"


def test_scan_with_an_unknown_state_is_an_input_error() -> None:
    result = runner.invoke(app, ["scan", "--name", "Jane Doe", "--state", "Texass"])
    assert result.exit_code == 2
    assert "'Texass' is not a US state; did you mean Texas (TX)?" in result.stderr
    assert "Traceback" not in result.output


def test_a_profile_with_an_unknown_state_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('names = ["Jane Doe"]\n[[addresses]]\ncity = "Austin"\nstate = "Texass"\n')
    result = runner.invoke(app, ["scan", "--profile", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "did you mean Texas (TX)?" in result.stderr


def test_the_terminal_shows_what_was_typed() -> None:
    result = runner.invoke(app, ["scan", "--name", "Jane Doe", "--email", "nobody-at-example"])
    assert result.exit_code == 2
    assert "'nobody-at-example' is not an email address" in result.stderr
    country = runner.invoke(app, ["scan", "--name", "Jane Doe", "--country", "Germany"])
    assert country.exit_code == 2
    assert "country 'Germany' is not an ISO 3166 country code" in country.stderr


def test_the_message_itself_stays_masked_for_logs() -> None:
    with pytest.raises(ProfileError) as caught:
        subject_from_flags(["Jane Doe"], emails=["nobody-at-example"])
    assert "nobody" not in str(caught.value)
    assert caught.value.for_terminal == "'nobody-at-example' is not an email address"


def test_a_scheduled_run_logs_the_bad_input_masked(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    from lowprofile.schedule.runner import run_scheduled

    path = tmp_path / "p.toml"
    path.write_text('names = ["Jane Doe"]\nemails = ["nobody-at-example"]\n')
    assert run_scheduled(path, now=datetime(2026, 12, 1, tzinfo=UTC)) == 2
    log = (private_dirs["data"] / "logs" / "2026-12-01.log").read_text()
    assert "is not an email address" in log
    assert "nobody" not in log


@pytest.mark.parametrize("phone", ["512-555-0142", "+44 20 7946 0958", "(512) 555.0142", "5125550"])
def test_phones_as_people_write_them(phone: str) -> None:
    assert subject_from_flags(["Jane Doe"], phones=[phone]).phones == (phone,)


def test_a_phone_that_is_not_one_is_an_input_error() -> None:
    bad = runner.invoke(app, ["scan", "--name", "Jane Doe", "--phone", "call me"])
    assert bad.exit_code == 2 and "'call me' is not a phone number" in bad.stderr
