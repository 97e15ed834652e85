"""Breach checkers on the services' documented answers: found, not found, retries, bad answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import respx

from lowprofile.checkers.base import select_checkers
from lowprofile.checkers.breaches.common import (
    Breach,
    BreachResponseError,
    breach_finding,
    json_body,
    nests_deeper_than,
    severity_for,
)
from lowprofile.checkers.breaches.passwords import count_in_range, sha1_prefix_suffix
from lowprofile.config import Settings
from lowprofile.results import CheckResult, ScanReport, Severity, Status
from lowprofile.scan import run_scan
from lowprofile.subject import Subject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "breaches"
XON = "https://api.xposedornot.com"
HIBP = "https://haveibeenpwned.com/api/v3"
EMAIL = "jane.doe@example.com"
SETTINGS = Settings(host_interval=0, backoff=0, hibp_requests_per_minute=0, xposedornot_interval=0)


def body(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def scan(*checkers: str, settings: Settings = SETTINGS) -> ScanReport:
    specs, _ = select_checkers(list(checkers))
    return asyncio.run(run_scan(Subject(names=(), emails=(EMAIL,)), specs, settings))


def only(report: ScanReport) -> CheckResult:
    assert len(report.results) == 1, report.results
    return report.results[0]


def xon_found(router: respx.MockRouter) -> None:
    router.get(f"{XON}/v1/check-email/{EMAIL}").respond(
        200, text=body("xon_check_email_found.json")
    )
    router.get(f"{XON}/v1/breach-analytics").respond(
        200, text=body("xon_breach_analytics_found.json")
    )


def test_xon_found_with_details(no_network: respx.MockRouter) -> None:
    xon_found(no_network)
    result = only(scan("xposedornot"))
    assert result.status is Status.FOUND
    names = [f.evidence["breach"] for f in result.findings]
    assert names[0] == "Tesco" and "SweClockers" in names and len(names) == 9
    swe = next(f for f in result.findings if f.evidence["breach"] == "SweClockers")
    assert swe.evidence["date"] == "2015"
    assert swe.evidence["data_classes"] == ["Usernames", "Email addresses", "Passwords"]
    assert swe.evidence["records"] == 254967
    assert swe.severity is Severity.HIGH
    assert swe.remedy is not None and swe.remedy.action == "change_password"
    assert result.target == "j***@example.com"


@pytest.mark.parametrize(
    ("status", "fixture"),
    [(200, "xon_check_email_not_found.json"), (404, "xon_check_email_not_found_404.json")],
)
def test_xon_not_found_variants(no_network: respx.MockRouter, status: int, fixture: str) -> None:
    no_network.get(f"{XON}/v1/check-email/{EMAIL}").respond(status, text=body(fixture))
    assert only(scan("xposedornot")).status is Status.NOT_FOUND


def test_xon_429_then_200(no_network: respx.MockRouter) -> None:
    route = no_network.get(f"{XON}/v1/check-email/{EMAIL}")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}, text="{}"),
        httpx.Response(200, text=body("xon_check_email_found.json")),
    ]
    no_network.get(f"{XON}/v1/breach-analytics").respond(
        200, text=body("xon_breach_analytics_not_found.json")
    )
    result = only(scan("xposedornot"))
    assert result.status is Status.FOUND and route.call_count == 2


def test_xon_429_forever_is_blocked(no_network: respx.MockRouter) -> None:
    no_network.get(f"{XON}/v1/check-email/{EMAIL}").respond(429, headers={"Retry-After": "0"})
    result = only(scan("xposedornot", settings=Settings(**{**SETTINGS.__dict__, "retries": 1})))
    assert result.status is Status.BLOCKED


@pytest.mark.parametrize(
    ("status", "text", "expected"),
    [
        (500, "oops", Status.ERROR),
        (503, "<html>down</html>", Status.ERROR),
        (200, "{not json", Status.ERROR),
        (200, '{"unexpected": true}', Status.ERROR),
        (200, '{"breaches": [[]]}', Status.ERROR),
        (404, "<html>nope</html>", Status.ERROR),
        (403, "<html>blocked</html>", Status.BLOCKED),
    ],
)
def test_xon_bad_answers_are_never_clean(
    no_network: respx.MockRouter, status: int, text: str, expected: Status
) -> None:
    no_network.get(f"{XON}/v1/check-email/{EMAIL}").respond(status, text=text)
    result = only(scan("xposedornot", settings=Settings(**{**SETTINGS.__dict__, "retries": 0})))
    assert result.status is expected


def test_hibp_without_key_is_skipped() -> None:
    result = only(scan("hibp"))
    assert result.status is Status.SKIPPED
    assert "HIBP_API_KEY" in result.detail


@pytest.fixture
def hibp_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("HIBP_API_KEY", key)
    return key


def test_hibp_found_with_pastes(no_network: respx.MockRouter, hibp_key: str) -> None:
    breached = no_network.get(f"{HIBP}/breachedaccount/{EMAIL}").respond(
        200, text=body("hibp_breachedaccount_full.json")
    )
    no_network.get(f"{HIBP}/pasteaccount/{EMAIL}").respond(200, text=body("hibp_pasteaccount.json"))
    result = only(scan("hibp"))
    assert result.status is Status.FOUND
    request = breached.calls.last.request
    assert request.headers["hibp-api-key"] == hibp_key
    assert request.headers["user-agent"].startswith("lowprofile/")
    assert request.url.params["truncateResponse"] == "false"
    adobe = next(f for f in result.findings if f.evidence.get("breach") == "Adobe")
    assert adobe.evidence["date"] == "2013-10-04"
    assert adobe.evidence["data_classes"] == [
        "Email addresses", "Password hints", "Passwords", "Usernames",
    ]  # fmt: skip
    assert "Have I Been Pwned" in adobe.evidence["credit"]
    paste = next(f for f in result.findings if f.kind == "paste")
    assert paste.where == "https://pastebin.com/8Q0BvKD8"


def test_hibp_404_is_not_found(no_network: respx.MockRouter, hibp_key: str) -> None:
    no_network.get(f"{HIBP}/breachedaccount/{EMAIL}").respond(404)
    no_network.get(f"{HIBP}/pasteaccount/{EMAIL}").respond(404)
    assert only(scan("hibp")).status is Status.NOT_FOUND


def test_hibp_401_names_the_key(no_network: respx.MockRouter, hibp_key: str) -> None:
    no_network.get(f"{HIBP}/breachedaccount/{EMAIL}").respond(401, text=body("hibp_401.json"))
    result = only(scan("hibp"))
    assert result.status is Status.ERROR
    assert "API key" in result.detail and "invalid hibp-api-key" in result.detail


def test_hibp_403_html_is_not_parsed(no_network: respx.MockRouter, hibp_key: str) -> None:
    no_network.get(f"{HIBP}/breachedaccount/{EMAIL}").respond(403, text="<html>Request Blocked")
    result = only(scan("hibp"))
    assert result.status is Status.ERROR and "403" in result.detail


def test_hibp_429_honours_retry_after(no_network: respx.MockRouter, hibp_key: str) -> None:
    route = no_network.get(f"{HIBP}/breachedaccount/{EMAIL}")
    route.side_effect = [
        httpx.Response(429, headers={"retry-after": "0"}, text=body("hibp_429.json")),
        httpx.Response(404),
    ]
    no_network.get(f"{HIBP}/pasteaccount/{EMAIL}").respond(404)
    assert only(scan("hibp")).status is Status.NOT_FOUND
    assert route.call_count == 2


def test_one_breach_from_both_services_is_one_finding(
    no_network: respx.MockRouter, hibp_key: str
) -> None:
    no_network.get(f"{XON}/v1/check-email/{EMAIL}").respond(200, text='{"breaches": [["Adobe"]]}')
    no_network.get(f"{XON}/v1/breach-analytics").respond(
        200, text=body("xon_breach_analytics_not_found.json")
    )
    no_network.get(f"{HIBP}/breachedaccount/{EMAIL}").respond(
        200, text=body("hibp_breachedaccount_full.json")
    )
    no_network.get(f"{HIBP}/pasteaccount/{EMAIL}").respond(404)
    report = scan("xposedornot", "hibp")
    adobe = [f for f in report.findings if f.evidence.get("breach") == "Adobe"]
    assert len(adobe) == 1
    assert set(adobe[0].evidence["sources"]) == {"xposedornot", "hibp"}
    assert adobe[0].evidence["date"] == "2013-10-04"  # HIBP's fuller record is kept


@pytest.mark.parametrize(
    ("classes", "severity"),
    [
        (["Email addresses"], Severity.LOW),
        (["Email addresses", "Usernames"], Severity.MEDIUM),
        (["Email addresses", "Passwords"], Severity.HIGH),
        (["Phone numbers"], Severity.HIGH),
        (["Physical addresses", "Dates of birth"], Severity.HIGH),
        (["Social security numbers"], Severity.CRITICAL),
    ],
)
def test_severity_from_data_classes(classes: list[str], severity: Severity) -> None:
    assert severity_for(classes) is severity


def test_breach_key_is_shared_across_services() -> None:
    a = breach_finding(Breach("Adobe", "hibp"), EMAIL)
    b = breach_finding(Breach("adobe", "xposedornot"), EMAIL.upper())
    assert a.key == b.key and EMAIL not in a.key


def test_password_range_parsing() -> None:
    prefix, suffix = sha1_prefix_suffix("test")
    assert (prefix, suffix) == ("A94A8", "FE5CCB19BA61C4C0873D391E987982FBBD3")
    text = (FIXTURES / "pwned_range_A94A8.txt").read_bytes().decode()
    assert "\r\n" in text
    assert count_in_range(text, suffix) == 222947
    assert count_in_range(text, "0000000000000000000000000000000000A") == 0  # padding
    assert count_in_range(text.replace("\r\n", "\n"), suffix) == 222947


def test_report_json_carries_breach_fields(no_network: respx.MockRouter) -> None:
    xon_found(no_network)
    data = json.loads(json.dumps(scan("xposedornot").to_dict()))
    finding = data["results"][0]["findings"][0]
    assert {"breach", "date", "data_classes"} <= set(finding["evidence"])
    assert finding["severity"] in ("low", "medium", "high", "critical")


# --- Hostile answers: one address's bad answer is that address's error, the rest go on ---------

DEEP = "[" * 100_000 + "]" * 100_000
"""Nested far past Python's recursion limit: json.loads alone raises RecursionError on it."""
HOSTILE = "hostile@example.com"


