"""What a scan could and could not check, counted per site or service rather than per search:
the one count model every view (terminal, HTML, JSON, the plan) reads.

A person asks "did it look at Spokeo?", not "how many of the 9 Spokeo searches answered", so a
site counts as checked when any of its searches got a real answer, as could-not-check when none
did and at least one was blocked, changed or failed, and as to-check-by-hand when it has no
automatic search at all. Breach services count per service, photo folders per folder.

Counts are made once, by ``tally``; ``measure`` turns them into the report's Coverage, and the
plan's hand-check tasks read the same tally, so "97 sites to check by hand" is one number
everywhere. Coverage also says, per kind of source (people-search, breaches, usernames,
photos), whether the scan covered it: a scan that left a kind out by choice (``--only``,
``--skip``, ``--site``) or by failure gets no overall grade.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lowprofile.results import (
    CheckResult,
    Coverage,
    CoverageLine,
    KindScope,
    Status,
    unit_for,
)

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


@dataclass(frozen=True)
class SourceKind:
    """A kind of source a person is exposed through, and the checkers that look at it."""

    id: str
    label: str
    checkers: tuple[str, ...]
    profile_key: str | None
    """The masked-subject key that must be non-empty for the profile to allow this kind; None:
    always expected (a doxing grade means nothing without the people-search sites)."""


KINDS = (
    SourceKind("people-search", "People-search", ("brokers",), None),
    SourceKind("breaches", "Breaches", ("xposedornot", "hibp"), "emails"),
    SourceKind("usernames", "Usernames", ("usernames",), "usernames"),
    SourceKind("photos", "Photos", ("photos",), "photo_dirs"),
)
"""The kinds an overall grade needs, in the order a report names them."""
KIND_ALIASES = {kind.id: kind.checkers for kind in KINDS} | {"breach": KINDS[1].checkers}
"""``--only breaches`` and the like: a kind's name stands for its checkers."""


def _unit(result: CheckResult) -> str:
    if result.checker in PER_SERVICE:
        return result.checker
    if result.checker == "photos":
        return result.target
    return result.source or result.target


@dataclass
class Tally:
    """Every site (service, folder) of a scan in one state, per family: the one count."""

    answered: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unreadable: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    manual: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    families: list[str] = field(default_factory=list)
    only_errors: bool = True
    """Every unreadable source failed with an error (no block, no changed page)."""

    def unit(self, state: str, count: int) -> str:
        """ "sites" (or "sources" when services or folders are among them), singular for 1."""
        table: dict[str, list[str]] = getattr(self, state)
        unit = unit_for(family for family, names in table.items() if names)
        return unit.removesuffix("s") if count == 1 else unit

    def names(self, state: str, checkers: tuple[str, ...] | None = None) -> list[str]:
        """The sites in one state (``unreadable``, ``manual``, ``answered``), optionally of
        some checkers' families only."""
        table: dict[str, list[str]] = getattr(self, state)
        words = None if checkers is None else {family_words(c) for c in checkers}
        return [
            n for family, names in table.items() if words is None or family in words for n in names
        ]


def family_words(checker: str) -> str:
    return FAMILY_WORDS.get(checker, checker)


def tally(results: list[CheckResult]) -> Tally:
    """Each site once: answered when any of its searches answered, unreadable when none did and
    one was tried, by hand when it has no automatic search."""
    statuses: dict[str, dict[str, set[Status]]] = defaultdict(lambda: defaultdict(set))
    for result in results:
        if result.target == "*" and result.status is Status.SKIPPED:
            continue  # a checker that was not ready (no API key) checked nothing
        statuses[family_words(result.checker)][_unit(result)].add(result.status)
    counted = Tally(families=list(statuses))
    for words, units in statuses.items():
        for name, seen in units.items():
            if any(s.is_answer for s in seen):
                counted.answered[words].append(name)
            elif seen <= {Status.MANUAL, Status.SKIPPED}:
                if Status.MANUAL in seen:
                    counted.manual[words].append(name)
            else:
                counted.unreadable[words].append(name)
                if seen & {Status.BLOCKED, Status.CHANGED}:
                    counted.only_errors = False
    return counted


def measure(
    results: list[CheckResult],
    only: list[str] | None = None,
    subject: Mapping[str, Any] | None = None,
    checkers: list[str] | None = None,
) -> Coverage:
    """Count checked, could-not-check and by-hand sources per family, in the order they ran,
    and say per kind whether the scan covered the person. ``only``: the sites a narrowed scan
    (``--site``) was limited to, said first; ``subject``: the masked summary, which says what
    the profile allows; ``checkers``: the checkers the scan ran."""
    counted = tally(results)
    lines = []
    for words in counted.families:
        answered = len(counted.answered[words])
        tried = answered + len(counted.unreadable[words])
        lines.append(CoverageLine(words, answered, tried, len(counted.manual[words])))
    coverage = Coverage(lines, only=list(only or ()))
    coverage.offline = coverage.checked == 0 and coverage.failed > 0 and counted.only_errors
    coverage.kinds = kind_scopes(results, coverage, subject or {}, checkers)
    return coverage


