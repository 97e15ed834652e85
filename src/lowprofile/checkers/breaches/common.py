"""What both breach services share: a breach record, its severity, and its Finding.

Both services name the same breaches (Adobe, LinkedIn…), so a Finding's key is built from the
normalised breach name and a hash of the email: the scan merges the two reports of one breach
into one Finding, and history sees the same key next month.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from lowprofile.privacy import mask_email
from lowprofile.results import CheckResult, Finding, Remedy, Severity, Status

log = logging.getLogger(__name__)

MAX_JSON_CHARS = 4 * 1024 * 1024
"""The largest breach-service answer we parse. Real answers for one address are a few hundred
kilobytes at most (HIBP's full breach list for a much-breached address)."""
MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects we parse. The documented answers nest four deep;
thousands of levels would end the parser (and everything after it) with a RecursionError."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACES_AS_BRACKETS = str.maketrans("{}", "[]")

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


def breach_finding(breach: Breach, email: str, shown: str | None = None) -> Finding:
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
        "email": shown or mask_email(email),
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


def nests_deeper_than(text: str, limit: int) -> bool:
    """True when a JSON text nests arrays/objects more than ``limit`` deep (brackets inside
    strings ignored). Each pass removes the innermost pairs with C-speed ``str.replace``, so a
    4 MB answer costs at most ``limit`` shrinking passes, never a Python step per character;
    brackets left over (too deep, or unbalanced, which is no JSON anyway) mean True. Braces
    count as brackets: a mismatch such as ``[}`` is json.loads's to refuse."""
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).translate(_BRACES_AS_BRACKETS)
    for _ in range(limit):
        shorter = skeleton.replace("[]", "")
        if not shorter or shorter == skeleton:
            return bool(shorter)
        skeleton = shorter
    return bool(skeleton)


def json_body(text: str, where: str) -> Any:
    """Parse a JSON answer, or say plainly that the service sent something else (not JSON, too
    large, or nested deeper than any real answer)."""
    if len(text) > MAX_JSON_CHARS:
        raise BreachResponseError(
            f"{where}: the answer is {len(text):,} characters, more than the "
            f"{MAX_JSON_CHARS:,} we read"
        )
    if nests_deeper_than(text, MAX_JSON_DEPTH):
        raise BreachResponseError(
            f"{where}: the answer nests deeper than the {MAX_JSON_DEPTH} levels we read"
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BreachResponseError(f"{where}: the answer is not JSON ({exc})") from exc


async def answer_safely(
    checker_id: str, target: str, service: str, answer: Awaitable[CheckResult]
) -> CheckResult:
    """One address's result, whatever its answer held.

    Each address is checked on its own: a surprise in one service's answer (a shape no parser
    expected) becomes an ``error`` result for that address, and the addresses after it are still
    checked. Network and known bad-answer errors are already results; this catches the rest.
    """
    try:
        return await answer
    except Exception as exc:  # noqa: BLE001 - isolation is the point; the reason is kept
        log.debug("%s: unexpected answer for %s", checker_id, target, exc_info=True)
        return CheckResult(
            checker_id,
            target,
            Status.ERROR,
            detail=f"{service} sent an answer that could not be read ({exc.__class__.__name__})",
        )