def scan_emails(*checkers: str, emails: tuple[str, ...]) -> ScanReport:
    specs, _ = select_checkers(list(checkers))
    settings = Settings(**{**SETTINGS.__dict__, "retries": 0})
    return asyncio.run(run_scan(Subject(names=(), emails=emails), specs, settings))


def statuses(report: ScanReport) -> dict[tuple[str, str], Status]:
    return {(r.checker, r.target): r.status for r in report.results}


def hibp_found(router: respx.MockRouter, email: str) -> None:
    router.get(f"{HIBP}/breachedaccount/{email}").respond(
        200, text=body("hibp_breachedaccount_full.json")
    )
    router.get(f"{HIBP}/pasteaccount/{email}").respond(404)


def test_a_deeply_nested_answer_ends_only_its_own_address(
    no_network: respx.MockRouter, hibp_key: str
) -> None:
    """The hostile address comes first: both checkers must still check the address after it."""
    no_network.get(f"{XON}/v1/check-email/{HOSTILE}").respond(200, text=DEEP)
    no_network.get(f"{HIBP}/breachedaccount/{HOSTILE}").respond(200, text=DEEP)
    xon_found(no_network)
    hibp_found(no_network, EMAIL)
    report = scan_emails("xposedornot", "hibp", emails=(HOSTILE, EMAIL))
    assert statuses(report) == {
        ("xposedornot", "h***@example.com"): Status.ERROR,
        ("hibp", "h***@example.com"): Status.ERROR,
        ("xposedornot", "j***@example.com"): Status.FOUND,
        ("hibp", "j***@example.com"): Status.FOUND,
    }
    hostile = [r for r in report.results if r.target.startswith("h***")]
    assert all("nests deeper" in r.detail for r in hostile), [r.detail for r in hostile]