def _allowed(kind: SourceKind, subject: Mapping[str, Any], ran: bool) -> bool:
    """Whether the profile gives this kind something to look for (or the scan looked anyway)."""
    if kind.profile_key is None or ran:
        return True
    return bool(subject.get(kind.profile_key))


def _none_apply(mine: list[CheckResult], real: list[CheckResult]) -> bool:
    """Every site of the kind was skipped one by one for this person (a US-only site for
    someone with no US address): the profile does not allow the kind, nothing was left out."""
    sites = [r for r in mine if r.target != "*"]
    return bool(sites) and all(r.status is Status.SKIPPED for r in real)


def kind_scopes(
    results: list[CheckResult],
    coverage: Coverage,
    subject: Mapping[str, Any],
    checkers: list[str] | None,
) -> list[KindScope]:
    """Per kind the profile allows: checked, or why not, and the kind's own result in words."""
    scopes = []
    for kind in KINDS:
        mine = [r for r in results if r.checker in kind.checkers]
        real = [r for r in mine if not (r.target == "*" and r.status is Status.SKIPPED)]
        if not _allowed(kind, subject, bool(real)) or _none_apply(mine, real):
            continue
        ran = checkers is None or any(c in kind.checkers for c in checkers)
        scopes.append(
            KindScope(
                kind.id, _state(kind, real, mine, ran, coverage, subject), kind_result(kind, real)
            )
        )
    return scopes


def _state(
    kind: SourceKind,
    real: list[CheckResult],
    mine: list[CheckResult],
    ran: bool,
    coverage: Coverage,
    subject: Mapping[str, Any],
) -> str:
    if not ran and not real:
        return "left_out"
    if not real:
        if kind.profile_key is None and not subject.get("names") and "names" in subject:
            return "no_name"
        return "not_ready" if mine else "left_out"
    line = [ln for ln in coverage.lines if ln.what in {family_words(c) for c in kind.checkers}]
    tried = sum(ln.tried for ln in line)
    answered = sum(ln.checked for ln in line)
    if kind.id == "people-search" and coverage.only:
        return "narrowed"
    if not tried:
        return "by_hand"  # no site of this kind can be searched automatically for this person
    if answered == 0:
        return "failed"
    if tried and answered < MIN_ANSWERED * tried:
        return "partly"
    return "checked"


def kind_result(kind: SourceKind, results: list[CheckResult]) -> str:
    """The kind's outcome in one line, e.g. "Photos: 2 of 14 photos reveal a location"."""
    counted = tally(results)
    answered = len(counted.names("answered"))
    tried = answered + len(counted.names("unreadable"))
    findings = [f for r in results for f in r.findings]
    if not results:
        return f"{kind.label}: not checked"
    if kind.id == "photos":
        said = [r.detail.split(";")[0] for r in results if r.status.is_answer and r.detail]
        return f"{kind.label}: " + ("; ".join(said) if said else f"{tried} folders unreadable")
    where = {"people-search": "sites", "breaches": "services", "usernames": "sites"}
    unit = where.get(kind.id, "sources")
    if not tried:
        manual = len(counted.names("manual"))
        return f"{kind.label}: none searched automatically; {manual} to check by hand (the plan)"
    if not answered:
        return f"{kind.label}: none of {tried} {unit if tried != 1 else unit[:-1]} could be read"
    if kind.id == "people-search":
        listed = len({r.source or r.target for r in results if r.findings})
        return f"{kind.label}: listed on {listed} of {answered} {unit} that answered"
    what = {"breaches": ("breach", "breaches"), "usernames": ("account", "accounts")}
    one, many = what.get(kind.id, ("finding", "findings"))
    found = f"{len(findings)} {one if len(findings) == 1 else many}"
    return f"{kind.label}: {found} at {answered} of {tried} {unit} that answered"


SCOPE_WORDS = {
    "left_out": "not checked (left out of this scan)",
    "narrowed": "only the sites named with --site",
    "not_ready": "not checked (not ready: see `lowprofile checkers`)",
    "failed": "none could be read",
    "partly": "too few answered (under half)",
    "no_name": "not checked (no name given)",
    "by_hand": "only by hand (no automatic search applies to you)",
}


def scope_statement(coverage: Coverage) -> str | None:
    """What the scan did not cover, said before anything else; None when it covered all."""
    missing = [k for k in coverage.kinds if not k.covered]
    if not missing:
        return None
    parts = [f"{_label(k.kind)}: {SCOPE_WORDS.get(k.state, k.state)}" for k in missing]
    return "This scan did not cover you: " + "; ".join(parts) + ". No overall grade."


def _label(kind_id: str) -> str:
    return next((k.label for k in KINDS if k.id == kind_id), kind_id)


def is_incomplete(coverage: Coverage) -> bool:
    """Too little answered for a score to be read as "low": a kind the profile allows was left
    out or could not be read, too few sources answered, or the scan was narrowed to a few sites
    (``--site``), which says nothing of the rest."""
    if coverage.only or not coverage.complete:
        return True
    return coverage.tried == 0 or coverage.checked < MIN_ANSWERED * coverage.tried
