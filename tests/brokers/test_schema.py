"""Broker files: every shipped one validates; broken ones are named by file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowprofile.brokers.evidence import evidence_for
from lowprofile.brokers.loader import link_brokers, load_brokers, validate_files
from lowprofile.brokers.schema import check_broker_file
from lowprofile.resources import shipped_brokers_dir

GOOD = """
id = "example"
name = "Example People"
domain = "example-people.com"
category = "people-search"
[search]
url = "https://www.example-people.com/{first|lower}-{last|lower}/{state}"
[parse]
cards = [".card"]
fields.name = ".name"
no_results_text = ["No records"]
[optout]
url = "https://www.example-people.com/optout"
method = "web form"
[canary]
name = "John Smith"
city = "Chicago"
state = "IL"
"""


def write(tmp_path: Path, body: str, name: str = "example.toml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_every_shipped_file_validates() -> None:
    folder = shipped_brokers_dir()
    assert validate_files([folder]) == []
    loaded = load_brokers()
    assert len(loaded.brokers) >= 40
    for broker in loaded.brokers.values():
        assert broker.optout.url.startswith("https://"), broker.id
        assert broker.optout.method, broker.id
        # verified only with a real page behind it (tests/fixtures/brokers/real/<id>)
        assert not broker.verified or evidence_for(broker.id).verified, broker.id


def test_good_file(tmp_path: Path) -> None:
    assert validate_files([write(tmp_path, GOOD)]) == []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            ('url = "https://www.example-people.com/optout"', 'url = "http://x.com/optout"'),
            "optout.url",
        ),
        (('method = "web form"', 'method = "carrier pigeon"'), "optout.method"),
        (('method = "web form"', 'method = "email"'), "optout.email"),
        (("{first|lower}", "{firstname}"), "search.url"),
        (("{first|lower}", "{first|shout}"), "search.url"),
        (('fields.name = ".name"', 'fields.name = ".//div[@x="'), "parse.fields.name.selectors"),
        (('cards = [".card"]', 'cards = ["div[["]'), "parse.cards"),
        (('fields.name = ".name"', 'fields.shoe_size = ".s"'), "parse.fields.shoe_size"),
        (('category = "people-search"', 'category = "gossip"'), "category"),
        (('id = "example"', 'id = "Other One"'), "id"),
        (("[canary]", 'colour = "red"\n[canary]'), "optout.colour"),
        (('category = "people-search"', 'category = "people-search"\nparent = 5'), "parent"),
        (
            ('category = "people-search"', 'category = "people-search"\njurisdictions = "US"'),
            "jurisdictions",
        ),
        (
            ('category = "people-search"', 'category = "people-search"\nmirrors = ["a b"]'),
            "mirrors.0",
        ),
        (
            ('category = "people-search"', 'category = "people-search"\ncovered_by = 3'),
            "covered_by",
        ),
        (("[canary]\n", "[canary]\nwho = 1\n"), "canary.who"),
        (('name = "John Smith"\n', ""), "canary.name"),
        (('fields.name = ".name"\n', ""), "parse.fields"),
        (('fields.name = ".name"\n', 'fields.age = ".age"\n'), "parse.fields.name"),
        (
            (
                'url = "https://www.example-people.com/{',
                'form.q = "{nick}"\nurl = "https://x.com/{',
            ),
            "search.form.q",
        ),
    ],
)
def test_problems_name_file_and_key(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    problems = validate_files([path])
    assert problems, "expected a problem"
    assert any(p.startswith(f"{path}:{key}:") for p in problems), problems


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "id = ")
    assert validate_files([path])[0].startswith(f"{path}:-: not valid TOML")


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, name="other.toml")
    assert "must match the file name" in validate_files([path])[0]


def test_user_file_overrides_and_bad_user_file_is_skipped(
    private_dirs: dict[str, Path],
) -> None:
    user = private_dirs["config"] / "brokers"
    user.mkdir(parents=True)
    (user / "spokeo.toml").write_text(GOOD.replace('id = "example"', 'id = "spokeo"'))
    (user / "broken.toml").write_text("id = 'broken'\n")
    loaded = load_brokers()
    assert loaded.brokers["spokeo"].name == "Example People"
    assert any("broken.toml" in p for p in loaded.problems)
    assert len(loaded.brokers) >= 40


def test_links_between_files(tmp_path: Path) -> None:
    """``covered_by`` names a broker (by id or domain) whose opt-out covers this one; a site
    listed in another's ``mirrors`` is searched there, not again; an unknown cover is named."""
    host = GOOD.replace(
        'category = "people-search"', 'category = "people-search"\nparent = "Host Inc."'
    )
    host = host.replace("[search]", 'mirrors = ["mirror-people.com"]\n[search]')
    write(tmp_path, host)
    mirror = GOOD.replace('id = "example"', 'id = "mirror"').replace(
        'domain = "example-people.com"', 'domain = "mirror-people.com"'
    )
    write(tmp_path, mirror, "mirror.toml")
    covered = GOOD.replace('id = "example"', 'id = "sister"')
    covered = covered.replace('domain = "example-people.com"', 'domain = "sister.com"').replace(
        'category = "people-search"',
        'category = "people-search"\ncovered_by = "example-people.com"',
    )
    write(tmp_path, covered, "sister.toml")
    orphan = GOOD.replace('id = "example"', 'id = "orphan"')
    orphan = orphan.replace('domain = "example-people.com"', 'domain = "orphan.com"').replace(
        'category = "people-search"', 'category = "people-search"\ncovered_by = "nobody"'
    )
    write(tmp_path, orphan, "orphan.toml")
    brokers, problems = link_brokers(
        {b.id: b for b in (check_broker_file(p)[0] for p in sorted(tmp_path.glob("*.toml"))) if b}
    )
    assert problems == [f"{tmp_path / 'orphan.toml'}:covered_by: no broker 'nobody'"]
    assert brokers["mirror"].searched_as == "example" and brokers["mirror"].group == "Host Inc."
    assert brokers["sister"].group == "Host Inc." and not brokers["sister"].searched_as
    assert brokers["example"].group == "Host Inc." and brokers["orphan"].group == "Example People"
    assert any("covered_by" in p for p in validate_files([tmp_path]))


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://169.254.169.254/latest/{first}", "search.url"),
        ("https://127.0.0.1:6379/{first}", "search.url"),
        ("https://10.0.0.8/people/{last}", "search.url"),
    ],
)
def test_private_and_loopback_targets_are_refused(
    tmp_path: Path, url: str, key: str, private_dirs: dict[str, Path]
) -> None:
    body = GOOD.replace("https://www.example-people.com/{first|lower}-{last|lower}/{state}", url)
    problems = validate_files([write(tmp_path, body)])
    assert any(f":{key}:" in p and "address" in p for p in problems), problems
