"""What checkers return: CheckResult, Finding, Remedy, and the status and severity vocabularies.

These are plain data with a JSON round trip, because the same objects feed the terminal report,
the JSON report, the HTML report and the history database. ``SCHEMA_VERSION`` versions that JSON:
bump it when a field changes meaning, and teach ``from_dict`` to read the older form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


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
        )
