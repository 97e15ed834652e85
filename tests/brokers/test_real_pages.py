"""Every automatic broker recipe earns its place: proved on a real page, or following a maintained
2026 definition, and the real pages read the way the site meant them.

The real pages live in ``tests/fixtures/brokers/real/<broker id>/`` with an ``ORIGIN.toml`` naming
the repository, path, commit and capture date they come from; their markup is the site's, every
personal value in them made up (``[person]`` says who is in them now).
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from helpers.brokers import shipped_brokers
from lowprofile.brokers.evidence import Evidence, all_evidence, evidence_for, evidence_of
from lowprofile.brokers.matcher import FOUND, POSSIBLE, match_listing, parse_place
from lowprofile.brokers.page import read_page
from lowprofile.brokers.schema import Broker
from lowprofile.brokers.template import Query, render
from lowprofile.cli.main import app
from lowprofile.results import Status
from lowprofile.subject import Address, Name, Subject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"
REAL = FIXTURES / "real"
DEFINITIONS_2026 = "DuckDuckGo broker definitions 2026-02"
SEIZED = ("centeda", "clubset", "dataveria", "kwold", "newenglandfacts", "verecor", "veriforia")
CAPTURES = sorted(p.parent.name for p in REAL.glob("*/ORIGIN.toml") if p.parent.name != "botwalls")


@pytest.fixture(scope="module")
def brokers() -> dict[str, Broker]:
    return shipped_brokers()


def origin(broker_id: str) -> dict[str, Any]:
    return tomllib.loads((REAL / broker_id / "ORIGIN.toml").read_text(encoding="utf-8"))


def person_of(info: dict[str, Any]) -> Subject:
    first, last = info["name"].split(" ", 1)
    return Subject(
        names=(Name(first, last),),
        birth_year=info["birth_year"],
        addresses=(Address(info["city"], info["state"]),),
    )


def test_there_are_real_captures() -> None:
    assert {"truepeoplesearch", "advancedbackgroundchecks", "usphonebook"} <= set(CAPTURES)


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_capture_says_where_it_comes_from(broker_id: str) -> None:
    result = origin(broker_id)["result"]
    assert (REAL / broker_id / result["file"]).is_file()
    for key in ("site", "repository", "path", "commit", "excerpt", "replaced"):
        assert result[key], key
    assert len(result["commit"]) == 40
    assert isinstance(result["captured"], date) and result["captured"] >= date(2026, 1, 1)


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_real_result_page_finds_the_person(broker_id: str, brokers: dict[str, Broker]) -> None:
    info = origin(broker_id)
    person = info["person"]
    html = (REAL / broker_id / info["result"]["file"]).read_text(encoding="utf-8")
    reading = read_page(brokers[broker_id], html, 200, person["url"])
    assert reading.status is Status.FOUND, reading.reason
    assert len(reading.listings) == person["listings"]
    subject = person_of(person)
    scored = sorted(
        ((match_listing(listing, subject).confidence, listing) for listing in reading.listings),
        key=lambda pair: -pair[0],
    )
    best_score, best = scored[0]
    assert best_score >= FOUND
    assert best.age == person["age"]
    assert parse_place(person["place"]) in [parse_place(p) for p in best.locations]
    assert person["relative"] in best.relatives
    assert best.url and urlsplit(best.url).netloc.endswith(brokers[broker_id].domain)
    assert all(score < POSSIBLE for score, _ in scored[1:])  # namesakes elsewhere


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_no_result_side_is_backed(broker_id: str, brokers: dict[str, Broker]) -> None:
    """A real no-result page reads `not_found`; without one, every no-result marker of the recipe
    is the site's documented answer (read off the live site, with its source) or the 2026
    definition's, and a recipe with no backing at all must have no marker (a miss then reads
    `changed`, never `not_found`)."""
    info = origin(broker_id).get("no_result", {})
    parse = brokers[broker_id].parse
    if "file" in info:
        html = (REAL / broker_id / info["file"]).read_text(encoding="utf-8")
        status = info.get("status", 200)
        assert read_page(brokers[broker_id], html, status, "u").status is Status.NOT_FOUND
        return
    documented = set(info.get("text", []))
    if documented:
        assert info["repository"] and len(info["commit"]) == 40
        assert isinstance(info["checked"], date) and info["checked"] >= date(2026, 1, 1)
    assert set(parse.no_results_text) <= documented, "a no-result text nobody saw on the site"
    if parse.no_results_selectors:
        assert evidence_for(broker_id).based_on.startswith(DEFINITIONS_2026)


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_documented_no_result_answer_reads_not_found(
    broker_id: str, brokers: dict[str, Broker]
) -> None:
    """The site's own miss answer (its wording, with its status) is `not_found`; the same status
    without the wording is not (a 404 alone may be a search URL that moved)."""
    info = origin(broker_id).get("no_result", {})
    if not info.get("text"):
        pytest.skip(f"{broker_id}: no documented no-result answer")
    broker = brokers[broker_id]
    status = info["status"]
    for text in info["text"]:
        page = f"<html><body><h1>Search</h1><p>Your search - {text} Nobody Here.</p></body></html>"
        assert read_page(broker, page, status, "u").status is Status.NOT_FOUND, text
    bare = "<html><body><h1>Search</h1><p>Something else.</p></body></html>"
    if status not in broker.parse.no_results_status:
        assert read_page(broker, bare, status, "u").status is not Status.NOT_FOUND


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_a_vendor_script_in_the_head_is_not_a_wall(
    broker_id: str, brokers: dict[str, Broker]
) -> None:
    """A real result page served the way protected sites serve ordinary pages: DataDome's tag
    script and its hosts in the Content-Security-Policy (FastPeopleSearch), Cloudflare's
    bot-management script, reCAPTCHA v3 and hCaptcha scoring scripts, the HUMAN (PerimeterX)
    sensor id and Imperva's injected resource. None of these is a wall."""
    info = origin(broker_id)
    html = (REAL / broker_id / info["result"]["file"]).read_text(encoding="utf-8")
    head = (
        '<meta http-equiv="Content-Security-Policy" content="frame-src *.captcha-delivery.com; '
        'script-src js.datadome.co">'
        '<script src="https://js.datadome.co/tags.js" async></script>'
        '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>'
        '<script src="https://www.google.com/recaptcha/api.js?render=6Lc_made_up_site_key"></script>'
        '<script src="https://js.hcaptcha.com/1/api.js" async></script>'
        "<script>window._pxAppId = 'PXmadeup1';</script>"
        '<script src="/_Incapsula_Resource?SWJIYLWA=made-up"></script>'
        '<div class="loading" hidden>Just a moment...</div>'
    )
    served = html.replace("<body>", "<body>" + head, 1)
    assert served != html
    reading = read_page(brokers[broker_id], served, 200, info["person"]["url"])
    assert reading.status is Status.FOUND, reading.reason


