"""A bad value in a profile names its key, and in a list its entry (issue 25 item 5): the
person editing the TOML by hand must find the line, not read Python's ``invalid literal``."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowprofile.errors import ProfileError
from lowprofile.subject import load_profile

NAME = 'names = ["Jane Doe"]\n'


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (NAME + 'birth_year = "eighty-five"', "birth_year: 'eighty-five' is not a whole number"),
        (NAME + "birth_year = 1985.5", "birth_year: 1985.5 is not a whole number"),
        (NAME + "birth_year = true", "birth_year: True is not a whole number"),
        (NAME + "birth_year = 1850", "birth_year: birth year 1850 is not plausible"),
        (NAME + 'schema_version = "x"', "schema_version: 'x' is not a whole number"),
        (NAME + 'emails = ["a@example.com", "nope"]', "emails #2: 'nope' is not an email"),
        (NAME + 'phones = ["12"]', "phones #1: '12' is not a phone number"),
        (NAME + "usernames = [[1]]", "usernames #1: [1] is not text"),
        (NAME + '[[addresses]]\ncity = "Austin"\nlat = "north"', "addresses #1: lat: 'north'"),
        (NAME + '[[addresses]]\ncity = "A"\n[[addresses]]\ncity = 5.5', "addresses #2: city: 5.5"),
        (NAME + '[[addresses]]\ncurrent = "maybe"', "addresses #1: current: 'maybe' is not true"),
        (NAME + '[[addresses]]\nstate = "Texass"', "addresses #1: state 'Texass' is not a US"),
        ('names = [{first = "Jane", last = [1]}]', "names #1: last: [1] is not text"),
        ('names = [{first = "Jane", kind = "x"}]', "names #1: kind: 'x' is not primary"),
        ('names = "Jane Doe"', "names: must be a list"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, body: str, says: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(body + "\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.for_terminal.startswith(f"{path}: {says}")
    assert "invalid literal" not in caught.value.for_terminal


def test_a_postcode_written_as_a_number_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(NAME + '[[addresses]]\ncity = "Austin"\nstate = "TX"\npostcode = 78701\n')
    assert load_profile(path).addresses[0].postcode == "78701"


def test_a_typed_email_is_shown_as_typed_on_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(NAME + 'emails = ["nobody-at-example.com"]\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert "'nobody-at-example.com'" in caught.value.for_terminal
    assert "nobody-at-example.com" not in str(caught.value)  # the log's copy is masked
