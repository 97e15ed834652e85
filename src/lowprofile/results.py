"""The data model at the bottom of the house: what checkers return and what a scan makes of it.

CheckResult, Finding and Remedy come from checkers; Risk and Action are what ``risk.py`` and
``plan.py`` make of them; ScanReport holds one whole scan. Every other part of lowprofile (the
renderers, the history, the opt-out ledger, the scheduler) depends on these shapes and on nothing
above them, which is why this module imports nothing but the standard library.

These are plain data with a JSON round trip, because the same objects feed the terminal report,
the JSON report, the HTML report and the history database. ``docs/report-schema.json`` is the one
description of that JSON; ``SCHEMA_VERSION`` versions it: bump it when a field changes meaning,
and teach ``from_dict`` to read the older form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from lowprofile import __version__
from lowprofile.safe_text import json_safe

SCHEMA_VERSION = 1


def json_text(data: Any, indent: int | None = None) -> str:
    """JSON that is valid UTF-8 whatever it holds: a file name that is not UTF-8 reaches Python
    with lone surrogates, which would make invalid UTF-8 (and SQLite refuses them); its bytes
    are written as ``\\xNN``, the way the photos commands show them (``safe_text``). Such text
    is rare, and it is exactly what makes the encoded text fail to encode as UTF-8: so the data
    is encoded as it is first, and passed through ``json_safe`` only when that fails (3 of the
    10 ms a 300-site report took)."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(json_safe(data), indent=indent, ensure_ascii=False)
    return text


class Status(StrEnum):
    """How one checker's answer for one target came out.

    Only ``FOUND`` and ``POSSIBLE`` carry findings. ``NOT_FOUND`` needs positive evidence from the
    source; anything we could not read is one of the other statuses, never "not found".
    """

    FOUND = "found"
    POSSIBLE = "possible"
    NOT_FOUND = "not_found"
    BLOCKED = "blocked"
    CHANGED = "changed"
    ERROR = "error"
    MANUAL = "manual"
    SKIPPED = "skipped"

    @property
    def has_findings(self) -> bool:
        return self in (Status.FOUND, Status.POSSIBLE)

    @property
    def is_answer(self) -> bool:
        """True when the source really answered (found, possible or a positive not-found)."""
        return self in (Status.FOUND, Status.POSSIBLE, Status.NOT_FOUND)

    @property
    def needs_hand_check(self) -> bool:
        """True when the user has to look by hand because we could not get an honest answer."""
        return self in (Status.BLOCKED, Status.CHANGED, Status.ERROR, Status.MANUAL)


class Severity(StrEnum):
    """How much one finding helps someone who wants to find or hurt the user."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and for the exit-code threshold."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Kind(StrEnum):
    """The families of exposure lowprofile's own checkers report. ``Finding.kind`` stays a plain
    string so a plug-in can add its own; the risk score weighs an unknown kind by severity."""

    BROKER_LISTING = "broker_listing"
    BREACH = "breach"
    PASTE = "paste"
    PHOTO_LOCATION = "photo_location"
    PHOTO_IDENTITY = "photo_identity"
    ACCOUNT = "account"
    MENTION = "mention"


def is_photo_kind(kind: str) -> bool:
    """Photo findings expose the user only once a photo is shared, so they weigh less."""
    return kind in (Kind.PHOTO_LOCATION, Kind.PHOTO_IDENTITY) or kind.startswith("photo")


class Grade(StrEnum):
    """The risk score in one word, lowest first."""

    LOW = "low"
    MODERATE = "moderate"
    ELEVATED = "elevated"
    HIGH = "high"
    SEVERE = "severe"


class RequestState(StrEnum):
    """Where one request stands.

    Steps and hand requests: ``submitted`` → ``email_pending`` → ``awaiting_removal`` come from
    the run that sent it; ``confirmed_removed`` and ``reappeared`` only from a scan in which the
    broker answered; ``failed`` from a form that changed, a mail that never came, or a listing
    still there after the broker's re-check time; ``needs_you`` from a captcha in a run nobody
    watched. Registry emails: ``drafted`` (an .eml written, not sent), ``submitted`` (the mail
    server took it; the legal deadline runs), ``answered`` (the broker wrote back from its own
    domain), ``confirmed_removed`` or ``refused`` (the person read the answer), ``failed`` (the
    server would not take it).
    """

    DRAFTED = "drafted"
    SUBMITTED = "submitted"
    EMAIL_PENDING = "email_pending"
    AWAITING_REMOVAL = "awaiting_removal"
    ANSWERED = "answered"
    CONFIRMED_REMOVED = "confirmed_removed"
    REFUSED = "refused"
    FAILED = "failed"
    REAPPEARED = "reappeared"
    NEEDS_YOU = "needs_you"


@dataclass(frozen=True)
class LedgerEntry:
    """One opt-out request as it stands: which listing, its state since when, why, and the
    evidence behind that state (a screenshot folder, or the scan that showed it)."""

    broker: str
    listing: str
    """The listing asked to be removed; empty for a request about the whole site."""
    state: RequestState
    since: datetime
    detail: str
    evidence: str = ""
    submitted: datetime | None = None
    """When the request was first sent (None: never sent, e.g. the first run needs you)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "listing": self.listing,
            "state": self.state.value,
            "since": self.since.isoformat(),
            "detail": self.detail,
            "evidence": self.evidence,
            "submitted": self.submitted.isoformat() if self.submitted else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerEntry:
        submitted = data.get("submitted")
        return cls(
            broker=data["broker"],
            listing=data.get("listing", ""),
            state=RequestState(data["state"]),
            since=datetime.fromisoformat(data["since"]),
            detail=data.get("detail", ""),
            evidence=data.get("evidence", ""),
            submitted=datetime.fromisoformat(submitted) if submitted else None,
        )


