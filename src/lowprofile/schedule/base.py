"""What every scheduler backend shares: the job to run, and the backend interface.

The job runs the installed ``lowprofile`` by absolute path (a scheduler has no PATH worth the
name) as ``lowprofile schedule run --profile FILE``: that runner takes a lock, scans with
``--quiet --html <data>/reports/<date>.html``, logs to ``<data>/logs/``, diffs against the last
scan and notifies when something new appeared. Installing twice leaves one entry.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lowprofile.errors import LowprofileError

JOB_NAME = "lowprofile-scan"
WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]


class ScheduleError(LowprofileError):
    """The scheduler could not be changed (the message says which and why)."""


@dataclass(frozen=True)
class Job:
    """When to run, and the exact command."""

    executable: Path
    profile: Path
    frequency: str  # "monthly" or "weekly"
    day: int
    """Day of the month (1–28) when monthly; day of the week (0 = Sunday … 6) when weekly."""
    hour: int
    minute: int
    env_file: Path | None = None
    """The settings in force at install time (``saved.capture_settings``), so a job under cron scans
    with the same proxy and writes to the same folders as the person who installed it."""

    def __post_init__(self) -> None:
        for what, path in (
            ("program", self.executable),
            ("profile", self.profile),
            ("settings file", self.env_file),
        ):
            if path is not None and _UNSAFE_IN_JOB.search(str(path)):
                # A newline in a path would write a second, live line into the crontab.
                raise ScheduleError(f"the {what} path {str(path)!r} holds a control character")
        if self.frequency not in ("monthly", "weekly"):
            raise ScheduleError(f"frequency {self.frequency!r} is not monthly or weekly")
        if self.frequency == "monthly" and not 1 <= self.day <= 28:
            raise ScheduleError("--day must be 1 to 28 for a monthly scan (every month has it)")
        if self.frequency == "weekly" and not 0 <= self.day <= 6:
            raise ScheduleError("--day must be 0 (Sunday) to 6 (Saturday) for a weekly scan")
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ScheduleError("--time must be HH:MM")

    @property
    def argv(self) -> list[str]:
        argv = [str(self.executable), "schedule", "run", "--profile", str(self.profile)]
        if self.env_file is not None:
            argv += ["--settings", str(self.env_file)]
        return argv


_UNSAFE_IN_JOB = re.compile(r"[\x00-\x1f\x7f]")
"""Control characters end a crontab or unit line (``%`` is escaped by the cron backend)."""


class Backend(Protocol):
    name: str

    def available(self) -> bool: ...

    def install(self, job: Job) -> str: ...

    def remove(self) -> bool: ...

    def status(self) -> str | None: ...

    def daemon(self) -> str | None:
        """One line on whether the scheduler will start the job at all (a cron daemon that is
        not running, a timer that is not active); None where that cannot be told or always
        holds (launchd, the Windows task scheduler)."""
        ...


def lowprofile_executable() -> Path:
    """The installed console script, by absolute path."""
    beside = Path(sys.executable).with_name("lowprofile")
    if beside.exists():
        return beside.resolve()
    found = shutil.which("lowprofile")
    if found:
        return Path(found).resolve()
    raise ScheduleError("cannot find the installed `lowprofile` program to schedule")


def parse_time(text: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in text.split(":"))
    except ValueError as exc:
        raise ScheduleError(f"--time {text!r} is not HH:MM") from exc
    return hour, minute
