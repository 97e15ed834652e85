"""What both breach services share: a breach record, its severity, and its Finding.

Both services name the same breaches (Adobe, LinkedIn…), so a Finding's key is built from the
normalised breach name and a hash of the email: the scan merges the two reports of one breach
into one Finding, and history sees the same key next month.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lowprofile.privacy import mask_email
from lowprofile.results import Finding, Remedy, Severity

CRITICAL_CLASSES = {
    "social security numbers", "government issued ids", "passport numbers",
    "credit cards", "partial credit card data", "bank account numbers", "credit card cvv",
}  # fmt: skip
HIGH_CLASSES = {
    "passwords", "password hints", "security questions and answers", "phone numbers",
    "physical addresses", "dates of birth", "auth tokens", "geographic locations",
    "historical passwords",
}  # fmt: skip
EMAIL_ONLY = {"email addresses"}


class BreachResponseError(ValueError):
    """A service answered with something that is not the documented shape."""


@dataclass
class Breach:
    """One breach an email appears in, as a service describes it."""

    name: str
    service: str
    title: str = ""
    date: str | None = None
    data_classes: list[str] = field(default_factory=list)
    records: int | None = None
    domain: str = ""
    description: str = ""
    verified: bool | None = None


def breach_key(name: str, email: str) -> str:
    """Same breach, same email → same key, whichever service reported it."""
    normalized = re.sub(r"[^a-z0-9]", "", name.lower())
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]
    return f"breach:{normalized}:{digest}"


def severity_for(data_classes: list[str]) -> Severity:
    classes = {c.strip().lower() for c in data_classes}
    if classes & CRITICAL_CLASSES:
        return Severity.CRITICAL
    if classes & HIGH_CLASSES:
        return Severity.HIGH
    if not classes or classes <= EMAIL_ONLY:
        return Severity.LOW
    return Severity.MEDIUM


def breach_finding(breach: Breach, email: str) -> Finding:
    label = breach.title or breach.name
    leaked = ", ".join(breach.data_classes) or "unknown data"
    has_password = any("password" in c.lower() for c in breach.data_classes)
    if has_password:
        summary = (
            f"Change your {label} password and the password of every account where you used "
            "the same one; turn on multi-factor authentication"
        )
    else:
        summary = f"Turn on multi-factor authentication and watch for phishing that uses {label}"
    evidence: dict[str, Any] = {
        "breach": breach.name,
        "title": label,
        "date": breach.date,
        "data_classes": list(breach.data_classes),
        "records": breach.records,
        "domain": breach.domain,
        "email": mask_email(email),
        "sources": [breach.service],
    }
    if breach.service == "hibp":
        evidence["credit"] = "Have I Been Pwned (CC BY 4.0)"
    return Finding(
        kind="breach",
        title=f"{label} breach ({breach.date or 'date unknown'}) leaked {leaked}",
        where=f"https://{breach.domain}/" if breach.domain else f"breach:{breach.name}",
        exposed=tuple(c.lower() for c in breach.data_classes) or ("email",),
        severity=severity_for(breach.data_classes),
        confidence=1.0,
        remedy=Remedy(
            action="change_password" if has_password else "enable_mfa",
            summary=summary,
            url=f"https://{breach.domain}/" if breach.domain else None,
            group="breached accounts",
            minutes=10,
        ),
        evidence=evidence,
        key=breach_key(breach.name, email),
    )


def json_body(text: str, where: str) -> Any:
    """Parse a JSON answer, or say plainly that the service sent something else."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BreachResponseError(f"{where}: the answer is not JSON ({exc})") from exc