@dataclass(frozen=True)
class Remedy:
    """What the user can do about a finding, precise enough to act on without searching."""

    action: str
    """Kind of action: ``optout``, ``change_password``, ``enable_mfa``, ``strip``, ``settings``…"""
    summary: str
    """One sentence a person can follow."""
    url: str | None = None
    method: str | None = None
    """How the request goes: ``web form``, ``email``, ``mail``, ``phone``, ``account``…"""
    requires: tuple[str, ...] = ()
    command: str | None = None
    """A lowprofile command that does it, e.g. ``lowprofile photos strip IMG_1.jpg``."""
    group: str | None = None
    """Findings sharing a group are solved by one action (e.g. one parent company's opt-out)."""
    minutes: int | None = None
    """Rough effort, so the action plan can order by risk removed per minute."""
    recheck_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "action": self.action,
            "summary": self.summary,
            "url": self.url,
            "method": self.method,
            "requires": list(self.requires),
            "command": self.command,
            "group": self.group,
            "minutes": self.minutes,
            "recheck_days": self.recheck_days,
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Remedy:
        return cls(
            action=str(data["action"]),
            summary=str(data.get("summary", "")),
            url=data.get("url"),
            method=data.get("method"),
            requires=tuple(data.get("requires") or ()),
            command=data.get("command"),
            group=data.get("group"),
            minutes=data.get("minutes"),
            recheck_days=data.get("recheck_days"),
        )


