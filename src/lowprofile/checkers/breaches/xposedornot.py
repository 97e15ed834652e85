"""XposedOrNot: free breach look-ups by email, no key needed (the service can be self-hosted).

Its answers need care: "not found" comes as HTTP 200 with ``{"Error": "Not found"}`` or as 404
``{"Error": "No breaches found"}``; ``breaches`` is a list of lists; dates are years. Anything
else it sends is an ``error`` result, never a quiet "clean".
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
from lowprofile.config import Settings
from lowprofile.errors import NetError
from lowprofile.results import CheckResult, Status
from lowprofile.subject import Subject

CHECKER_ID = "xposedornot"
_NOT_FOUND_ERRORS = {"not found", "no breaches found"}


CHECK_BY_HAND = "https://xposedornot.com/"
"""Where a person can look an address up themselves when the API did not answer."""


def _answer(target: str, status: Status, detail: str) -> CheckResult:
    url = CHECK_BY_HAND if status.needs_hand_check else None
    return CheckResult(CHECKER_ID, target, status, detail=detail, url=url)


def _is_not_found(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    error = str(body.get("Error") or body.get("detail") or "").strip().lower()
    return error in _NOT_FOUND_ERRORS


def breach_names(body: Any) -> list[str]:
    """``{"breaches": [["Adobe", "Tesco"]]}`` (list of lists) or a flat list, defensively."""
    raw = body.get("breaches") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        raise BreachResponseError("check-email: no 'breaches' list in the answer")
    names: list[str] = []
    for item in raw:
        items = item if isinstance(item, list) else [item]
        names += [str(name) for name in items if isinstance(name, str) and name.strip()]
    return list(dict.fromkeys(names))


def breach_details(body: Any) -> dict[str, Breach]:
    """Breach details by name from ``/v1/breach-analytics``; empty when it has none."""
    exposed = body.get("ExposedBreaches") if isinstance(body, dict) else None
    details = exposed.get("breaches_details") if isinstance(exposed, dict) else None
    out: dict[str, Breach] = {}
    for item in details or []:
        if not isinstance(item, dict) or not item.get("breach"):
            continue
        name = str(item["breach"])
        records = item.get("xposed_records")
        out[name] = Breach(
            name=name,
            service=CHECKER_ID,
            title=name,
            date=str(item["xposed_date"]) if item.get("xposed_date") else None,
            data_classes=[c.strip() for c in str(item.get("xposed_data") or "").split(";") if c],
            records=records if isinstance(records, int) else None,
            domain=str(item.get("domain") or ""),
            verified=str(item.get("verified", "")).lower() in ("yes", "true"),
        )
    return out


class XposedOrNotChecker:
    """Breaches for each of the Subject's emails, with what each leaked."""

    id = CHECKER_ID
    title = "Breaches (XposedOrNot)"

    def readiness(self, settings: Settings) -> Readiness:
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        return len(subject.emails)

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        for email in subject.emails:
            target = shown_email(email, ctx)
            answer = self._check_email(email, target, ctx)
            yield await answer_safely(CHECKER_ID, target, "XposedOrNot", answer)
            ctx.advance(1)

    async def _check_email(self, email: str, target: str, ctx: CheckContext) -> CheckResult:
        base = ctx.settings.xposedornot_url.rstrip("/")
        url = f"{base}/v1/check-email/{quote(email, safe='@')}"
        try:
            response = await ctx.http.get(url)
            if response.status_code == 403:
                return _answer(
                    target,
                    Status.BLOCKED,
                    "XposedOrNot refused the request (403): its rate limit "
                    "may have blocked this address for a day",
                )
            if response.status_code not in (200, 404):
                return _answer(
                    target, Status.ERROR, f"XposedOrNot answered HTTP {response.status_code}"
                )
            body = json_body(response.text, "XposedOrNot check-email")
            if _is_not_found(body):
                return _answer(
                    target, Status.NOT_FOUND, "XposedOrNot knows no breach with this address"
                )
            if response.status_code == 404:
                return _answer(
                    target, Status.ERROR, "XposedOrNot answered 404 without saying 'not found'"
                )
            names = breach_names(body)
            if not names:
                raise BreachResponseError("check-email: an empty breach list without 'Not found'")
            analytics = await ctx.http.get(f"{base}/v1/breach-analytics", params={"email": email})
            details: dict[str, Breach] = {}
            note = ""
            if analytics.status_code == 200:
                details = breach_details(json_body(analytics.text, "XposedOrNot breach-analytics"))
            else:
                note = f"; details unavailable (HTTP {analytics.status_code})"
        except NetError as exc:
            return result_for_net_error(CHECKER_ID, target, exc, url=CHECK_BY_HAND)
        except BreachResponseError as exc:
            return _answer(target, Status.ERROR, str(exc))
        breaches = [details.get(n) or Breach(name=n, service=CHECKER_ID, title=n) for n in names]
        findings = tuple(breach_finding(b, email, target) for b in breaches)
        return CheckResult(
            CHECKER_ID,
            target,
            Status.FOUND,
            findings=findings,
            detail=f"in {len(findings)} breach(es){note}",
        )