@pytest.mark.parametrize("status_code", [200, 403])
def test_real_datadome_challenge_is_blocked_everywhere(
    status_code: int, brokers: dict[str, Broker]
) -> None:
    html = (REAL / "botwalls" / "datadome-challenge.html").read_text(encoding="utf-8")
    for broker in brokers.values():
        if broker.automatic:
            reading = read_page(broker, html, status_code, "u")
            assert reading.status is Status.BLOCKED, broker.id
            assert "DataDome" in reading.reason


@pytest.mark.parametrize("broker_id", CAPTURES)
def test_an_unrelated_page_is_changed(broker_id: str, brokers: dict[str, Broker]) -> None:
    html = (FIXTURES / "unrelated_page.html").read_text(encoding="utf-8")
    assert read_page(brokers[broker_id], html, 200, "u").status is Status.CHANGED


def test_every_automatic_recipe_has_evidence(brokers: dict[str, Broker]) -> None:
    """The guard: proved on a real page (capture kept here) or following the 2026-02 set."""
    for broker in brokers.values():
        if not broker.automatic:
            continue
        evidence = evidence_for(broker.id)
        proved = evidence.verified is not None and broker.id in CAPTURES
        follows = evidence.based_on.startswith(DEFINITIONS_2026)
        assert proved or follows, f"{broker.id}: automatic without a real page or a 2026 definition"
        if broker.verified:
            assert proved, f"{broker.id}: verified = true without a real page kept here"
        if proved:
            captured = origin(broker.id)["result"]["captured"]
            assert evidence.verified == captured, broker.id


def test_evidence_names_only_shipped_automatic_recipes(brokers: dict[str, Broker]) -> None:
    """A proof or a definition backs only an automatic recipe; a withdrawal only a manual one."""
    for broker_id, backing in all_evidence().items():
        assert broker_id in brokers, broker_id
        if backing.verified or backing.based_on:
            assert brokers[broker_id].automatic and not backing.withdrawn, broker_id
        else:
            assert backing.withdrawn and not brokers[broker_id].automatic, broker_id