@dataclass(frozen=True)
class Finding:
    """One exposed piece of the user's life, where it is, and what to do about it."""

    kind: str
    """Family of exposure: ``broker_listing``, ``breach``, ``paste``, ``photo_metadata``…"""
    title: str
    """A short line a person reads first, e.g. "Spokeo lists your address and relatives"."""
    where: str
    """A URL or a file path: the place the user can go and see it."""
    exposed: tuple[str, ...] = ()
    """Field names: ``address``, ``phone``, ``relatives``, ``age``, ``email``, ``gps``…"""
    severity: Severity = Severity.MEDIUM
    confidence: float = 1.0
    remedy: Remedy | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    """JSON-safe details (parsed listing fields, breach facts, coordinates). May hold untrusted
    text from web pages: renderers escape it."""
    reasons: tuple[str, ...] = ()
    """Why we think this is the user, in words ("name and city match; age 41 fits 1984")."""
    key: str = ""
    """Stable identity across scans, for history diffs. Defaults to kind + where."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within 0..1, got {self.confidence}")
        if not self.key:
            object.__setattr__(self, "key", f"{self.kind}:{self.where}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.title,
            "where": self.where,
            "exposed": list(self.exposed),
            "severity": self.severity.value,
            "confidence": round(self.confidence, 3),
            "remedy": self.remedy.to_dict() if self.remedy else None,
            "evidence": self.evidence,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        remedy = data.get("remedy")
        return cls(
            kind=str(data["kind"]),
            title=str(data.get("title", "")),
            where=str(data.get("where", "")),
            exposed=tuple(data.get("exposed") or ()),
            severity=Severity(data.get("severity", "medium")),
            confidence=float(data.get("confidence", 1.0)),
            remedy=Remedy.from_dict(remedy) if remedy else None,
            evidence=dict(data.get("evidence") or {}),
            reasons=tuple(data.get("reasons") or ()),
            key=str(data.get("key", "")),
        )


@dataclass(frozen=True)
class CheckResult:
    """One checker's answer for one target (one broker search, one email, one photo folder)."""

    checker: str
    """Stable id of the checker family that produced it (history keys depend on it)."""
    target: str
    """What was checked, masked where it names the user: ``spokeo`` for a broker, the masked
    email for a breach service, a folder for photos."""
    status: Status
    findings: tuple[Finding, ...] = ()
    detail: str = ""
    """One line for a person: why blocked, what the error was, what to check by hand."""
    url: str | None = None
    """Where the user can check by hand (a prefilled search link) when status asks for it."""
    source: str | None = None
    """The site or service inside a family, e.g. the broker id ``spokeo``."""
    verified: bool = True
    """False when the recipe that produced this answer was never confirmed against the real site."""
    recipe: str | None = None
    """Which version of the recipe answered (a broker search): ``shipped, definition 0.6.0``,
    ``installed main@64c442ee31b8 (2026-12-07), definition 0.7.0`` or ``your own file``."""

    def __post_init__(self) -> None:
        if self.findings and not self.status.has_findings:
            raise ValueError(f"a {self.status.value!r} result cannot carry findings")

    @property
    def worst_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "source": self.source,
            "target": self.target,
            "status": self.status.value,
            "findings": [f.to_dict() for f in self.findings],
            "detail": self.detail,
            "url": self.url,
            "verified": self.verified,
            "recipe": self.recipe,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            checker=str(data["checker"]),
            target=str(data.get("target", "")),
            status=Status(data["status"]),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings") or ()),
            detail=str(data.get("detail", "")),
            url=data.get("url"),
            source=data.get("source"),
            verified=bool(data.get("verified", True)),
            recipe=data.get("recipe"),
        )


@dataclass
class CoverageLine:
    """How much of one family of sources gave a real answer."""

    what: str
    """Plural words for the family: "people-search sites", "breach services", "photo folders"."""
    checked: int
    """Sources that answered (found, possible, or a positive not-found)."""
    tried: int
    """Sources searched automatically: the checked ones plus those that could not be read."""
    manual: int = 0
    """Sources with no automatic search: a prefilled link to check by hand."""

    @property
    def failed(self) -> int:
        return self.tried - self.checked

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoverageLine:
        return cls(
            what=str(data["what"]),
            checked=int(data["checked"]),
            tried=int(data["tried"]),
            manual=int(data.get("manual", 0)),
        )


def unit_for(families: Iterable[str]) -> str:
    """The unit of a count over these families ("people-search sites", "breach services"):
    "sites" when all are sites, else "sources". A count never says URLs or searches."""
    return "sites" if all(words.endswith("sites") for words in families) else "sources"


@dataclass
class KindScope:
    """Whether one kind of source (people-search, breaches, usernames, photos) covered the
    person: a score means something only when every kind the profile allows did."""

    kind: str
    """``people-search``, ``breaches``, ``usernames``, ``photos`` (or a plug-in's checker id)."""
    state: str
    """``checked``; or why not: ``left_out`` (--only/--skip), ``narrowed`` (--site),
    ``not_ready`` (no API key), ``failed`` (nothing answered), ``partly`` (under the
    threshold answered), ``no_name`` (nothing to search people-search sites with),
    ``by_hand`` (its only sites for this person have no automatic search)."""
    result: str
    """The kind's own outcome in words: "Photos: 2 of 14 photos reveal a location"."""

    @property
    def covered(self) -> bool:
        return self.state == "checked"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KindScope:
        return cls(str(data["kind"]), str(data["state"]), str(data.get("result", "")))


