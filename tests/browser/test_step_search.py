"""Searches played as steps, against local replicas with a real Chromium.

The PrivateReports-family replica is driven by a shipped broker file's own steps and parse rules
(TruthRecord's, only its first page moved to 127.0.0.1): a made-up person is ``found``, a name
with nobody behind it ``not_found``, a captcha in an unattended scan ``blocked`` (never
"nobody here"). The InfoTracer-style replica shows its results only after a click.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
import tomli_w
from formsite import FormSite, landing_page, serve
from typer.testing import CliRunner

from lowprofile.cli.main import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()
JANE = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--birth-year", "1985"]
NOBODY = ["--name", "Nobody Here", "--city", "Austin", "--state", "TX", "--birth-year", "1985"]
TRACER_RECIPE = """\
id = "tracer"
name = "Tracer"
domain = "tracer.example"
category = "people-search"

[search]
mode = "steps"
url = "{base}/removeMyData?fname={{first}}&lname={{last}}&city={{city}}&state={{state|upper}}"

[[search.steps]]
action = "click"
selector = "#notrobl"

[[search.steps]]
action = "expect"
selector = "//th[contains(text(), 'Report ID')] | //p[@class='none']"

[parse]
cards = ["//tr[td]"]
no_results_selectors = ["//p[@class='none']"]
fields.name = ".//td[3]"
fields.age = ".//td[5]"
fields.locations = {{ selectors = ".//td[6]", all = true }}

[optout]
url = "https://tracer.example/optout"
method = "web form"

[canary]
name = "John Smith"
city = "Chicago"
state = "IL"
"""


@pytest.fixture
def formsite(
    private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FormSite]:
    """The replicas, with the two recipes that point at them as the only broker files."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    recipe = tomllib.loads((REPO / "brokers" / "truthrecord-org.toml").read_text("utf-8"))
    folder = private_dirs["config"] / "brokers"
    folder.mkdir(parents=True)
    with serve() as site:
        site.landing = landing_page(recipe)
        recipe |= {"id": "replica", "name": "Replica", "domain": "replica.example"}
        recipe["search"]["url"] = f"{site.base}/landing"
        (folder / "replica.toml").write_text(tomli_w.dumps(recipe), "utf-8")
        (folder / "tracer.toml").write_text(TRACER_RECIPE.format(base=site.base), "utf-8")
        yield site


def scan(subject: list[str], *flags: str) -> dict[str, dict[str, Any]]:
    result = runner.invoke(app, ["scan", *subject, "--only", "brokers", "--json", "-", *flags])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return {r["source"]: r for r in report["results"] if r.get("source")}


@pytest.mark.browser
def test_form_flow_finds_the_person_and_answers_the_question(
    chromium: None,
    formsite: FormSite,
    no_network: respx.MockRouter,
    private_dirs: dict[str, Path],
) -> None:
    results = scan(JANE, "--browser", "always")
    replica = results["replica"]
    assert replica["status"] == "found", replica
    (finding,) = replica["findings"]  # the Austin card; the namesake of 77 in Fresno is not
    assert finding["evidence"]["age"] == 41
    assert "Austin, TX" in finding["evidence"]["locations"]
    first, answer = formsite.posted
    # what the steps typed: the names and the state, chosen in the drop-down by its two letters
    assert first == {"first": "Jane", "last": "Doe", "state": "TX"}
    assert answer["a"] == "no"  # 41 is not over 45: the "Yes" step was left out for this person
    assert results["tracer"]["status"] == "found", results["tracer"]
    # the page the flow ended on is kept as a browser fetch's is
    folder = private_dirs["data"] / "evidence" / "1" / "replica"
    page = json.loads((folder / "manifest.json").read_text())["pages"][0]
    assert page["via"] == "browser"
    assert "Fresno, CA" in (folder / "page-1.html").read_text()


@pytest.mark.browser
def test_form_flow_with_nobody_is_not_found(
    chromium: None, formsite: FormSite, no_network: respx.MockRouter
) -> None:
    results = scan(NOBODY, "--browser", "always")
    assert results["replica"]["status"] == "not_found", results["replica"]
    assert formsite.hits["/answer"] == 1  # the flow ran to the end before saying so
    assert results["tracer"]["status"] == "not_found", results["tracer"]


@pytest.mark.browser
def test_captcha_in_an_unattended_scan_is_blocked(
    chromium: None, formsite: FormSite, no_network: respx.MockRouter
) -> None:
    formsite.captcha = True
    replica = scan(JANE, "--browser", "always")["replica"]
    assert replica["status"] == "blocked", replica
    assert "captcha" in replica["detail"] and "--show-browser" in replica["detail"]


@pytest.mark.browser
def test_each_page_the_flow_asks_for_waits_its_turn_on_the_host(
    chromium: None,
    formsite: FormSite,
    no_network: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first page, the posted form and the answer are three requests to one host: each one
    waits the host's pause after the one before, as three page fetches would."""
    monkeypatch.setenv("LOWPROFILE_HOST_INTERVAL", "1.5")
    assert scan(JANE, "--browser", "always", "--site", "replica")["replica"]["status"] == "found"
    pages = [(at, path) for at, path in formsite.arrivals if path != "/favicon.ico"]
    times = {path: at for at, path in pages}
    assert [path for _, path in pages] == ["/landing", "/search", "/answer"]
    assert times["/search"] - times["/landing"] >= 1.4
    assert times["/answer"] - times["/search"] >= 1.4


def test_without_the_browser_a_step_search_is_a_link_with_why(formsite: FormSite) -> None:
    replica = scan(JANE, "--browser", "never")["replica"]
    assert replica["status"] == "manual", replica
    assert "form played in a browser" in replica["detail"]
    assert "--browser never" in replica["detail"]
    assert replica["url"] == f"{formsite.base}/landing"
    assert not formsite.hits  # nothing was asked of the site
