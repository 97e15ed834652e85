"""What a scan could and could not check, counted per site or service rather than per search.

A person asks "did it look at Spokeo?", not "how many of the 9 Spokeo searches answered", so a
site counts as checked when any of its searches got a real answer, as could-not-check when none
did and at least one was blocked, changed or failed, and as to-check-by-hand when it has no
automatic search at all. Breach services count per service, photo folders per folder.
"""

from __future__ import annotations

from collections import defaultdict

from lowprofile.results import CheckResult, Coverage, CoverageLine, Status

FAMILY_WORDS = {
    "brokers": "people-search sites",
    "xposedornot": "breach services",
    "hibp": "breach services",
    "photos": "photo folders",
    "usernames": "username sites",
}
"""How each checker's sources are named in the coverage sentence; a plug-in's checker id is used
as it is."""
PER_SERVICE = frozenset({"xposedornot", "hibp"})
"""Checkers that are one service however many addresses they are asked about."""
MIN_ANSWERED = 0.5
"""Below this share of automatic sources answering, a score is incomplete: most of what could
list the person was not seen."""


def _unit(result: CheckResult) -> str:
    if result.checker in PER_SERVICE:
        return result.checker
    if result.checker == "photos":
        return result.target
    return result.source or result.target


def measure(results: list[CheckResult], only: list[str] | None = None) -> Coverage:
    """Count checked, could-not-check and by-hand sources per family, in the order they ran.
    ``only``: the sites a narrowed scan (``--site``) was limited to, said first."""
    statuses: dict[str, dict[str, set[Status]]] = defaultdict(lambda: defaultdict(set))
    for result in results:
        if result.target == "*" and result.status is Status.SKIPPED:
            continue  # a checker that was not ready (no API key) checked nothing
        words = FAMILY_WORDS.get(result.checker, result.checker)
        statuses[words][_unit(result)].add(result.status)
    lines = []
    only_errors = True
    for words, units in statuses.items():
        checked = tried = manual = 0
        for seen in units.values():
            if any(s.is_answer for s in seen):
                checked += 1
                tried += 1
            elif seen <= {Status.MANUAL, Status.SKIPPED}:
                manual += Status.MANUAL in seen
            else:
                tried += 1
                only_errors = only_errors and not (seen & {Status.BLOCKED, Status.CHANGED})
        lines.append(CoverageLine(words, checked, tried, manual))
    coverage = Coverage(lines, only=list(only or ()))
    coverage.offline = coverage.checked == 0 and coverage.failed > 0 and only_errors
    return coverage


def is_incomplete(coverage: Coverage) -> bool:
    """Too little answered for a score to be read as "low": or the scan was narrowed to a few
    sites (``--site``), which says nothing of the rest."""
    if coverage.only:
        return True
    return coverage.tried == 0 or coverage.checked < MIN_ANSWERED * coverage.tried
