"""Where a review sitting stands, kept in the data folder so ``review --resume`` goes on from there.

One private file per person (``<data>/review/<person>.json``, 0600): each stop answered, how,
and how many seconds it took. The seconds make the estimate ("about 25 min left") and the
scheduled run's "about M minutes"; the answered stops are what a resumed sitting skips. The
sites whose wall the person passed are listed too: their cookies are kept, so the next
unattended scan reads them, and the summary says how many the review opened up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lowprofile.browser.profiles import site_key
from lowprofile.config import data_dir
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.results import ReviewOpened, ScanReport, Status


def progress_path(person: str) -> Path:
    return data_dir() / "review" / f"{site_key(person)}.json"


@dataclass(frozen=True)
class Answer:
    """One stop answered: how (``found``, ``listed``, ``submitted``, ``dead``…) and its time."""

    answer: str
    seconds: float
    at: str
    opened: bool = False
    """A wall the person passed on a site whose recipe then read the page."""


@dataclass
class Progress:
    """One person's sitting: the answers so far, by the stop's key."""

    person: str
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    answers: dict[str, Answer] = field(default_factory=dict)

    @classmethod
    def load(cls, person: str) -> Progress:
        """The person's sitting as kept, or a new one (none kept, or a file that is not ours)."""
        try:
            raw: Any = json.loads(progress_path(person).read_text("utf-8"))
            answers = {key: Answer(**value) for key, value in raw["answers"].items()}
            return cls(person, str(raw["started"]), answers)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(person)

    def save(self) -> None:
        ensure_private_dir(progress_path(self.person).parent)
        data = {
            "started": self.started,
            "answers": {key: vars(answer) for key, answer in self.answers.items()},
        }
        write_private(progress_path(self.person), json.dumps(data, indent=1))

    def record(self, key: str, answer: str, seconds: float, *, opened: bool = False) -> None:
        """One stop answered; kept at once, so an interrupted sitting loses nothing."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self.answers[key] = Answer(answer, round(seconds, 2), at, opened)
        self.save()

    @property
    def seconds_per_site(self) -> float | None:
        """The measured mean, or None before any stop was timed."""
        times = [a.seconds for a in self.answers.values()]
        return sum(times) / len(times) if times else None

    @property
    def opened(self) -> int:
        return len(self.opened_sites)

    @property
    def opened_sites(self) -> set[str]:
        """The broker ids whose wall the person passed and whose page was then read."""
        return {key.split(":")[1] for key, a in self.answers.items() if a.opened and ":" in key}


def opened_by_review(earlier: Progress, report: ScanReport) -> ReviewOpened | None:
    """What the last sitting opened up, as ``report``'s scan saw it: how many of those sites it
    read by itself (None when the last sitting opened none, or came after that scan)."""
    sites = earlier.opened_sites
    if not sites:
        return None
    last = max(datetime.fromisoformat(a.at) for a in earlier.answers.values())
    if report.started <= last:  # the scan came before the sitting: it cannot tell yet
        return None
    read = {
        r.source
        for r in report.results
        if r.source in sites and r.status in (Status.FOUND, Status.POSSIBLE, Status.NOT_FOUND)
    }
    return ReviewOpened(opened=len(sites), read=len(read))


def opened_line(earlier: Progress, report: ScanReport) -> str:
    """``opened_by_review`` in words, '' when there is nothing to say."""
    opened = opened_by_review(earlier, report)
    return opened.sentence("your latest scan") if opened else ""


def progress_line(done: int, total: int, elapsed: float, per_site: float | None) -> str:
    """ "12 of 91, 6 min so far, about 25 min left", from the measured seconds per site."""
    line = f"{done} of {total}, {_minutes(elapsed)} so far"
    if per_site is None or done >= total:
        return line
    return f"{line}, about {_minutes(per_site * (total - done))} left"


def _minutes(seconds: float) -> str:
    if seconds < 60:  # noqa: PLR2004 - a minute
        return f"{round(seconds)} s"
    return f"{round(seconds / 60)} min"
