"""What ``schedule status`` tells: when the job runs next, and how its last run went.

The job's timing is saved beside its settings at install time (``JOB_WHEN``), since reading it
back out of a crontab line, a systemd timer, a plist or a Windows task would need four parsers.
The runner records each run's outcome in ``LAST_RUN`` (counts and a masked one-line reason, never
a personal detail); for runs made before that record existed, the newest daily log gives the date.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from lowprofile.config import config_dir, data_dir
from lowprofile.errors import EXIT_FAILED, EXIT_USAGE
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.schedule.base import WEEKDAYS, Job

JOB_WHEN = "schedule-job.json"
"""In the config folder: when the installed job runs (frequency, day, hour, minute)."""
LAST_RUN = "schedule-last-run.json"
"""In the data folder: the outcome of the last scheduled run."""
T = TypeVar("T")


@dataclass(frozen=True)
class When:
    """When a scheduled job runs, in local time, as ``schedule install`` was told, and the
    profile it scans (so ``status`` can say whether that profile still loads)."""

    frequency: str
    day: int
    hour: int
    minute: int
    profile: str | None = None
    """Absent from records saved before it was kept."""

    @classmethod
    def of(cls, job: Job) -> When:
        return cls(job.frequency, job.day, job.hour, job.minute, str(job.profile))

    def describe(self) -> str:
        clock = f"{self.hour:02d}:{self.minute:02d}"
        if self.frequency == "monthly":
            return f"monthly, on day {self.day} at {clock}"
        return f"weekly, on {WEEKDAYS[self.day].title()} at {clock}"

    def next_after(self, now: datetime) -> datetime:
        """The first run strictly after ``now`` (both local, naive)."""
        today = now.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if self.frequency == "weekly":
            # WEEKDAYS counts from Sunday (cron's 0); datetime.weekday() from Monday.
            ahead = ((self.day - 1) % 7 - now.weekday()) % 7
            candidate = today + timedelta(days=ahead)
            return candidate if candidate > now else candidate + timedelta(days=7)
        candidate = today.replace(day=self.day)  # day is 1-28: every month has it
        if candidate > now:
            return candidate
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        return candidate.replace(year=year, month=month)


@dataclass(frozen=True)
class LastRun:
    """How the last scheduled run ended."""

    finished: str
    """ISO time the run ended (UTC)."""
    exit_code: int
    summary: str
    """One line, masked: "scan 12 saved: 3 finding(s), 1 new" or "failed: " and why."""

    def describe(self) -> str:
        """The ``last run:`` line; a failed run says FAILED first, where the eye lands."""
        verdict = "FAILED " if self.exit_code in (EXIT_USAGE, EXIT_FAILED) else ""
        return f"last run: {verdict}{self.finished} (exit {self.exit_code}): {self.summary}"


def save_when(when: When) -> Path:
    return write_private(config_dir() / JOB_WHEN, json.dumps(asdict(when)))


def forget_when() -> None:
    (config_dir() / JOB_WHEN).unlink(missing_ok=True)


def load_when() -> When | None:
    """The installed job's timing, or None when it was not recorded (or is unreadable)."""
    return _load(config_dir() / JOB_WHEN, When)


def profile_health(when: When | None) -> str:
    """Whether the job's profile still loads: a profile broken since install fails every run."""
    from lowprofile.errors import LowprofileError
    from lowprofile.subject import load_profile

    if when is None or when.profile is None:
        return "profile: not recorded (run `lowprofile schedule install` again to check it)"
    try:
        load_profile(Path(when.profile))
    except LowprofileError as exc:
        return f"profile: cannot be read, so every run fails: {exc}"  # str(): masked
    return f"profile: {when.profile} loads"


def save_last_run(run: LastRun) -> None:
    ensure_private_dir(data_dir())
    write_private(data_dir() / LAST_RUN, json.dumps(asdict(run)))


def load_last_run() -> LastRun | None:
    return _load(data_dir() / LAST_RUN, LastRun)


def newest_log() -> Path | None:
    """The newest ``<data>/logs/YYYY-MM-DD.log``: a run happened that day."""
    logs = sorted((data_dir() / "logs").glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].log"))
    return logs[-1] if logs else None


def _load(path: Path, kind: Callable[..., T]) -> T | None:
    """A record saved as JSON; missing, unreadable or of another shape is None: status is
    advice, and a damaged record must not hide the rest of it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return kind(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


SESSIONLESS = frozenset({"cron"})
"""Schedulers whose jobs run outside the person's desktop session: no display, no session bus,
so no desktop notification reaches anyone from there."""


def unseen_warning(used: list[str], scheduler: str | None) -> str | None:
    """Why a scheduled run's notifications (sent by ``used``) would reach nobody, or None. A
    job's console is read by no one; under cron the desktop is out of reach too, whatever this
    terminal could show."""
    if "email" in used:
        return None
    fix = "set smtp_host and smtp_to (and `lowprofile config set-secret smtp`) to get email"
    if scheduler in SESSIONLESS:
        return f"a job under {scheduler} has no desktop and nobody reads its console: {fix}"
    if used == ["console"]:
        return f"only the console got this, and nobody reads a scheduled job's console: {fix}"
    return None
