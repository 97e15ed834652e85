"""The one scan → assess → write → save → exit-code flow, for the CLI and the scheduled run alike.

Whatever starts a scan (``lowprofile scan``, ``breaches check``, the scheduler) calls
``run_pipeline``; none of them repeats a step. The requested outputs (``--json``, ``--html``)
are written whether or not the history can be, so an unusable data folder or a locked database
can never cost the person the report they asked for. A failed output is named in
``ScanOutcome.problems`` and makes the exit code non-zero, and every other output is still
written.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lowprofile.checkers.base import CheckerSpec
from lowprofile.config import Settings
from lowprofile.errors import EXIT_FAILED, EXIT_OK, LowprofileError
from lowprofile.plan import assess_report
from lowprofile.results import ScanReport, Severity
from lowprofile.scan import ScanObserver, exit_code, run_scan
from lowprofile.subject import Subject

if TYPE_CHECKING:
    from lowprofile.optout.model import RequestEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outputs:
    """Where a scan's report goes. ``json`` is a path or ``-`` for stdout."""

    json: str | None = None
    html: Path | None = None
    save: bool = True
    """Keep the scan in the local history."""


@dataclass
class ScanOutcome:
    """A finished scan with what became of its outputs."""

    report: ScanReport
    exit_code: int
    scan_id: int | None = None
    """The history id, when the scan was saved."""
    written: list[tuple[str, str]] = field(default_factory=list)
    """(what, path) of each file written, for the person to be told where it is."""
    problems: list[str] = field(default_factory=list)
    """Outputs that failed, one line each; the others were still written."""


