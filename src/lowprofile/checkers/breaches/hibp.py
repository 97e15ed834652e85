"""Have I Been Pwned, API v3: breaches and pastes for an email, with the user's API key.

HIBP needs a key for account searches, so without one the checker is ``skipped`` with the way to
add a key: "not checked" is never shown as "clean". A 404 is HIBP's "not pwned"; a 401 or 403 is
about the key or the client, and a 403 body may be an HTML block page, so it is never parsed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from lowprofile.checkers.base import CheckContext, Readiness, result_for_net_error, shown_email
from lowprofile.checkers.breaches.common import (
    Breach,
    BreachResponseError,
    answer_safely,
    breach_finding,
    json_body,
)
from lowprofile.config import TOOL_USER_AGENT, Settings, get_secret
from lowprofile.errors import NetError
from lowprofile.privacy import mask_email
from lowprofile.results import CheckResult, Finding, Remedy, Severity, Status
from lowprofile.subject import Subject

CHECKER_ID = "hibp"
NO_KEY = "no API key: set HIBP_API_KEY or run `lowprofile config set-secret hibp`"
PASTE_SITES = {"pastebin": "https://pastebin.com/{id}"}


def parse_breaches(body: Any) -> list[Breach]:
    if not isinstance(body, list):
        raise BreachResponseError("HIBP breachedaccount: expected a list of breaches")
    breaches = []
    for item in body:
        if not isinstance(item, dict) or not item.get("Name"):
            raise BreachResponseError("HIBP breachedaccount: a breach without a Name")
        classes = item.get("DataClasses") or []
        breaches.append(
            Breach(
                name=str(item["Name"]),
                service=CHECKER_ID,
                title=str(item.get("Title") or item["Name"]),
                date=_text_or_none(item.get("BreachDate")),
                data_classes=[str(c) for c in classes if isinstance(c, str)],
                records=item.get("PwnCount") if isinstance(item.get("PwnCount"), int) else None,
                domain=str(item.get("Domain") or ""),
                description=str(item.get("Description") or ""),
                verified=bool(item.get("IsVerified")),
            )
        )
    return breaches


def paste_findings(body: Any, email: str, shown: str | None = None) -> tuple[Finding, ...]:
    if not isinstance(body, list):
        raise BreachResponseError("HIBP pasteaccount: expected a list of pastes")
    findings = []
    for item in body:
        if not isinstance(item, dict):
            continue
        source, paste_id = str(item.get("Source") or "paste"), str(item.get("Id") or "")
        template = PASTE_SITES.get(source.lower())
        where = template.format(id=paste_id) if template and paste_id else f"{source}:{paste_id}"
        when = item.get("Date") or "no date"
        findings.append(
            Finding(
                kind="paste",
                title=f"Your email was posted in a {source} paste ({when})",
                where=where,
                exposed=("email",),
                severity=Severity.MEDIUM,
                remedy=Remedy(
                    action="review",
                    summary="Check what else the paste holds; ask the site to remove it",
                    url=where if where.startswith("https://") else None,
                    minutes=5,
                ),
                evidence={
                    "source": source,
                    "id": paste_id,
                    "title": item.get("Title"),
                    "date": item.get("Date"),
                    "email": shown or mask_email(email),
                    "credit": "Have I Been Pwned (CC BY 4.0)",
                },
                key=f"paste:{source.lower()}:{paste_id}",
            )
        )
    return tuple(findings)


class HibpChecker:
    """Breaches and pastes for each of the Subject's emails (needs an HIBP API key)."""

    id = CHECKER_ID
    title = "Breaches (Have I Been Pwned)"

    def readiness(self, settings: Settings) -> Readiness:
        return Readiness(True) if get_secret("hibp") else Readiness(False, NO_KEY)

    def targets(self, subject: Subject) -> int:
        return len(subject.emails)

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        key = get_secret("hibp")
        if not key:
            yield CheckResult(CHECKER_ID, "*", Status.SKIPPED, detail=NO_KEY)
            return
        headers = {"hibp-api-key": key, "user-agent": TOOL_USER_AGENT}
        for email in subject.emails:
            target = shown_email(email, ctx)
            answer = self._check_email(email, target, headers, ctx)
            yield await answer_safely(CHECKER_ID, target, "HIBP", answer)
            ctx.advance(1)

    async def _check_email(
        self, email: str, target: str, headers: dict[str, str], ctx: CheckContext
    ) -> CheckResult:
        base = ctx.settings.hibp_url.rstrip("/")
        account = quote(email, safe="@")
        try:
            response = await ctx.http.get(
                f"{base}/breachedaccount/{account}",
                params={"truncateResponse": "false"},
                headers=headers,
            )
            problem = _key_problem(response.status_code, response.text)
            if problem:
                return CheckResult(CHECKER_ID, target, Status.ERROR, detail=problem)
            if response.status_code == 404:
                breaches: list[Breach] = []
            elif response.status_code == 200:
                breaches = parse_breaches(json_body(response.text, "HIBP breachedaccount"))
            else:
                return CheckResult(
                    CHECKER_ID,
                    target,
                    Status.ERROR,
                    detail=f"HIBP answered HTTP {response.status_code}",
                )
            pastes_response = await ctx.http.get(f"{base}/pasteaccount/{account}", headers=headers)
            pastes: tuple[Finding, ...] = ()
            if pastes_response.status_code == 200:
                body = json_body(pastes_response.text, "HIBP pasteaccount")
                pastes = paste_findings(body, email, target)
        except NetError as exc:
            return result_for_net_error(CHECKER_ID, target, exc)
        except BreachResponseError as exc:
            return CheckResult(CHECKER_ID, target, Status.ERROR, detail=str(exc))
        findings = tuple(breach_finding(b, email, target) for b in breaches) + pastes
        if not findings:
            return CheckResult(
                CHECKER_ID, target, Status.NOT_FOUND, detail="HIBP: not in any breach or paste"
            )
        return CheckResult(
            CHECKER_ID,
            target,
            Status.FOUND,
            findings=findings,
            detail=f"in {len(breaches)} breach(es) and {len(pastes)} paste(s); "
            "data from Have I Been Pwned (CC BY 4.0)",
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _key_problem(status: int, text: str) -> str | None:
    if status == 401:
        message = ""
        try:
            body = json_body(text, "HIBP")
            message = str(body.get("message", "")) if isinstance(body, dict) else ""
        except BreachResponseError:
            pass
        return f"HIBP rejected the API key (401){': ' + message if message else ''}"
    if status == 403:
        return "HIBP refused the request (403): the client was blocked or sent no user agent"
    return None
