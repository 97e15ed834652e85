"""The unattended run a scheduler starts: lock, scan, save, report, diff, notify, and the
opt-outs that are due (``schedule/retry.py``).

No prompts (nothing can answer them), one run at a time with a deadline (``schedule/lock.py``),
every line logged to ``<data>/logs/`` with personal details masked. Nobody watches a scheduled
job's exit code or console, so the person is notified when the diff has new exposures and
whenever the run failed: it could not start, it could not read the profile or settings, it ran
out of time, or it reached too few sources for its result to mean anything (exit 3: a month
that reached nothing must not look like a clean month).
"""

from __future__ import annotations

import logging
import os
import traceback
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from lowprofile.config import Settings, data_dir, load_settings
from lowprofile.coverage import FAMILY_WORDS, MIN_ANSWERED, measure
from lowprofile.errors import (
    EXIT_FAILED,
    EXIT_USAGE,
    ConfigError,
    LowprofileError,
    ProfileError,
)
from lowprofile.files import ensure_private_dir
from lowprofile.privacy import RedactingFilter
from lowprofile.results import ScanReport
from lowprofile.schedule import lock
from lowprofile.schedule.lock import AlreadyRunning, run_lock
from lowprofile.schedule.saved import check_proxies
from lowprofile.subject import load_profile

log = logging.getLogger(__name__)

FAILED_TITLE = "lowprofile: the scheduled scan failed"
LOCAL_SOURCES = frozenset({FAMILY_WORDS["photos"]})
"""Coverage families read on this machine: they answer with the network down, so they do not
count towards what a run reached."""


def previous_scan_of(report: ScanReport, scan_id: int, person: str) -> ScanReport | None:
    """The person's latest earlier scan of the same subject: a scan of someone else, made by
    hand between two scheduled runs, is no baseline for "what is new"."""
    from lowprofile.store import Store

    with Store() as store:
        for row in reversed(store.scans(person)):
            if row.id >= scan_id:
                continue
            earlier = store.load(row.id)
            if earlier.subject == report.subject:
                return earlier
    return None


def unreached(report: ScanReport) -> tuple[int, int] | None:
    """``(could not be read, tried)`` over the sources reached through the network, when fewer
    than half of them answered (the coverage threshold); None when enough did, or none was
    tried."""
    coverage = report.coverage or measure(report.results, report.scope)
    lines = [line for line in coverage.lines if line.what not in LOCAL_SOURCES]
    tried = sum(line.tried for line in lines)
    checked = sum(line.checked for line in lines)
    if tried and checked < MIN_ANSWERED * tried:
        return tried - checked, tried
    return None


def network_hint(settings: Settings) -> str:
    """What most likely went wrong when nothing could be reached."""
    found = urllib.request.getproxies()
    if settings.proxy or any(found.get(s) for s in ("http", "https", "all")):
        return "is your proxy/Tor running?"
    return "is this machine online?"


def _how_often() -> str:
    from lowprofile.schedule.status import load_when

    when = load_when()
    return when.frequency if when is not None else "scheduled"


def _record(code: int, summary: str) -> None:
    """Keep the outcome for ``schedule status``; a record that cannot be written is logged, it
    must not turn a finished scan into a failed one."""
    from lowprofile.schedule.status import LastRun, save_last_run

    try:
        save_last_run(LastRun(datetime.now(UTC).isoformat(timespec="seconds"), code, summary))
    except OSError as exc:
        log.warning("could not record the run for `schedule status`: %s", exc)


def _fail(code: int, why: str, settings: Settings) -> int:
    """A run that failed: logged, recorded for ``schedule status`` and told to the person."""
    from lowprofile.schedule.notify import notify

    log.error("scheduled scan failed: %s", why)
    _record(code, f"failed: {why}")
    notify(FAILED_TITLE, why, settings)
    return code


