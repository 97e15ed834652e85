"""Subject and profile: parsing names, loading and writing TOML, clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from lowprofile.errors import ProfileError
from lowprofile.subject import Address, Name, Subject, load_profile, subject_from_flags


@pytest.mark.parametrize(
    ("text", "first", "middle", "last"),
    [
        ("Jane Q Doe", "Jane", "Q", "Doe"),
        ("Jane Doe", "Jane", "", "Doe"),
        ("  jane   doe ", "jane", "", "doe"),
        ("Doe, Jane Q", "Jane", "Q", "Doe"),
        ("John Smith Jr.", "John", "", "Smith"),
        ("Mary Ann de la Cruz", "Mary", "Ann de la", "Cruz"),
    ],
)
def test_name_parsing(text: str, first: str, middle: str, last: str) -> None:
    name = Name.parse(text)
    assert (name.first, name.middle, name.last) == (first, middle, last)


def test_one_name_is_a_name_and_survives_the_profile(tmp_path: Path) -> None:
    name = Name.parse("Madonna")
    assert (name.first, name.last, name.single, name.full) == ("Madonna", "", True, "Madonna")
    subject = subject_from_flags(["Madonna"], city="Lyon", country="fr")
    path = tmp_path / "profile.toml"
    path.write_text(tomli_w.dumps(subject.to_profile()))
    again = load_profile(path)
    assert again == subject and again.primary.single
    assert again.addresses[0].country == "FR"


def test_flags_make_primary_and_aliases() -> None:
    subject = subject_from_flags(
        ["Jane Q Doe", "Janie Doe"], city="Austin", state="texas", birth_year=1984
    )
    assert subject.primary.full == "Jane Q Doe"
    assert subject.names[1].kind == "alias"
    assert subject.addresses[0].state == "TX"
    assert subject.addresses[0].current


def test_profile_round_trip(tmp_path: Path) -> None:
    subject = Subject(
        names=(Name("Jane", "Doe", "Q"), Name("Jane", "Smith", kind="former")),
        birth_year=1984,
        addresses=(
            Address(city="Austin", state="TX", lat=30.27, lon=-97.74),
            Address(city="Dallas", state="TX", current=False),
        ),
        phones=("512-555-0142",),
        emails=("jane@example.com",),
        usernames=("janedoe84",),
        photo_dirs=(tmp_path,),
    )
    path = tmp_path / "profile.toml"
    path.write_text(tomli_w.dumps(subject.to_profile()))
    assert load_profile(path) == subject
    assert subject.home is not None and subject.home.city == "Austin"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("names = [", "not valid TOML"),
        ("names = []", "at least one name"),
        ('names = [{last = "Doe"}]', "needs first"),
        ('names = ["Jane Doe"]\nbirth_year = 1700', "not plausible"),
        ('names = ["Jane Doe"]\nemails = ["nope"]', "not an email"),
        ('names = ["Jane Doe"]\n[[addresses]]\ncity = "X"\nplanet = "Mars"', "unknown keys"),
        ('names = ["Jane Doe"]\n[[addresses]]\nlat = 123.0\nlon = 0.0', "out of range"),
        ('schema_version = 99\nnames = ["Jane Doe"]', "newer"),
    ],
)
def test_bad_profiles_name_the_file(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(body)
    with pytest.raises(ProfileError, match=message) as caught:
        load_profile(path)
    assert str(path) in str(caught.value)


def test_missing_profile_points_at_init(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="lowprofile init"):
        load_profile(tmp_path / "absent.toml")


def test_masked_summary_hides_details() -> None:
    subject = subject_from_flags(
        ["Jane Doe"], city="Austin", state="TX", emails=["jane@example.com"], phones=["5125550142"]
    )
    masked = subject.masked()
    text = repr(masked)
    assert masked["names"] == ["J*** D**"]
    assert masked["emails"] == ["j***@example.com"]
    for secret in ("Jane", "Doe", "Austin", "jane@", "5125550142"):
        assert secret not in text
