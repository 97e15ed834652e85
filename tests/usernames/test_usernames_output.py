"""Issue 24: what a usernames check and doctor print, and what the logs keep of the name."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from fixtures.usernames.standin import ACCOUNT, StandIn, standin_sites
from lowprofile.cli.main import app
from lowprofile.privacy import Redactor
from lowprofile.subject import Subject
from lowprofile.usernames.doctor import BROKEN, OK, UNKNOWN, SiteHealth, health_lines

runner = CliRunner()


@pytest.fixture
def standin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> Iterator[StandIn]:
    """20 stand-in sites on 10 loopback addresses; every fifth is a dating site, every fifth
    another an adult one (the stand-in's categories)."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    monkeypatch.setenv("COLUMNS", "250")
    no_network.route(host__regex=r"^127\.0\.0\.\d+$").pass_through()
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2 for the stand-in sites: {exc}")
    with standin_sites(20, tmp_path) as running:
        yield running


def _health(state: str, site: str) -> SiteHealth:
    problems = () if state == OK else (f"{site} said something odd", "and more")
    return SiteHealth(site, state, problems, f"https://{site}.example/u/x")


def test_doctor_prints_one_line_per_broken_site_and_a_count() -> None:
    """Offline, doctor printed a table row (several lines) for each of 700 untestable sites."""
    health = [_health(UNKNOWN, f"unk{i}") for i in range(700)]
    health += [_health(BROKEN, "rotten"), _health(OK, "fine")]
    lines = health_lines(health)
    assert len(lines) == 2
    assert lines[0].startswith("broken  rotten: rotten said something odd; and more")
    assert lines[1].startswith("1 ok, 1 broken, 700 could not be tested, of 702 sites")
    everything = health_lines(health, verbose=True)
    assert len(everything) == 703 and "ok      fine" in everything


def test_doctor_cli_lines(standin: StandIn) -> None:
    result = runner.invoke(app, ["usernames", "doctor", "--sites", str(standin.path)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    broken = {s["name"] for s in standin.sites if s["name"].endswith(("-anyone", "-rotten"))}
    assert {line.split()[1].rstrip(":") for line in lines[:-1]} == broken
    assert all(line.startswith("broken ") for line in lines[:-1])
    assert lines[-1].startswith(f"{20 - len(broken) - 4} ok, {len(broken)} broken, 4 could not")
    verbose = runner.invoke(app, ["usernames", "doctor", "--sites", str(standin.path), "-v"])
    assert len(verbose.stdout.splitlines()) == 21


def test_verbose_logs_mask_the_username_in_every_url(standin: StandIn) -> None:
    """Sites that strip the dot ask for ``janedoe``: that form leaked into the debug log."""
    result = runner.invoke(
        app, ["--verbose", "usernames", "check", ACCOUNT, "--sites", str(standin.path)]
    )
    assert result.exit_code == 1, result.output
    assert "/s3/j***" in result.stderr and "/s0/j***" in result.stderr  # the URLs were logged
    assert "jane" not in result.stderr.lower()


def test_a_scan_masks_every_form_of_the_username() -> None:
    redact = Subject(names=(), usernames=("Jane.Doe",)).redactor()
    text = "GET https://janedoe.example/u/jane.doe?q=Jane.Doe&r=JANEDOE -> 200"
    assert "jane" not in redact(text).lower()
    assert Redactor(usernames=("x",))("x marks") == "x marks"  # one letter says nothing


def test_sensitive_sites_print_no_profile_link_unless_asked(standin: StandIn) -> None:
    sensitive = [s for s in standin.sites if s["cat"] in ("dating", "xx NSFW xx")]
    command = ["usernames", "check", ACCOUNT, "--sites", str(standin.path)]
    shown = runner.invoke(app, command)
    assert shown.exit_code == 1, shown.output
    for site in sensitive:
        path = site["uri_check"].split("/", 3)[3].split("{")[0]  # "s3/"
        assert f"/{path}j" not in shown.stdout, site["name"]
    assert "/s0/jane.doe" in shown.stdout  # other sites keep their links
    asked = runner.invoke(app, [*command, "--show-sensitive"])
    assert "/s3/janedoe" in asked.stdout
    data = runner.invoke(app, [*command, "--json"])
    where = [f["where"] for r in json.loads(data.stdout)["results"] for f in r["findings"]]
    assert any(w.endswith("/s3/janedoe") for w in where)  # the data keeps them
