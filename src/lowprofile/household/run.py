"""``scan --household``: the user and every member scanned at once over one client and clock.

Politeness is the site's due, not each person's: a people-search site asked for the user and
for two members sees three searches, which must be spaced as any three of one scan. So everyone
is scanned over one ``scan.Session`` (one HTTP client: one per-host clock, one queue of slots;
one browser on that clock), never one per person. Everything else stays per person: each
scan is assessed, saved in that person's history, moves that person's ledger and keeps its
evidence in that person's folder, exactly as their own ``lowprofile scan`` would.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lowprofile.errors import EXIT_FAILED, EXIT_FOUND, EXIT_OK
from lowprofile.household.links import links_to_you
from lowprofile.household.report import HouseholdReport, Scanned
from lowprofile.pipeline import (
    History,
    Outputs,
    attempt,
    conclude,
    read_hand_checks,
    scan_options,
)
from lowprofile.privacy import Redactor
from lowprofile.scan import ScanObserver, open_session, scan_in

if TYPE_CHECKING:
    from lowprofile.checkers.base import CheckerSpec, ScanOptions
    from lowprofile.config import Settings
    from lowprofile.optout.model import HandCheck
    from lowprofile.pipeline import ScanOutcome
    from lowprofile.results import CheckResult, ScanReport, Severity
    from lowprofile.subject import Subject


@dataclass(frozen=True)
class Person:
    """Someone scanned in a household run: ``you`` or a member, with their profile file (None
    for a user scanned from flags)."""

    name: str
    subject: Subject
    profile: Path | None = None


@dataclass
class HouseholdOutcome:
    """The household report, the exit code, and what became of the outputs."""

    household: HouseholdReport
    exit_code: int
    written: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class EveryoneRedactor(Redactor):
    """Masks the details of everyone scanned in the run in the logs, not only the user's."""

    def __init__(self, subjects: Sequence[Subject]) -> None:
        super().__init__()
        self._each = [subject.redactor() for subject in subjects]

    def __call__(self, text: str) -> str:
        for redactor in self._each:
            text = redactor(text)
        return text


class NamedObserver:
    """Progress of one person's scan, its checkers named after the person: the household's
    scans run at once, and each has a ``brokers`` of its own."""

    def __init__(self, inner: ScanObserver, name: str) -> None:
        self.inner = inner
        self.name = name

    def checker_started(self, checker_id: str, title: str, total: int) -> None:
        self.inner.checker_started(f"{self.name}:{checker_id}", f"{self.name}: {title}", total)

    def advance(self, checker_id: str, steps: int) -> None:
        self.inner.advance(f"{self.name}:{checker_id}", steps)

    def result(self, result: CheckResult) -> None:
        self.inner.result(result)

    def checker_finished(self, checker_id: str) -> None:
        self.inner.checker_finished(f"{self.name}:{checker_id}")


async def scan_everyone(
    people: Sequence[Person],
    specs: list[CheckerSpec],
    settings: Settings,
    options: Sequence[ScanOptions],
    hand_checks: Sequence[Mapping[str, HandCheck]],
    observer: ScanObserver | None = None,
) -> list[ScanReport]:
    """Everyone's scan at once over one session: one client, one clock, one queue.
    ``options`` and ``hand_checks`` are each person's, in the order of ``people``."""
    async with open_session(settings, options[0]) as session:
        return list(
            await asyncio.gather(
                *(
                    scan_in(
                        session,
                        person.subject,
                        specs,
                        settings,
                        observer=NamedObserver(observer, person.name) if observer else None,
                        options=own,
                        hand_checks=known,
                    )
                    for person, own, known in zip(people, options, hand_checks, strict=True)
                )
            )
        )


def _own_commands(report: ScanReport, profile: Path | None) -> None:
    """A member's plan as the household report shows it: each opt-out command acts on the
    member's records (``--profile`` of theirs), not on the user's. (Every ``optout`` command
    takes ``--profile``; a photo strip names its files and needs none.)"""
    if profile is None:
        return
    who = f" --profile {shlex.quote(str(profile))}"
    report.plan = [
        replace(a, command=a.command + who)
        if a.command and a.command.startswith("lowprofile optout ")
        else a
        for a in report.plan
    ]


def household_code(outcomes: Sequence[ScanOutcome]) -> int:
    """One exit code for the run: 3 when a person's scan could not run or an output failed
    (a scheduled household run must say so), else 1 when anyone has exposures at or above
    ``--fail-on``, else 0."""
    codes = [o.exit_code for o in outcomes]
    if EXIT_FAILED in codes:
        return EXIT_FAILED
    return EXIT_FOUND if EXIT_FOUND in codes else EXIT_OK


def run_household(
    people: Sequence[Person],
    specs: list[CheckerSpec],
    settings: Settings,
    *,
    json_out: str | None = None,
    html_out: Path | None = None,
    save: bool = True,
    threshold: Severity | None = None,
    observer: ScanObserver | None = None,
    options: ScanOptions | None = None,
) -> HouseholdOutcome:
    """Scan the user (``people[0]``) and each member, save each scan as its person's, and
    write the one household report (``json_out``: a path or ``-``; ``html_out``) with the
    links to the user."""
    outputs = Outputs(save=save)
    own = [
        scan_options(options, settings, outputs, person.subject.person_id, tag=f"-{i}")
        for i, person in enumerate(people)
    ]
    known = []
    for person in people:
        with History(person.subject.person_id) as history:
            known.append(read_hand_checks(history))
    reports = asyncio.run(scan_everyone(people, specs, settings, own, known, observer))
    outcomes: list[ScanOutcome] = []
    scanned: list[Scanned] = []
    for person, report, options_used in zip(people, reports, own, strict=True):
        with History(person.subject.person_id) as history:
            outcome = conclude(
                report,
                person.subject,
                settings,
                outputs,
                history,
                options_used,
                threshold=threshold,
            )
        outcomes.append(outcome)
        if person is not people[0]:
            _own_commands(report, person.profile)
        scanned.append(
            Scanned(person.name, person.subject.person_id, report, outcome.scan_id, person.profile)
        )
    you, members = scanned[0], scanned[1:]
    links = [
        link
        for member in members
        for link in links_to_you(people[0].subject, member.name, member.report, member.profile)
    ]
    household = HouseholdReport(you, members, links)
    result = HouseholdOutcome(household, household_code(outcomes))
    for outcome, person in zip(outcomes, people, strict=True):
        result.written += [(f"{what} ({person.name})", path) for what, path in outcome.written]
        result.problems += [f"{person.name}: {problem}" for problem in outcome.problems]
    _write_outputs(result, json_out, html_out)
    if result.problems:
        result.exit_code = EXIT_FAILED
    return result


def _write_outputs(result: HouseholdOutcome, json_out: str | None, html_out: Path | None) -> None:
    """The household JSON and HTML; a failure of one is a problem line and spares the other
    (``pipeline.attempt``, as a person's own outputs)."""
    from lowprofile.files import write_private
    from lowprofile.household.render import render_html, write_json

    if json_out:
        target = json_out
        what = f"household JSON report {target}"
        if attempt(result.problems, what, lambda: write_json(result.household, target)):
            if target != "-":
                result.written.append(("household JSON report", target))
    if html_out:
        path = html_out.expanduser()
        what = f"household HTML report {path}"

        def write() -> None:
            write_private(path, render_html(result.household), make_folders=False)

        if attempt(result.problems, what, write):
            result.written.append(("household HTML report", str(path)))
