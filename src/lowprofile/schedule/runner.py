"""The unattended run a scheduler starts: lock, scan, save, report, diff, notify, and the
opt-outs that are due (``schedule/retry.py``).

No prompts (nothing can answer them), one run at a time (a lock file: a slow month must not
overlap the next), every line logged to ``<data>/logs/`` with personal details masked, and a
notification only when the diff against the previous scan has new exposures.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from lowprofile.config import data_dir, load_settings
from lowprofile.errors import EXIT_FAILED, LowprofileError
from lowprofile.files import ensure_private_dir
from lowprofile.privacy import RedactingFilter
from lowprofile.results import ScanReport
from lowprofile.subject import load_profile

log = logging.getLogger(__name__)


class AlreadyRunning(LowprofileError):
    """Another scheduled run holds the lock."""


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    ensure_private_dir(path.parent)
    handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # Windows: msvcrt locks a byte range instead
            import msvcrt

            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as exc:
            raise AlreadyRunning(f"another lowprofile run holds {path}") from exc
        yield
    finally:
        os.close(handle)


def previous_scan_of(report: ScanReport, scan_id: int) -> ScanReport | None:
    """The latest earlier scan of the same person (same masked subject): a scan of someone else,
    made by hand between two scheduled runs, is no baseline for "what is new"."""
    from lowprofile.store import Store

    with Store() as store:
        for row in reversed(store.scans()):
            if row.id >= scan_id:
                continue
            earlier = store.load(row.id)
            if earlier.subject == report.subject:
                return earlier
    return None


def _record(code: int, summary: str) -> None:
    """Keep the outcome for ``schedule status``; a record that cannot be written is logged, it
    must not turn a finished scan into a failed one."""
    from lowprofile.schedule.status import LastRun, save_last_run

    try:
        save_last_run(LastRun(datetime.now(UTC).isoformat(timespec="seconds"), code, summary))
    except OSError as exc:
        log.warning("could not record the run for `schedule status`: %s", exc)


def run_scheduled(profile: Path, now: datetime | None = None) -> int:
    """One scheduled scan; returns the scan's exit code (1 when something is exposed)."""
    from lowprofile.checkers.base import select_checkers
    from lowprofile.diff import diff_reports
    from lowprofile.pipeline import Outputs, run_pipeline
    from lowprofile.schedule.notify import notify
    from lowprofile.schedule.retry import retry_due

    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    logs = ensure_private_dir(data_dir() / "logs")
    log_path = logs / f"{stamp}.log"
    if not log_path.exists():
        os.close(os.open(log_path, os.O_CREAT | os.O_WRONLY, 0o600))
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with run_lock(data_dir() / "schedule.lock"):
            subject = load_profile(profile)
            handler.addFilter(RedactingFilter(subject.redactor()))
            settings = load_settings()
            specs, _ = select_checkers(None)
            log.info("scheduled scan starting with %d checker(s)", len(specs))
            reports_dir = ensure_private_dir(data_dir() / "reports")
            html = reports_dir / f"{stamp}.html"
            outcome = run_pipeline(subject, specs, settings, Outputs(html=html))
            report, scan_id, code = outcome.report, outcome.scan_id, outcome.exit_code
            for problem in outcome.problems:
                log.error("could not write %s", problem)
            summary = f"{len(report.findings)} finding(s)"
            if scan_id is not None:
                log.info("scan %d saved; %d finding(s)", scan_id, len(report.findings))
                summary = f"scan {scan_id} saved: {summary}"
            if code == EXIT_FAILED:
                # Nobody watches a cron job's exit code: a run that checked nothing must say so.
                why = "; ".join(outcome.problems) or "no source could be reached (offline?)"
                notify("lowprofile: the scheduled scan could not run", why, settings)
                summary = f"could not run: {why}"
            old = previous_scan_of(report, scan_id) if scan_id is not None else None
            if old is not None:
                changes = diff_reports(old, report)
                log.info("diff: %d new, %d resolved", len(changes.new), len(changes.resolved))
                summary += f", {len(changes.new)} new, {len(changes.resolved)} resolved"
                if changes.new:
                    titles = "; ".join(f.title for f in changes.new[:5])
                    notify(
                        f"lowprofile: {len(changes.new)} new exposure(s)",
                        f"{titles}. Report: {html}",
                        settings,
                    )
            retried = retry_due(subject, settings)
            if retried:
                log.info("opt-outs: %s", retried)
                summary += f"; {retried}"
            _record(code, summary)
            return code
    except AlreadyRunning as exc:
        log.warning("%s; this run is skipped", exc)
        return 0
    except LowprofileError as exc:
        log.error("scheduled scan failed: %s", exc)
        _record(2, f"failed: {exc}")  # str(): masked, like the log
        return 2
    finally:
        root.removeHandler(handler)
        handler.close()