@dataclass
class Coverage:
    """What a scan could and could not check: said before any score, because a score is only
    as good as the sources that answered."""

    lines: list[CoverageLine] = field(default_factory=list)
    offline: bool = False
    """Nothing answered and every failure was a network error: most likely no connection."""
    only: list[str] = field(default_factory=list)
    """The people-search sites the scan was limited to (``scan --site``); empty: all of them."""
    kinds: list[KindScope] = field(default_factory=list)
    """Every kind of source the profile allows, and whether this scan covered it."""

    @property
    def complete(self) -> bool:
        """Every kind the profile allows was checked (what an overall grade needs)."""
        return all(k.covered for k in self.kinds)

    @property
    def manual(self) -> int:
        """Sites with no automatic search, for the person to check by hand."""
        return sum(line.manual for line in self.lines)

    @property
    def unit(self) -> str:
        """What the totals count: "sites" when every family is one of sites, else "sources"
        (sites, services and folders together). Never URLs or searches."""
        return unit_for(line.what for line in self.lines)

    def counts(self) -> dict[str, int]:
        """The one count model every view shows: sites (or services, or folders), never URLs."""
        return {
            "searched": self.tried,
            "answered": self.checked,
            "unreadable": self.failed,
            "by_hand": self.manual,
        }

    @property
    def checked(self) -> int:
        return sum(line.checked for line in self.lines)

    @property
    def tried(self) -> int:
        return sum(line.tried for line in self.lines)

    @property
    def failed(self) -> int:
        return sum(line.failed for line in self.lines)

    def sentence(self) -> str:
        """ "checked 41 of 113 people-search sites, 2 of 2 breach services; could not check 72"."""
        parts = [f"{line.checked} of {line.tried} {line.what}" for line in self.lines if line.tried]
        text = "checked " + ", ".join(parts) if parts else "checked nothing automatically"
        if self.only:
            text = f"searched only {', '.join(self.only)} (--site); {text}"
        if self.failed:
            unit = unit_for(line.what for line in self.lines if line.failed)
            unit = unit if self.failed != 1 else unit.removesuffix("s")
            text += f"; could not read {self.failed} {unit}" + (
                " (offline?)" if self.offline else ""
            )
        if self.manual:
            sites = "site" if self.manual == 1 else "sites"
            text += f"; {self.manual} {sites} to check by hand"
        return text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "lines": [line.to_dict() for line in self.lines],
            "offline": self.offline,
            "sentence": self.sentence(),
        }
        if self.only:
            data["only"] = self.only
        data["counts"] = self.counts()
        data["kinds"] = [k.to_dict() for k in self.kinds]
        data["complete"] = self.complete
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        return cls(
            lines=[CoverageLine.from_dict(line) for line in data.get("lines") or ()],
            offline=bool(data.get("offline", False)),
            only=list(data.get("only") or ()),
            kinds=[KindScope.from_dict(k) for k in data.get("kinds") or ()],
        )


@dataclass
class Risk:
    """The score with its grade, the reasons in plain words, and what it could not see."""

    score: int
    grade: Grade
    points: float
    reasons: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    combinations: list[str] = field(default_factory=list)
    unchecked: int = 0
    """Sources that could not be checked automatically: the score does not see them."""
    caveat: str | None = None
    incomplete: bool = False
    """Too few sources answered for the score to mean much: shown as incomplete, never as a
    reassuring low grade."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["grade"] = self.grade.value
        data["points"] = round(self.points, 2)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Risk:
        return cls(
            score=int(data["score"]),
            grade=Grade(data["grade"]),
            points=float(data.get("points", 0.0)),
            reasons=[str(r) for r in data.get("reasons") or ()],
            capabilities=[str(c) for c in data.get("capabilities") or ()],
            combinations=[str(c) for c in data.get("combinations") or ()],
            unchecked=int(data.get("unchecked", 0)),
            caveat=data.get("caveat"),
            incomplete=bool(data.get("incomplete", False)),
        )


@dataclass
class Action:
    """One task in the plan, with everything needed to do it without searching."""

    id: str
    title: str
    kind: str
    """``optout``, ``change_password``, ``enable_mfa``, ``strip``, ``manual``, ``settings``,
    ``review``, ``emergency`` (always last), or a plug-in remedy's own action."""
    steps: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    method: str | None = None
    requires: list[str] = field(default_factory=list)
    minutes: int = 5
    recheck_days: int | None = None
    covers: list[str] = field(default_factory=list)
    """What the task resolves: broker ids for opt-outs (``lowprofile optout done`` takes them),
    account names for breaches, paths for photos."""
    command: str | None = None
    risk_points: float = 0.0
    """Score points the task removes; the plan is ordered by these per minute."""

    @property
    def per_minute(self) -> float:
        return self.risk_points / max(1, self.minutes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["risk_points"] = round(self.risk_points, 2)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        recheck = data.get("recheck_days")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            kind=str(data["kind"]),
            steps=[str(s) for s in data.get("steps") or ()],
            links=[
                {"url": str(link["url"]), "label": str(link["label"])}
                for link in data.get("links") or ()
            ],
            method=data.get("method"),
            requires=[str(r) for r in data.get("requires") or ()],
            minutes=int(data.get("minutes", 5)),
            recheck_days=None if recheck is None else int(recheck),
            covers=[str(c) for c in data.get("covers") or ()],
            command=data.get("command"),
            risk_points=float(data.get("risk_points", 0.0)),
        )


