"""Running a scan: the chosen checkers concurrently, their results collected into a ScanReport.

This is the core the CLI drives; it imports neither typer nor rich. Progress goes out through a
``ScanObserver`` so a terminal can draw bars while a script gets nothing. A checker that raises,
or cannot even be loaded, becomes an ``error`` result: the scan itself never crashes because one
source misbehaved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from lowprofile.checkers.base import CheckContext, CheckerSpec, ScanOptions, load_checker
from lowprofile.config import Settings
from lowprofile.errors import CheckerError
from lowprofile.fetch.http import Http
from lowprofile.fetch.memory import HostMemory
from lowprofile.fetch.politeness import HostClock
from lowprofile.results import CheckResult, Finding, ScanReport, Severity, Status
from lowprofile.subject import Subject

if TYPE_CHECKING:
    from lowprofile.browser.engine import BrowserEngine
    from lowprofile.browser.evidence import EvidenceKeeper
    from lowprofile.optout.model import HandCheck

log = logging.getLogger(__name__)


class ScanObserver(Protocol):
    """Receives progress; the CLI's implementation draws rich progress bars."""

    def checker_started(self, checker_id: str, title: str, total: int) -> None: ...

    def advance(self, checker_id: str, steps: int) -> None: ...

    def result(self, result: CheckResult) -> None: ...

    def checker_finished(self, checker_id: str) -> None: ...


class NullObserver:
    """Progress that goes nowhere, for scripts and tests."""

    def checker_started(self, checker_id: str, title: str, total: int) -> None:
        return None

    def advance(self, checker_id: str, steps: int) -> None:
        return None

    def result(self, result: CheckResult) -> None:
        return None

    def checker_finished(self, checker_id: str) -> None:
        return None


def exit_code(report: ScanReport, fail_on: Severity) -> int:
    """0: nothing at or above ``fail_on``; 1: something is; 3: nothing could be checked at all.

    "Nothing could be checked" means no source gave a real answer and at least one failed: an
    offline machine. Links to check by hand are not answers. A scan where every site was blocked
    but one answered still ran.
    """
    if any(f.severity.at_least(fail_on) for f in report.findings):
        return 1
    answered = any(r.status.is_answer for r in report.results)
    failed = any(r.status is Status.ERROR for r in report.results)
    if failed and not answered:
        return 3
    return 0


async def _run_one(
    spec: CheckerSpec, subject: Subject, shared: CheckContext, observer: ScanObserver
) -> list[CheckResult]:
    """One checker's results; ``shared`` is the scan's context, given this checker's progress."""
    results: list[CheckResult] = []
    settings = shared.settings

    def add(result: CheckResult) -> None:
        results.append(result)
        observer.result(result)

    try:
        checker = load_checker(spec)
    except CheckerError as exc:
        add(CheckResult(checker=spec.id, target="*", status=Status.ERROR, detail=str(exc)))
        return results
    readiness = checker.readiness(settings)
    if not readiness.ready:
        add(CheckResult(spec.id, "*", Status.SKIPPED, detail=readiness.reason))
        return results
    try:
        total = checker.targets(subject)
    except Exception:
        total = 0
    observer.checker_started(spec.id, checker.title, total)
    ctx = replace(shared, advance=lambda n: observer.advance(spec.id, n))
    try:
        async for result in checker.check(subject, ctx):
            add(result)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a checker bug must not end the scan
        log.debug("checker %s raised", spec.id, exc_info=True)
        add(
            CheckResult(
                checker=spec.id,
                target="*",
                status=Status.ERROR,
                detail=f"checker failed: {exc.__class__.__name__}: {exc}",
            )
        )
    finally:
        observer.checker_finished(spec.id)
    return results


def _richness(finding: Finding) -> int:
    return sum(1 for value in finding.evidence.values() if value not in (None, "", [], {}))


def merge_duplicates(results: list[CheckResult]) -> list[CheckResult]:
    """One exposure reported by two sources (a breach in both HIBP and XposedOrNot) is one
    Finding: the richer report is kept, the other's sources and missing details are merged in,
    and the other result keeps its status with a note instead of a second copy."""
    best: dict[str, Finding] = {}
    merged_sources: dict[str, list[str]] = {}
    for result in results:
        for finding in result.findings:
            sources = merged_sources.setdefault(finding.key, [])
            for source in finding.evidence.get("sources") or [result.checker]:
                if source not in sources:
                    sources.append(source)
            kept = best.get(finding.key)
            if kept is None or _richness(finding) > _richness(kept):
                if kept is not None:
                    finding = replace(finding, evidence={**kept.evidence, **_filled(finding)})
                best[finding.key] = finding
            else:
                best[finding.key] = replace(kept, evidence={**finding.evidence, **_filled(kept)})
    placed: set[str] = set()
    out: list[CheckResult] = []
    for result in results:
        findings = []
        for finding in result.findings:
            if finding.key in placed:
                continue
            placed.add(finding.key)
            chosen = best[finding.key]
            if len(merged_sources[finding.key]) > 1:
                evidence = {**chosen.evidence, "sources": merged_sources[finding.key]}
                chosen = replace(chosen, evidence=evidence)
            findings.append(chosen)
        if len(findings) < len(result.findings):
            note = f"{len(result.findings) - len(findings)} also reported by another source"
            detail = f"{result.detail}; {note}" if result.detail else note
            result = replace(result, findings=tuple(findings), detail=detail)
        elif findings:
            result = replace(result, findings=tuple(findings))
        out.append(result)
    return out


