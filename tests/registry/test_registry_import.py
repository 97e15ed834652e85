"""Importing registry CSVs: columns found by meaning, bad rows named by line and skipped."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lowprofile.registry.catalogue import (
    Catalogue,
    load_catalogue,
    save_catalogue,
    shipped_catalogue_path,
)
from lowprofile.registry.errors import RegistryError
from lowprofile.registry.importer import domain_of, import_registry, parse_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "registry"


@pytest.fixture
def sample() -> Catalogue:
    return import_registry(str(FIXTURES / "registry-sample.csv"))


def test_sample_rows_kept_with_their_fields(sample: Catalogue) -> None:
    by_id = {e.id: e for e in sample.entries}
    assert list(by_id) == [
        "brightline-data-llc",
        "pinecrest-lists-pinecrest-holdings-llc",
        "pinecrest-audiences-pinecrest-holdings-llc",
        "acxiom-llc",
        "formonly-inc",
        "badmail-corp",
        "two-address-co",
        "last-broker-ltd",
    ]
    bright = by_id["brightline-data-llc"]
    assert bright.emails == ("privacy@brightline-data.example",)
    assert bright.domains == ("brightline-data.example",)
    assert bright.optout_url == "https://brightline-data.example/privacy"
    assert bright.categories == ("precise geolocation",)
    assert bright.accepts_agents is None  # the 2025 registry does not say
    assert bright.line == 3
    assert by_id["acxiom-llc"].categories == ("FCRA-regulated",)
    assert by_id["pinecrest-audiences-pinecrest-holdings-llc"].categories == ("minors",)
    two = by_id["two-address-co"]
    assert two.emails == ("legal@twoaddr.example", "dpo@twoaddr.example")
    assert two.domains == ("twoaddr.example", "twoaddr-people.example")
    assert two.line == 14
    assert by_id["last-broker-ltd"].line == 17  # after two multi-line rows and a blank row
    assert by_id["formonly-inc"].method == "web form"


def test_malformed_rows_reported_by_line_and_skipped(sample: Catalogue) -> None:
    assert sample.problems == [
        "line 10: Badmail Corp: 'write to us by post' is not an email address; ignored",
        "line 11: 4 cells where the header has 67; skipped",
        "line 12: no broker name; skipped",
        "line 13: Nowhere LLC: no usable email address or opt-out link; skipped",
    ]
    badmail = next(e for e in sample.entries if e.name == "Badmail Corp")
    assert badmail.emails == () and badmail.method == "web form"


def test_unreadable_csv_row_does_not_stop_the_import() -> None:
    text = (
        "Name,Email,Website\r\nGood One,a@good.example,good.example\r\n"
        '"Bad "quote,b@bad.example,x\r\nGood Two,c@two.example,two.example\r\n'
    )
    catalogue = parse_registry(text, "inline")
    assert [e.name for e in catalogue.entries] == ["Good One", "Good Two"]
    assert len(catalogue.problems) == 1
    assert catalogue.problems[0].startswith("line 3: unreadable CSV")


def test_short_headers_and_agent_column() -> None:
    catalogue = import_registry(str(FIXTURES / "simple.csv"))
    agents = {e.name: e.accepts_agents for e in catalogue.entries}
    assert agents == {"Agent Friendly Inc": True, "No Agents LLC": False}
    assert catalogue.entries[0].domains == ("agentfriendly.example",)
    assert catalogue.problems == []


def test_file_without_header_or_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no header row"):
        parse_registry("a,b\r\n1,2\r\n", "x.csv")
    with pytest.raises(RegistryError, match="no usable broker rows"):
        parse_registry("Name,Email\r\n,\r\nNo Contact,\r\n", "y.csv")
    with pytest.raises(RegistryError, match="missing.csv"):
        import_registry(str(tmp_path / "missing.csv"))


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Example.com/x", "example.com"),
        ("example.org", "example.org"),
        ("http://sub.example.net:8080/", "sub.example.net"),
        ("not a url", ""),
    ],
)
def test_domain_of(url: str, domain: str) -> None:
    assert domain_of(url) == domain


def test_saved_catalogue_is_private_and_reads_back(sample: Catalogue, tmp_path: Path) -> None:
    path = save_catalogue(sample, tmp_path / "registry" / "catalogue.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_catalogue(path)
    assert again.entries == sample.entries
    assert again.problems == sample.problems


def test_broken_catalogue_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text('{"schema_version": 9, "entries": []}', encoding="utf-8")
    with pytest.raises(RegistryError, match="catalogue.json: not a registry catalogue"):
        load_catalogue(path)


def test_fresh_install_uses_the_shipped_catalogue() -> None:
    catalogue = load_catalogue()
    assert shipped_catalogue_path().is_file()
    assert len(catalogue.entries) >= 530
    assert len({e.id for e in catalogue.entries}) == len(catalogue.entries)


def test_shared_2025_registry_imports_at_least_530(shared_data: Path) -> None:
    path = shared_data / "ca-registry" / "registry-2025.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    catalogue = import_registry(str(path))
    assert len(catalogue.entries) >= 530
    assert all(p.startswith("line ") for p in catalogue.problems)
    # The shipped fallback is this same import: same brokers, same addresses.
    shipped = load_catalogue(shipped_catalogue_path())
    assert [(e.id, e.emails) for e in shipped.entries] == [
        (e.id, e.emails) for e in catalogue.entries
    ]


def _rows_csv(path: Path, count: int) -> Path:
    lines = ["Name,Website,Email,Opt-out URL"]
    lines += [f"Broker {n},b{n}.example,privacy@b{n}.example," for n in range(count)]
    path.write_text("\r\n".join(lines) + "\r\n", "utf-8")
    return path


def test_a_registry_past_the_row_cap_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23, defect 13: a million rows took 88 s and 4 GB; past the cap, nothing is built."""
    import time

    from typer.testing import CliRunner

    from lowprofile.cli.main import app
    from lowprofile.registry import importer
    from lowprofile.registry.catalogue import catalogue_path

    assert importer.MAX_ROWS == 20_000  # the shipped registry has about 530
    big = _rows_csv(tmp_path / "big.csv", 100_000)
    started = time.monotonic()
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(app, ["registry", "update", str(big)])
    assert result.exit_code == 2, result.output
    assert "more than 20,000 rows" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not catalogue_path().exists()
    assert time.monotonic() - started < 10
    monkeypatch.setattr(importer, "MAX_ROWS", 10)  # the cap counts rows, not lines of header
    assert len(import_registry(str(_rows_csv(tmp_path / "ten.csv", 10))).entries) == 10
    with pytest.raises(RegistryError, match="more than 10 rows"):
        import_registry(str(_rows_csv(tmp_path / "many.csv", 10 + importer.HEADER_SCAN_ROWS)))
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    with pytest.raises(RegistryError, match="this file is refused"):
        import_registry(str(big))