def _open_log(stamp: str) -> logging.FileHandler:
    logs = ensure_private_dir(data_dir() / "logs")
    log_path = logs / f"{stamp}.log"
    if not log_path.exists():
        os.close(os.open(log_path, os.O_CREAT | os.O_WRONLY, 0o600))
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def run_scheduled(profile: Path, now: datetime | None = None) -> int:
    """One scheduled scan; returns its exit code: 1 when something is exposed, 3 when the run
    failed (and the person was told), 2 when the profile or settings cannot be used."""
    started = now or datetime.now(UTC)
    handler = _open_log(started.strftime("%Y-%m-%d"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    settings = Settings()  # until the real ones load: notifications still reach the desktop
    watchdog = None
    try:
        settings = load_settings()
        check_proxies(os.environ)
        with run_lock(data_dir() / "schedule.lock", started):
            watchdog = lock.start_deadline(
                lock.RUN_DEADLINE.total_seconds(), lambda: _out_of_time(settings)
            )
            return _scan(profile, settings, handler, started)
    except AlreadyRunning as exc:
        return _skipped(exc, settings, started)
    except (ProfileError, ConfigError) as exc:
        return _fail(EXIT_USAGE, str(exc), settings)  # str(): masked, like the log
    except LowprofileError as exc:
        return _fail(EXIT_FAILED, str(exc), settings)
    except Exception as exc:
        # A bug must still be told, and must not exit 1 ("exposures found"). The traceback goes
        # to stderr (the scheduler's own log), not to the masked log file it could not be masked
        # for.
        traceback.print_exc()
        return _fail(EXIT_FAILED, f"internal error ({type(exc).__name__}): see stderr", settings)
    finally:
        if watchdog is not None:
            watchdog.cancel()
        root.removeHandler(handler)
        handler.close()


def _out_of_time(settings: Settings) -> None:
    why = f"stopped after {lock.span(lock.RUN_DEADLINE)}: a site or the mailbox never answered"
    _fail(EXIT_FAILED, why, settings)


def _skipped(exc: AlreadyRunning, settings: Settings, now: datetime) -> int:
    """Another run holds the lock. A young lock is a slow run that will report itself: this run
    is skipped, and the person told so (exit 0). A lock older than any run may last is a stuck
    process: a failure, with the process to end named (exit 3)."""
    from lowprofile.schedule.notify import notify

    held = exc.holder.held_for(now)
    if held is not None and held < lock.STALE_AFTER:
        log.warning("%s; this run is skipped", exc)
        notify("lowprofile: a scheduled scan was skipped", f"{exc}: it is still running", settings)
        return 0
    length = lock.span(held) if held is not None else "an unknown time"
    end = f" (`kill {exc.holder.pid}`)" if exc.holder.pid is not None else ""
    why = f"{exc} and has for {length}, longer than a run may take: it is stuck; end it{end}"
    return _fail(EXIT_FAILED, why, settings)


def _scan(profile: Path, settings: Settings, handler: logging.Handler, started: datetime) -> int:
    from lowprofile.checkers.base import select_checkers
    from lowprofile.diff import diff_reports
    from lowprofile.pipeline import Outputs, run_pipeline
    from lowprofile.schedule.notify import notify
    from lowprofile.schedule.retry import retry_due

    subject = load_profile(profile)
    handler.addFilter(RedactingFilter(subject.redactor()))
    specs, _ = select_checkers(None)
    log.info("scheduled scan starting with %d checker(s)", len(specs))
    html = ensure_private_dir(data_dir() / "reports") / f"{started:%Y-%m-%d}.html"
    outcome = run_pipeline(subject, specs, settings, Outputs(html=html))
    report, scan_id, code = outcome.report, outcome.scan_id, outcome.exit_code
    for problem in outcome.problems:
        log.error("could not write %s", problem)
    summary = f"{len(report.findings)} finding(s)"
    if scan_id is not None:
        log.info("scan %d saved; %d finding(s)", scan_id, len(report.findings))
        summary = f"scan {scan_id} saved: {summary}"
    old = previous_scan_of(report, scan_id, subject.person_id) if scan_id is not None else None
    waiting = _waiting_line(report, subject.person_id)
    told = False
    if old is not None:
        changes = diff_reports(old, report)
        log.info("diff: %d new, %d resolved", len(changes.new), len(changes.resolved))
        summary += f", {len(changes.new)} new, {len(changes.resolved)} resolved"
        if changes.new:
            titles = "; ".join(f.title for f in changes.new[:5])
            notify(
                f"lowprofile: {len(changes.new)} new exposure(s)",
                f"{titles}. Report: {html}" + (f". {waiting}" if waiting else ""),
                settings,
            )
            told = True
    missed = unreached(report)
    if missed is not None:
        # Opt-out retries would go out over the same broken network (or around the proxy).
        why = (
            f"your {_how_often()} scan could not reach {missed[0]} of {missed[1]} sites: "
            f"{network_hint(settings)}"
        )
        return _fail(EXIT_FAILED, f"{why} ({summary})", settings)
    if code == EXIT_FAILED:
        why = "; ".join(outcome.problems) or "no source could be reached (offline?)"
        return _fail(EXIT_FAILED, f"{why} ({summary})", settings)
    retried = retry_due(subject, settings)
    if retried:
        log.info("opt-outs: %s", retried)
        summary += f"; {retried}"
    if waiting and not told:
        notify("lowprofile: your monthly scan", f"No new exposures. {waiting}", settings)
    _record(code, summary)
    return code


def _waiting_line(report: ScanReport, person: str) -> str:
    """ "N sites need you: run `lowprofile review` (about M minutes)" ('' when none do, or
    when the ledger cannot be read: that costs the line, never the run)."""
    from lowprofile.review.queue import waiting_for_person
    from lowprofile.sitting import Progress

    try:
        return waiting_for_person(report, person, Progress.load(person).seconds_per_site)
    except LowprofileError:
        log.warning("could not count the sites that need you", exc_info=True)
        return ""
