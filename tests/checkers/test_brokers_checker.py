"""The broker checker end to end over every shipped broker, with respx answering each site."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
import respx

from lowprofile.brokers.template import Query
from lowprofile.checkers.base import ScanOptions, select_checkers
from lowprofile.config import Settings
from lowprofile.results import ScanReport, Severity, Status
from lowprofile.scan import run_scan
from lowprofile.subject import Address, Name, Subject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brokers"
SUBJECT = Subject(
    names=(Name("Jane", "Doe", "Q"), Name("Jane", "Smith", kind="former")),
    birth_year=1984,
    addresses=(Address("Austin", "TX"),),
)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def scan(settings: Settings) -> ScanReport:
    specs, _ = select_checkers(["brokers"])
    return asyncio.run(run_scan(SUBJECT, specs, settings))


def test_mixed_outcomes_over_all_shipped_brokers(no_network: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        host = request.url.host.removeprefix("www.")
        if host == "fastpeoplesearch.com":
            return httpx.Response(200, text=fixture("fastpeoplesearch_results.html"))
        if host == "truepeoplesearch.com":
            return httpx.Response(403, text=fixture("cloudflare_challenge.html"))
        if host == "spokeo.com":
            return httpx.Response(404, text="not here")
        if host == "veripages.com":
            return httpx.Response(200, text=fixture("veripages_results.html"))
        if host == "usphonebook.com":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, text=fixture("unrelated_page.html"))

    no_network.route().mock(side_effect=answer)
    report = scan(Settings(host_interval=0.05, retries=0))
    by_source: dict[str, set[Status]] = defaultdict(set)
    for result in report.results:
        by_source[result.source or ""].add(result.status)

    assert by_source["fastpeoplesearch"] == {Status.FOUND}  # under both of her names
    fps = [r for r in report.results if r.source == "fastpeoplesearch"]
    assert sum(len(r.findings) for r in fps) == 1  # the same listing is counted once
    assert by_source["truepeoplesearch"] == {Status.BLOCKED}
    assert by_source["spokeo"] == {Status.NOT_FOUND}
    assert by_source["veripages"] == {Status.NOT_FOUND}  # namesakes in other states only
    assert by_source["verecor"] == {Status.MANUAL}  # the domain was seized: no automatic search
    assert by_source["usphonebook"] == {Status.ERROR}
    assert by_source["searchpeoplefree"] == {Status.CHANGED}
    assert by_source["intelius"] == {Status.MANUAL}

    found = next(r for r in report.results if r.status is Status.FOUND)
    assert len(found.findings) == 1  # Jane, not her relative John nor the Oregon namesake
    finding = found.findings[0]
    assert finding.where == "https://www.fastpeoplesearch.com/jane-doe_id_G1111111111"
    assert finding.severity is Severity.HIGH  # name with street addresses
    assert "address" in finding.exposed and "relatives" in finding.exposed
    assert finding.remedy is not None and finding.remedy.url.startswith("https://")
    assert finding.remedy.group == "Mississippi Tornado Alley LLC"
    assert not found.verified
    assert "J***" in found.target and "Jane" not in found.target
    # Politeness (one host's requests apart) is fetch/'s, tested in tests/fetch on a virtual clock.


def test_no_network_gives_no_not_found(no_network: respx.MockRouter) -> None:
    no_network.route().mock(side_effect=httpx.ConnectError("network is unreachable"))
    report = scan(Settings(host_interval=0, retries=1, backoff=0))
    statuses = {r.status for r in report.results}
    assert Status.NOT_FOUND not in statuses
    assert Status.ERROR in statuses
    assert statuses <= {Status.ERROR, Status.MANUAL, Status.SKIPPED}


def test_rate_limit_is_blocked_not_not_found(no_network: respx.MockRouter) -> None:
    no_network.route().mock(return_value=httpx.Response(429, headers={"Retry-After": "0"}))
    report = scan(Settings(host_interval=0, retries=1, backoff=0))
    auto = [r for r in report.results if r.status not in (Status.MANUAL, Status.SKIPPED)]
    assert auto and {r.status for r in auto} == {Status.BLOCKED}


def test_save_pages(no_network: respx.MockRouter, tmp_path: Path) -> None:
    no_network.route().mock(return_value=httpx.Response(200, text="<html>saved</html>"))
    specs, _ = select_checkers(["brokers"])
    pages = ScanOptions(save_pages=tmp_path / "pages")
    asyncio.run(run_scan(SUBJECT, specs, Settings(host_interval=0), options=pages))
    saved = list((tmp_path / "pages").glob("*.html"))
    assert saved and all(p.stat().st_mode & 0o777 == 0o600 for p in saved)


def test_missing_city_is_skipped_with_a_hint(no_network: respx.MockRouter) -> None:
    no_network.route().mock(return_value=httpx.Response(200, text="x"))
    subject = Subject(names=(Name("Jane", "Doe"),))
    specs, _ = select_checkers(["brokers"])
    report = asyncio.run(run_scan(subject, specs, Settings(host_interval=0)))
    skipped = [r for r in report.results if r.status is Status.SKIPPED]
    assert skipped and any("a city" in r.detail for r in skipped)


def test_the_subject_searches_are_worked_out_once_per_scan(
    no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: ``queries_for`` ran for the progress count, again per broker for the plan and
    again per broker for the searches; now once, and every broker searches the same queries."""
    from lowprofile.checkers import brokers

    no_network.route().respond(404, text="")
    calls: list[Subject] = []
    real = brokers.queries_for

    def counted(subject: Subject) -> list[Query]:
        calls.append(subject)
        return real(subject)

    monkeypatch.setattr(brokers, "queries_for", counted)
    report = scan(Settings(host_interval=0, retries=0))
    assert calls == [SUBJECT]
    searched = [r for r in report.results if r.status is not Status.SKIPPED]
    assert len({r.source for r in searched}) > 20  # many brokers, one computation