def _attempt(problems: list[str], what: str, step: Callable[[], object]) -> bool:
    """Run one output step; a failure becomes a line in ``problems`` instead of ending the run."""
    try:
        step()
    except (LowprofileError, OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        log.debug("%s failed", what, exc_info=True)
        problems.append(f"{what}: {reason}")
        return False
    return True


def deliver(
    report: ScanReport,
    outputs: Outputs,
    *,
    person: str,
    home: tuple[float, float] | None = None,
    pending: Path | None = None,
) -> ScanOutcome:
    """Write the outputs of an assessed report and save it; one failure spares the rest.

    The order: the opt-out ledger is moved by the scan first, so every output shows the
    requests as this scan leaves them (the moves are kept only with the scan); the JSON; the
    save; the evidence folder ``pending`` takes the scan's id; then the HTML, which can now link
    each finding to its evidence. A save that fails costs neither file. ``person``
    (``Subject.person_id``) owns the scan and the requests it moves: nobody else's are read.
    ``home`` (the profile's coordinates, which the report does not keep) centres the HTML
    report's photo map."""
    from lowprofile.files import write_private
    from lowprofile.report.json import write_report

    moves = move_ledger(report, person)
    outcome = ScanOutcome(report=report, exit_code=EXIT_OK)
    problems = outcome.problems
    if outputs.json:
        target = outputs.json
        if _attempt(problems, f"JSON report {target}", lambda: write_report(report, target)):
            if target != "-":
                outcome.written.append(("JSON report", target))
    if outputs.save:

        def save() -> None:
            outcome.scan_id = save_to_history(report, person, moves)

        _attempt(problems, "history", save)
    kept = _attempt_settle(outcome, pending) if pending is not None else None
    if kept is not None:
        outcome.written.append(("Evidence", str(kept)))
    if outputs.html:
        from lowprofile.report.html import render_html

        html = outputs.html.expanduser()
        trend = score_history(report, person)
        proof = evidence_links(kept)
        if _attempt(
            problems,
            f"HTML report {html}",
            lambda: write_private(
                html,
                render_html(report, trend=trend, home=home, evidence=proof),
                make_folders=False,
            ),
        ):
            outcome.written.append(("HTML report", str(html)))
    return outcome


def evidence_links(folder: Path | None) -> dict[str, dict[str, str]]:
    """The proof kept for each broker, for the HTML report; evidence that cannot be read costs
    the links, never the report."""
    from lowprofile.browser.evidence import evidence_index

    if folder is None:
        return {}
    try:
        return evidence_index(folder)
    except (LowprofileError, OSError, ValueError) as exc:
        log.debug("no evidence links in the report: %s", exc)
        return {}


def score_history(report: ScanReport, person: str | None) -> list[tuple[datetime, int]]:
    """The scores of the person's earlier scans of the same subject, for the HTML report's
    trend (none for a report whose person is not known). Only read when a history exists (a
    report is never the reason one is created); a history that cannot be read costs the
    trend, never the report."""
    from lowprofile.store import Store, history_path

    try:
        if person is None or not history_path().is_file():
            return []
        with Store() as store:
            return store.past_scores(person, report.subject, report.started)
    except (LowprofileError, OSError) as exc:
        log.debug("no score history for the trend: %s", exc)
        return []


def _attempt_settle(outcome: ScanOutcome, pending: Path) -> Path | None:
    from lowprofile.browser.evidence import settle

    try:
        return settle(pending, outcome.scan_id)
    except OSError as exc:
        outcome.problems.append(f"evidence {pending}: {exc.strerror or exc}")
        return pending


def save_to_history(
    report: ScanReport, person: str, moves: Sequence[tuple[int, RequestEvent]] = ()
) -> int:
    """Save the person's scan, then the ledger events it caused, naming the scan as their
    evidence. Scans kept before scans had an owner become this person's when they are the one
    profile there is (said once, as a warning)."""
    from lowprofile.optout.records import RequestLedger, may_claim
    from lowprofile.store import Store

    with Store() as store:
        if may_claim(person):
            claimed = store.claim(person)
            if claimed:
                log.warning("%d scan(s) kept before scans had an owner are now yours", claimed)
        scan_id = store.save(report, person)
    if moves:
        with RequestLedger(person) as ledger:
            ledger.add_events([(r, replace(e, scan_id=scan_id)) for r, e in moves])
    return scan_id


def move_ledger(report: ScanReport, person: str) -> list[tuple[int, RequestEvent]]:
    """Put the person's opt-out ledger as this scan leaves it into the report, and return the
    events to keep once it is saved. Only read when a ledger (or an older history to move it
    from) exists; a ledger that cannot be read costs the ledger section, never the report."""
    from lowprofile.optout.ledger import advance
    from lowprofile.optout.records import RequestLedger, ledger_db_path
    from lowprofile.store import history_path

    try:
        if not (ledger_db_path().is_file() or history_path().is_file()):
            return []
        with RequestLedger(person) as ledger:
            for note in ledger.notes:
                log.warning("%s", note)
            moved = advance(ledger.requests(), report)
    except (LowprofileError, OSError) as exc:
        log.warning("the opt-out ledger is left out of this report: %s", exc)
        return []
    report.ledger = moved.entries
    return moved.events


def add_registry_tasks(report: ScanReport, person: str) -> None:
    """Deletion requests to the registered data brokers, in the plan by their worth per minute
    (before the emergency steps, which stay last). A catalogue or ledger that cannot be read
    costs these tasks, never the scan."""
    from lowprofile.plan import PEOPLE_SEARCH, lives_in_california
    from lowprofile.registry.tasks import registry_actions

    if not any(c in PEOPLE_SEARCH for c in report.checkers):
        return  # a scan of usernames or photos only: its plan is about what it checked
    try:
        extra = registry_actions(lives_in_california(report.subject), person)
    except (LowprofileError, OSError, ValueError) as exc:
        log.debug("registry tasks left out: %s", exc)
        return
    last = report.plan[-1:] if report.plan and report.plan[-1].kind == "emergency" else []
    rest = report.plan[: len(report.plan) - len(last)] + extra
    report.plan = [*sorted(rest, key=lambda a: (-a.per_minute, a.minutes, a.id)), *last]


def run_pipeline(
    subject: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    outputs: Outputs,
    *,
    threshold: Severity | None = None,
    observer: ScanObserver | None = None,
    save_pages: Path | None = None,
    options: dict[str, Any] | None = None,
) -> ScanOutcome:
    """Scan, assess once, write the outputs, save, and decide the exit code.

    Evidence of what the scan finds is kept under a provisional name while the scan runs and
    takes the scan's history id once it is saved (``evidence export ID``). The browser mode is
    ``auto`` unless asked otherwise (``LOWPROFILE_BROWSER_MODE``): a scheduled run uses the
    browser headless and never waits for a person."""
    from lowprofile.browser.evidence import evidence_root

    options = dict(options or {})
    options.setdefault("browser", os.environ.get("LOWPROFILE_BROWSER_MODE", "auto"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    pending = Path(options.setdefault("evidence_dir", evidence_root() / f"scan-{stamp}"))
    report = asyncio.run(
        run_scan(
            subject, specs, settings, observer=observer, save_pages=save_pages, options=options
        )
    )
    assess_report(report)
    add_registry_tasks(report, subject.person_id)
    home = subject.home
    point = (home.lat, home.lon) if home and home.lat is not None and home.lon is not None else None
    outcome = deliver(report, outputs, person=subject.person_id, home=point, pending=pending)
    outcome.exit_code = exit_code(report, threshold or Severity(settings.fail_on))
    if outcome.problems and outcome.exit_code == EXIT_OK:
        outcome.exit_code = EXIT_FAILED
    return outcome
