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
import contextlib
import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lowprofile.checkers.base import CheckerSpec, ScanOptions
from lowprofile.checkup.records import plan_for as checkup_plan
from lowprofile.config import Settings, history_path, ledger_db_path
from lowprofile.errors import EXIT_FAILED, EXIT_OK, LowprofileError
from lowprofile.mentions.feeds import feeds_for_scan
from lowprofile.results import ScanReport, Severity
from lowprofile.scan import ScanObserver, exit_code, run_scan
from lowprofile.sitting import Progress, opened_by_review
from lowprofile.subject import Subject

if TYPE_CHECKING:
    from lowprofile.optout.model import HandCheck, RequestEvent
    from lowprofile.optout.records import RequestLedger
    from lowprofile.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


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


class History:
    """The person's history and request ledger as one scan uses them: each opened at most
    once, and only when needed.

    Readers (the hand checks before the checkers run, the ledger, the HTML's trend) only open
    files that exist, since a report is never the reason one is created; the save opens the
    history even when it does not. The pipeline does all of it; no checker opens a database.
    A file that cannot be opened fails each step that needs it with the same error, and costs
    only those steps. ``person`` (``Subject.person_id``) owns the scan and every record read
    or written: nobody else's are touched."""

    def __init__(self, person: str) -> None:
        self.person = person
        self._store: Store | None = None
        self._error: LowprofileError | OSError | None = None
        self._ledger: RequestLedger | None = None
        self._ledger_error: LowprofileError | OSError | None = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._ledger is not None:
            self._ledger.__exit__(None, None, None)
            self._ledger = None

    def reader(self) -> Store | None:
        """The open history, or None when there is none yet."""
        if self._store is None and self._error is None and not history_path().is_file():
            return None
        return self.writer()

    def writer(self) -> Store:
        """The open history, created if need be. Scans kept before scans had an owner become
        this person's when they are the one profile there is (said once, as a warning)."""
        from lowprofile.optout.records import may_claim
        from lowprofile.store import Store

        if self._error is not None:
            raise self._error
        if self._store is None:
            try:
                self._store = Store().__enter__()
                if may_claim(self.person):
                    claimed = self._store.claim(self.person)
                    if claimed:
                        log.warning("%d scan(s) kept before scans had an owner are yours", claimed)
            except (LowprofileError, OSError) as exc:
                self._error = exc
                raise
        return self._store

    def ledger(self, *, create: bool = False) -> RequestLedger | None:
        """The person's request ledger; None when there is none yet (nor an older history to
        move one from) and ``create`` is not asked."""
        if self._ledger_error is not None:
            raise self._ledger_error
        if self._ledger is None:
            if not (create or ledger_db_path().is_file() or history_path().is_file()):
                return None
            from lowprofile.optout.records import RequestLedger

            try:
                self._ledger = RequestLedger(self.person).__enter__()
            except (LowprofileError, OSError) as exc:
                self._ledger_error = exc
                raise
            for note in self._ledger.notes:
                log.warning("%s", note)
        return self._ledger


def read_hand_checks(history: History) -> Mapping[str, HandCheck]:
    """What the person recorded for sites searched by hand, for the broker checker; a ledger
    that cannot be read costs those answers (the sites are then links to check), never the scan."""
    try:
        ledger = history.ledger()
        return ledger.hand_checks() if ledger is not None else {}
    except (LowprofileError, OSError) as exc:
        log.warning("hand checks not read: %s", exc)
        return {}


