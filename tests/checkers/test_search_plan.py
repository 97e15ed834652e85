"""The search plan: a three-name, three-city profile asks each URL once, says a missing detail
once per site, and the terminal shows one line per site."""

from __future__ import annotations

import asyncio
import io
from collections import Counter

import httpx
import respx
from rich.console import Console

from lowprofile.checkers.base import select_checkers
from lowprofile.config import Settings
from lowprofile.plan import assess_report
from lowprofile.report.terminal import TerminalReport
from lowprofile.results import Status
from lowprofile.scan import run_scan
from lowprofile.subject import Address, Name, Subject

SUBJECT = Subject(
    names=(
        Name("Jane", "Doe"),
        Name("Jane", "Roe", kind="alias"),
        Name("Janet", "Doe", kind="alias"),
    ),
    addresses=(Address("Austin", "TX"), Address("Dallas", "TX"), Address("Reno", "")),
    birth_year=1984,
)


def test_each_url_once_and_one_line_per_site(no_network: respx.MockRouter) -> None:
    asked: Counter[str] = Counter()

    def answer(request: httpx.Request) -> httpx.Response:
        asked[f"{request.method} {request.url} {request.content!r}"] += 1
        return httpx.Response(200, text="<html><body>nothing here</body></html>")

    no_network.route().mock(side_effect=answer)
    specs, _ = select_checkers(["brokers"])
    report = asyncio.run(run_scan(SUBJECT, specs, Settings(host_interval=0, retries=0)))
    assert asked and max(asked.values()) == 1, asked.most_common(3)
    hints = [r.detail for r in report.results if r.status is Status.SKIPPED and r.source]
    assert len(hints) == len(set(hints))  # each missing detail said once per site
    assert any("the address R***" in h for h in hints)  # and which entry lacks it
    assess_report(report)
    out = io.StringIO()
    Console(file=out, width=120, force_terminal=False, color_system=None).print(
        TerminalReport(report, show_not_found=True)
    )
    rows = [line[2:] for line in out.getvalue().splitlines() if line.count("│") >= 4]
    starts = [row.split("│")[0].strip() for row in rows if row.split("│")[0].strip()]
    sites = {r.source for r in report.results if r.source}
    for site in sites:  # never one line per search: a site heads at most one row
        assert starts.count(site) <= 1, site
    statuses = {r.status for r in report.results}
    assert len(starts) <= len(sites & set(starts)) + len(statuses) + 1  # + the family row
    with_findings = {r.source for r in report.results if r.findings}
    assert with_findings <= set(starts)