@dataclass(frozen=True)
class ReviewOpened:
    """What the person's last review sitting opened up for automatic scans (sites whose check
    they passed, their cookies kept), and how many of those this scan read by itself."""

    opened: int
    read: int

    def sentence(self, scan: str = "this scan") -> str:
        return (
            f"Your last review opened up {self.opened} site(s) for automatic scans; {scan} "
            f"read {self.read} of them by itself."
        )

    def to_dict(self) -> dict[str, int]:
        return {"opened": self.opened, "read": self.read}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReviewOpened:
        return cls(int(data["opened"]), int(data["read"]))


@dataclass
class ScanReport:
    """A finished scan as data: what ran, every result, the risk and the plan.

    ``risk`` and ``plan`` are filled once, by ``plan.assess`` where the report is made or loaded;
    renderers only read them.
    """

    subject: dict[str, Any]
    """The masked subject summary (``Subject.masked()``): the report never copies the profile."""
    started: datetime
    finished: datetime
    checkers: list[str]
    results: list[CheckResult] = field(default_factory=list)
    coverage: Coverage | None = None
    risk: Risk | None = None
    plan: list[Action] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    """The people-search sites this scan was limited to (``scan --site``); empty: all."""
    ledger: list[LedgerEntry] = field(default_factory=list)
    review: ReviewOpened | None = None
    """What the person's last review sitting opened up, as this scan saw it."""
    """The person's opt-out requests as this scan left them (empty without a history)."""
    tool_version: str = __version__
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    """Top-level sections this version does not know (written by a plug-in or a newer minor
    version), kept through a JSON round trip."""

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def assessed(self) -> bool:
        return self.risk is not None

    def counts_by_status(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for r in self.results:
            counts[r.status.value] += 1
        return counts

    def counts_by_severity(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": self.schema_version,
            "tool": {"name": "lowprofile", "version": self.tool_version},
            "subject": self.subject,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "checkers": self.checkers,
            "summary": {
                "results": self.counts_by_status(),
                "findings": self.counts_by_severity(),
            },
            "results": [r.to_dict() for r in self.results],
        }
        if self.risk is not None:
            if self.coverage is not None:
                data["coverage"] = self.coverage.to_dict()
            data["risk"] = self.risk.to_dict()
            data["plan"] = [action.to_dict() for action in self.plan]
        if self.scope:
            data["scope"] = self.scope
        if self.ledger:
            data["ledger"] = [entry.to_dict() for entry in self.ledger]
        if self.review is not None:
            data["review"] = self.review.to_dict()
        data.update({k: v for k, v in self.extra.items() if k not in data})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, with_assessment: bool = True) -> ScanReport:
        """Read the JSON form. The caller checks it against the schema first (``reportfile``);
        ``with_assessment=False`` drops the saved risk and plan so they can be recomputed."""
        version = int(data.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"report schema_version {version} is newer than this lowprofile reads "
                f"({SCHEMA_VERSION}); upgrade lowprofile"
            )
        known = {"schema_version", "tool", "subject", "started", "finished", "checkers"}
        known |= {"summary", "results", "coverage", "risk", "plan", "ledger", "scope", "review"}
        risk = data.get("risk") if with_assessment else None
        coverage = data.get("coverage") if risk else None
        return cls(
            subject=dict(data.get("subject") or {}),
            started=datetime.fromisoformat(data["started"]),
            finished=datetime.fromisoformat(data["finished"]),
            checkers=list(data.get("checkers") or []),
            results=[CheckResult.from_dict(r) for r in data.get("results") or []],
            coverage=Coverage.from_dict(coverage) if coverage else None,
            risk=Risk.from_dict(risk) if risk else None,
            plan=[Action.from_dict(a) for a in data.get("plan") or []] if risk else [],
            scope=list(data.get("scope") or []),
            ledger=[LedgerEntry.from_dict(e) for e in data.get("ledger") or []],
            review=ReviewOpened.from_dict(data["review"]) if data.get("review") else None,
            tool_version=str((data.get("tool") or {}).get("version", "")),
            schema_version=SCHEMA_VERSION,
            extra={k: v for k, v in data.items() if k not in known},
        )