def test_one_automatic_search_per_host(brokers: dict[str, Broker]) -> None:
    hosts: dict[str, str] = {}
    for broker in brokers.values():
        if broker.automatic:
            host = urlsplit(broker.search.url).netloc.removeprefix("www.")
            assert host not in hosts, f"{broker.id} and {hosts.get(host)} search {host}"
            assert host.endswith(broker.domain), f"{broker.id} searches {host}"
            hosts[host] = broker.id


def test_seized_and_script_only_sites_are_manual(brokers: dict[str, Broker]) -> None:
    for broker_id in (*SEIZED, "beenverified"):
        assert not brokers[broker_id].automatic, broker_id
    for broker_id in SEIZED:
        assert "court order" in brokers[broker_id].optout.notes
    assert "neighbors-report" not in brokers
    assert "neighbors.report" in brokers["neighbor-report"].mirrors


# No public fact of its search URL, and its opt-out starts from a record found on the homepage.
HOMEPAGE_ONLY = {"voterrecords"}


def test_manual_links_are_never_a_bare_homepage(brokers: dict[str, Broker]) -> None:
    for broker in brokers.values():
        if not broker.automatic and broker.id not in HOMEPAGE_ONLY:
            path = urlsplit(broker.search.url).path
            assert "{" in broker.search.url or path not in ("", "/"), broker.id


def test_brokers_list_says_what_backs_each_automatic_recipe() -> None:
    result = CliRunner().invoke(app, ["brokers", "list", "--json"])
    assert result.exit_code == 0
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    for row in rows.values():
        if row["search"] == "auto":
            assert row["verified_on"] or row["based_on"], row["id"]
    assert rows["spokeo"]["verified_on"] == "2026-09-09"
    assert rows["fastpeoplesearch"]["verified_on"] is None
    assert rows["fastpeoplesearch"]["based_on"].startswith(DEFINITIONS_2026)
    assert rows["verecor"]["based_on"] is None and rows["verecor"]["search"] == "manual"
    automatic = sorted(i for i, row in rows.items() if row["optout"]["automatic"])
    assert automatic == sorted(i for i, b in shipped_brokers().items() if b.optout.steps)
    assert "spokeo" in automatic and "clubset" not in automatic  # seized: no steps


def test_a_users_own_file_carries_no_shipped_evidence(
    tmp_path: Path, brokers: dict[str, Broker]
) -> None:
    assert evidence_of(brokers["spokeo"]).verified == date(2026, 9, 9)
    own = SimpleNamespace(id="spokeo", source=str(tmp_path / "spokeo.toml"))
    assert evidence_of(own) == Evidence()


def test_a_panel_around_the_cards_is_not_a_listing(brokers: dict[str, Broker]) -> None:
    """AdvancedBackgroundChecks' cards are picked by their Tailwind classes; a results panel with
    the same classes around all of them must not read as one more person."""
    html = (REAL / "advancedbackgroundchecks" / "result.html").read_text(encoding="utf-8")
    wrapped = html.replace('<div id="results">', '<div id="results" class="rounded-lg border">')
    assert wrapped != html
    reading = read_page(brokers["advancedbackgroundchecks"], wrapped, 200, "https://x.test/")
    assert len(reading.listings) == origin("advancedbackgroundchecks")["person"]["listings"]


def test_places_in_url_paths_are_hyphenated(brokers: dict[str, Broker]) -> None:
    """Sites write two-word places as new-york in their paths, never new%20york."""
    query = Query(Name("Jane", "Doe"), Address("Salt Lake City", "NC"), age=42)  # North Carolina
    for broker in brokers.values():
        if not broker.automatic:
            continue
        url = render(broker.search.url, query)
        path = urlsplit(url).path
        assert "%20" not in path and " " not in path, f"{broker.id}: {url}"
    fps = render(brokers["fastpeoplesearch"].search.url, query)
    assert fps == "https://www.fastpeoplesearch.com/name/jane-doe_salt-lake-city-nc"
    spokeo = render(brokers["spokeo"].search.url, query)
    assert spokeo == "https://www.spokeo.com/Jane-Doe/North-Carolina/Salt-Lake-City"