def attempt(problems: list[str], what: str, step: Callable[[], object]) -> bool:
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
    history: History | None = None,
) -> ScanOutcome:
    """Write the outputs of an assessed report and save it; one failure spares the rest.

    The order: the opt-out ledger is moved by the scan first, so every output shows the
    requests as this scan leaves them (the moves are kept only with the scan); the JSON; the
    save; the evidence folder ``pending`` takes the scan's id; then the HTML, which can now link
    each finding to its evidence. A save that fails costs neither file. ``home`` (the profile's
    coordinates, which the report does not keep) centres the HTML report's photo map.
    ``person`` (``Subject.person_id``) owns the scan and the requests it moves. ``history``:
    the scan's one connection, when the caller holds it (else one is held here)."""
    if history is None:
        with History(person) as own:
            return deliver(report, outputs, person=person, home=home, pending=pending, history=own)
    from lowprofile.files import write_private
    from lowprofile.report.json import write_report

    moves = move_ledger(report, history)
    outcome = ScanOutcome(report=report, exit_code=EXIT_OK)
    problems = outcome.problems
    if outputs.json:
        target = outputs.json
        if attempt(problems, f"JSON report {target}", lambda: write_report(report, target)):
            if target != "-":
                outcome.written.append(("JSON report", target))
    if outputs.save:

        def save() -> None:
            outcome.scan_id = save_to_history(report, moves, history)

        attempt(problems, "history", save)
    kept = _attempt_settle(outcome, pending) if pending is not None else None
    if kept is not None:
        outcome.written.append(("Evidence", str(kept)))
    if outputs.html:
        from lowprofile.report.html import render_html

        html = outputs.html.expanduser()
        trend = score_history(report, history)
        proof = evidence_links(kept)
        if attempt(
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


def score_history(report: ScanReport, history: History | None) -> list[tuple[datetime, int]]:
    """The scores of the person's earlier scans of the same subject, for the HTML report's
    trend (none without a person: a report read from a file). Only read when a history exists
    (a report is never the reason one is created); a history that cannot be read costs the
    trend, never the report."""
    if history is None:
        return []
    try:
        store = history.reader()
        if store is None:
            return []
        return store.past_scores(history.person, report.subject, report.started)
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
    report: ScanReport, moves: Sequence[tuple[int, RequestEvent]], history: History
) -> int:
    """Save the person's scan, then the ledger events it caused, naming the scan as their
    evidence."""
    scan_id = history.writer().save(report, history.person)
    if moves:
        ledger = history.ledger(create=True)
        assert ledger is not None  # noqa: S101 - create=True always opens one
        ledger.add_events([(r, replace(e, scan_id=scan_id)) for r, e in moves])
    return scan_id


def move_ledger(report: ScanReport, history: History) -> list[tuple[int, RequestEvent]]:
    """Put the person's opt-out ledger as this scan leaves it into the report, and return the
    events to keep once it is saved. Only read when a ledger (or an older history to move it
    from) exists; a ledger that cannot be read costs the ledger section, never the report."""
    try:
        ledger = history.ledger()
        if ledger is None:
            return []
        from lowprofile.optout.ledger import advance

        moved = advance(ledger.requests(), report)
    except (LowprofileError, OSError) as exc:
        log.warning("the opt-out ledger is left out of this report: %s", exc)
        return []
    report.ledger = moved.entries
    return moved.events


def add_registry_tasks(report: ScanReport, history: History) -> None:
    """Deletion requests to the registered data brokers, in the plan by their worth per minute
    (before the emergency steps, which stay last). A catalogue or ledger that cannot be read
    costs these tasks, never the scan."""
    from lowprofile.plan import PEOPLE_SEARCH, lives_in_california

    if not any(c in PEOPLE_SEARCH for c in report.checkers):
        return  # a scan of usernames or photos only: its plan is about what it checked
    from lowprofile.registry.tasks import registry_actions

    try:
        extra = registry_actions(lives_in_california(report.subject), history.ledger())
    except (LowprofileError, OSError, ValueError) as exc:
        log.debug("registry tasks left out: %s", exc)
        return
    last = report.plan[-1:] if report.plan and report.plan[-1].kind == "emergency" else []
    rest = report.plan[: len(report.plan) - len(last)] + extra
    report.plan = [*sorted(rest, key=lambda a: (-a.per_minute, a.minutes, a.id)), *last]


def scan_options(
    options: ScanOptions | None,
    settings: Settings,
    outputs: Outputs,
    person: str,
    *,
    tag: str = "",
) -> ScanOptions:
    """The options one person's scan runs with: the browser mode is the setting
    ``browser_mode`` unless ``options`` names one, and evidence goes to a provisional folder
    (``scan-<time><tag>``: ``tag`` keeps the folders of people scanned at once apart) that
    takes the scan's history id once it is saved; a scan kept nowhere keeps no pages or
    screenshots of the person either. The mention feeds read are ``person``'s own, unless
    ``options`` names some."""
    options = options or ScanOptions()
    evidence_dir = options.evidence_dir
    if evidence_dir is None and outputs.save:
        from lowprofile.browser.evidence import evidence_root

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        evidence_dir = evidence_root() / f"scan-{stamp}{tag}"
    return replace(
        options,
        browser=options.browser or settings.browser_mode,
        evidence_dir=evidence_dir,
        mention_feeds=options.mention_feeds or feeds_for_scan(person),
    )