def _filled(finding: Finding) -> dict[str, Any]:
    return {k: v for k, v in finding.evidence.items() if v not in (None, "", [], {})}


def _evidence(options: ScanOptions, browser: BrowserEngine | None) -> EvidenceKeeper | None:
    if options.evidence_dir is None:
        return None
    from lowprofile.browser.evidence import EvidenceKeeper
    from lowprofile.browser.locate import availability

    never = (options.browser or "never") == "never"
    why = "the browser was not used (--browser never)" if never else ""
    return EvidenceKeeper(options.evidence_dir, browser, why or availability().reason)


@contextlib.asynccontextmanager
async def open_browser(
    settings: Settings,
    options: ScanOptions,
    politeness: HostClock | None = None,
    network_down: Callable[[str], bool] | None = None,
) -> AsyncIterator[BrowserEngine | None]:
    """The scan's one browser, or None (``--browser never``, or no engine on this machine).
    Chromium itself starts on the first page that needs it, so a scan without one pays nothing.
    ``politeness`` is the HTTP client's per-host clock: one pause per host for both, and
    ``network_down`` its "network is down" rule (``Http.down_for``), one for both. The
    engine's modules are only loaded for a run that may use one (10 ms of every start)."""
    if (options.browser or "never") == "never":
        yield None
        return
    from lowprofile.browser.engine import BrowserEngine
    from lowprofile.browser.locate import availability

    found = availability()
    if not found.ready:
        yield None
        return
    engine = BrowserEngine(
        settings,
        visible=options.show_browser,
        notify=options.notify,
        found=found,
        politeness=politeness,
        network_down=network_down,
    )
    try:
        yield engine
    finally:
        await engine.close()


@dataclass(frozen=True)
class Session:
    """What every scan of one run shares: the HTTP client (its one per-host clock and its one
    queue of slots) and the browser on that clock. A household run scans several people over
    one session, so a site sees the whole household's requests spaced as one person's."""

    http: Http
    browser: BrowserEngine | None


@contextlib.asynccontextmanager
async def open_session(
    settings: Settings,
    options: ScanOptions,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Session]:
    """The run's one HTTP client and one browser on its clock (``options`` chooses the
    browser's mode and window, the same for everyone scanned in the run). The client starts
    the hosts that were slow last run first and keeps what this run saw (``HostMemory``)."""
    async with (
        Http(settings, transport=transport, memory=HostMemory.load()) as http,
        open_browser(settings, options, http.politeness, http.down_for) as br,
    ):
        yield Session(http, br)


async def scan_in(
    session: Session,
    subject: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    *,
    observer: ScanObserver | None = None,
    options: ScanOptions | None = None,
    hand_checks: Mapping[str, HandCheck] | None = None,
) -> ScanReport:
    """Run every checker in ``specs`` for one person concurrently over ``session``.
    ``hand_checks``: what the person recorded by hand, read from the history by the caller (a
    checker opens no database); ``options.evidence_dir`` is this person's evidence folder."""
    observer = observer or NullObserver()
    started = datetime.now(UTC)
    options = options or ScanOptions()
    shared = CheckContext(
        http=session.http,
        settings=settings,
        options=options,
        browser=session.browser,
        evidence=_evidence(options, session.browser),
        hand_checks=hand_checks or {},
    )
    batches = await asyncio.gather(*(_run_one(spec, subject, shared, observer) for spec in specs))
    return ScanReport(
        subject=subject.masked(),
        started=started,
        finished=datetime.now(UTC),
        checkers=[spec.id for spec in specs],
        results=merge_duplicates([r for batch in batches for r in batch]),
        scope=list(options.sites),
    )


async def run_scan(
    subject: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    *,
    observer: ScanObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    options: ScanOptions | None = None,
    hand_checks: Mapping[str, HandCheck] | None = None,
) -> ScanReport:
    """Run every checker in ``specs`` concurrently over one shared HTTP client and one browser.
    ``hand_checks``: what the person recorded by hand, read from the history by the caller (a
    checker opens no database)."""
    options = options or ScanOptions()
    async with open_session(settings, options, transport=transport) as session:
        return await scan_in(
            session,
            subject,
            specs,
            settings,
            observer=observer,
            options=options,
            hand_checks=hand_checks,
        )