def test_an_answer_of_an_unexpected_shape_ends_only_its_own_address(
    no_network: respx.MockRouter,
) -> None:
    """A shape no parser expected (details as a number) is an error for that address alone."""
    no_network.get(f"{XON}/v1/check-email/{HOSTILE}").respond(
        200, text=body("xon_check_email_found.json")
    )
    no_network.get(f"{XON}/v1/breach-analytics", params={"email": HOSTILE}).respond(
        200, json={"ExposedBreaches": {"breaches_details": 5}}
    )
    xon_found(no_network)
    report = scan_emails("xposedornot", emails=(HOSTILE, EMAIL))
    assert statuses(report) == {
        ("xposedornot", "h***@example.com"): Status.ERROR,
        ("xposedornot", "j***@example.com"): Status.FOUND,
    }
    hostile = next(r for r in report.results if r.target.startswith("h***"))
    assert "could not be read" in hostile.detail and "TypeError" in hostile.detail


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "nests deeper"),
        ("[" * 40 + "]" * 40, "nests deeper"),
        ('"' + "x" * (5 * 1024 * 1024) + '"', "more than"),
        ("<html>maintenance</html>", "not JSON"),
    ],
)
def test_json_guard_refuses_deep_large_and_non_json(text: str, words: str) -> None:
    with pytest.raises(BreachResponseError, match=words):
        json_body(text, "XposedOrNot")


def test_json_guard_ignores_brackets_inside_strings() -> None:
    text = json.dumps({"note": "[" * 500 + "{" * 500, "breaches": [["Adobe"]]})
    assert json_body(text, "XposedOrNot")["breaches"] == [["Adobe"]]
    assert not nests_deeper_than('[{"a": [1, {"b": []}]}]', 5)  # five levels
    assert nests_deeper_than('[{"a": [1, {"b": []}]}]', 4)


@pytest.mark.parametrize("count", ["9" * 5000, "²", "1e9", "-4", "", "１２"])
def test_pwned_counts_must_be_plain_ascii_numbers(count: str) -> None:
    _, suffix = sha1_prefix_suffix("test")
    with pytest.raises(BreachResponseError, match="not a count"):
        count_in_range(f"0000000000000000000000000000000000A:0\r\n{suffix}:{count}\r\n", suffix)


def test_a_bad_count_on_another_line_does_not_matter() -> None:
    _, suffix = sha1_prefix_suffix("test")
    text = f"0000000000000000000000000000000000A:²\r\n{suffix}:12\r\n"
    assert count_in_range(text, suffix) == 12