def conclude(
    report: ScanReport,
    subject: Subject,
    settings: Settings,
    outputs: Outputs,
    history: History,
    options: ScanOptions,
    *,
    threshold: Severity | None = None,
) -> ScanOutcome:
    """Assess one person's scanned report once, add the registry tasks and the settings
    checkup to its plan, deliver its outputs into the person's own history, ledger and
    evidence folder (``options.evidence_dir``), and decide its exit code."""
    from lowprofile.plan import assess_report

    assess_report(report)
    report.review = opened_by_review(Progress.load(subject.person_id), report)
    add_registry_tasks(report, history)
    report.plan = checkup_plan(report.plan, subject.person_id)
    if options.mention_feeds:  # their alerts are read already: no task to set one up
        report.plan = [a for a in report.plan if a.id != "google-alerts"]
    home = subject.home
    point = (home.lat, home.lon) if home and home.lat is not None and home.lon is not None else None
    outcome = deliver(
        report,
        outputs,
        person=subject.person_id,
        home=point,
        pending=options.evidence_dir,
        history=history,
    )
    outcome.exit_code = exit_code(report, threshold or Severity(settings.fail_on))
    if outcome.problems and outcome.exit_code == EXIT_OK:
        outcome.exit_code = EXIT_FAILED
    return outcome


CONCLUDING = ("lowprofile.plan", "lowprofile.report.json")
"""What ``conclude`` and ``deliver`` load: the plan with its law and remedies, the JSON."""
LOAD_AFTER = 0.1
"""Seconds into a scan when the modules for after it are loaded: by then its first requests
are out (32 of them take 30-50 ms to send), and no answer is back yet from most sites."""


async def loading_meanwhile(scan: Awaitable[T], modules: Sequence[str]) -> T:
    """``scan``, with ``modules`` imported ``LOAD_AFTER`` seconds in, while it waits for its
    answers, rather than before its first request (they were a tenth of a username check's
    start-up) or after its last answer. A scan done sooner leaves them to be imported where
    they are used."""
    loop = asyncio.get_running_loop()
    timer = loop.call_later(LOAD_AFTER, _load, modules)
    try:
        return await scan
    finally:
        timer.cancel()


def _load(modules: Sequence[str]) -> None:
    """Import each of ``modules`` on the event loop, as a head start only: any failure, not
    just ImportError, is left to be raised where the module is used, rather than printed as
    an event loop traceback in the middle of the scan."""
    for name in modules:
        with contextlib.suppress(Exception):  # said where it is used, as a real error
            importlib.import_module(name)


def run_pipeline(
    subject: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    outputs: Outputs,
    *,
    threshold: Severity | None = None,
    observer: ScanObserver | None = None,
    options: ScanOptions | None = None,
    meanwhile: Sequence[str] = (),
) -> ScanOutcome:
    """Scan, assess once, write the outputs, save, and decide the exit code.

    The history is opened once for the whole run (``History``): the hand checks the checkers
    need are read before they start and handed to them in their context. Evidence of what the
    scan finds is kept under a provisional name while the scan runs and takes the scan's
    history id once it is saved (``evidence export ID``); a scan not saved keeps none. A
    scheduled run names the browser mode in ``options``: headless, never waiting for a
    person. ``meanwhile``: modules the caller will need once the scan is done, loaded (with
    this module's own, ``CONCLUDING``) while the scan waits for its answers."""
    options = scan_options(options, settings, outputs, subject.person_id)
    with History(subject.person_id) as history:
        known = read_hand_checks(history)
        scan = run_scan(
            subject, specs, settings, observer=observer, options=options, hand_checks=known
        )
        report = asyncio.run(loading_meanwhile(scan, (*CONCLUDING, *meanwhile)))
        return conclude(
            report,
            subject,
            settings,
            outputs,
            history,
            options,
            threshold=threshold,
        )
