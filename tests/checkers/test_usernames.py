"""Usernames: WhatsMyName's rules, the control check, site lists, findings, doctor and update."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from lowprofile.checkers.base import CheckContext, CheckerSpec, select_checkers
from lowprofile.checkers.usernames import UsernameChecker, matches_name, name_forms
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.fetch.memory import HostMemory
from lowprofile.results import CheckResult, Severity, Status
from lowprofile.scan import run_scan
from lowprofile.subject import Name, Subject
from lowprofile.usernames.doctor import BROKEN, OK, UNKNOWN, examine
from lowprofile.usernames.findings import account_finding
from lowprofile.usernames.probe import ask, made_up_name
from lowprofile.usernames.rules import build_request, judge
from lowprofile.usernames.sites import (
    Site,
    SiteListError,
    load_sites,
    parse_site_list,
    read_site_file,
    shipped_data_dir,
    updated_data_path,
)
from lowprofile.usernames.update import SCHEMA_URL, update_sites

SETTINGS = Settings(host_interval=0, backoff=0, retries=0)
LICENSE = json.loads((shipped_data_dir() / "wmn-data.json").read_text("utf-8"))["license"]


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Example",
        "uri_check": "https://example.social/u/{account}",
        "e_code": 200,
        "e_string": 'class="profile"',
        "m_code": 404,
        "m_string": "No such user",
        "known": ["known1"],
        "cat": "social",
    }
    return base | changes


def site_list_data(*entries: dict[str, Any]) -> dict[str, Any]:
    sites = list(entries)
    return {"license": LICENSE, "authors": ["test"], "categories": ["social"], "sites": sites}


def site(**changes: Any) -> Site:
    return parse_site_list(site_list_data(entry(**changes)), "test").sites[0]


PROFILE = '<div class="profile">hello</div>'
MISSING = "<p>No such user</p>"


def serve(router: respx.MockRouter, accounts: set[str], pattern: str = "example.social") -> Any:
    """A site with an account for each name in ``accounts``; returns the respx route."""

    def answer(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name in accounts:
            return httpx.Response(200, text=PROFILE)
        return httpx.Response(404, text=MISSING)

    return router.get(url__regex=rf"https://{re.escape(pattern)}/u/.+").mock(side_effect=answer)


def run(checker: UsernameChecker, *usernames: str, names: tuple[Name, ...] = ()) -> list[Any]:
    spec = CheckerSpec("usernames", "test", "builtin", lambda: checker)
    subject = Subject(names=names, usernames=usernames)
    report = asyncio.run(run_scan(subject, [spec], SETTINGS))
    return report.results


def checker_for(*entries: dict[str, Any]) -> UsernameChecker:
    return UsernameChecker(site_list=parse_site_list(site_list_data(*entries), "test"))


# --- the rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "body", "wall", "status"),
    [
        (200, PROFILE, None, Status.FOUND),
        (404, MISSING, None, Status.NOT_FOUND),
        (404, "<p>gone</p>", None, Status.CHANGED),  # m_code without m_string
        (200, "<p>hello</p>", None, Status.CHANGED),  # e_code without e_string
        (403, "<p>nope</p>", None, Status.BLOCKED),
        (429, MISSING, None, Status.BLOCKED),
        (404, MISSING, "captcha form", Status.BLOCKED),  # a wall that says "no such user"
        (200, PROFILE, "captcha form", Status.BLOCKED),  # a wall is never an answer
        (500, "oops", None, Status.CHANGED),
    ],
)
def test_judge(code: int, body: str, wall: str | None, status: Status) -> None:
    assert judge(site(), code, body, wall).status is status


def test_judge_both_rules_fit() -> None:
    both = site(m_code=200, m_string="No such user")
    assert judge(both, 200, PROFILE + MISSING).status is Status.CHANGED
    # An empty string only pins the code: the marker that is really on the page decides.
    code_only_missing = site(m_code=200, m_string="")
    assert judge(code_only_missing, 200, PROFILE).status is Status.FOUND
    assert judge(code_only_missing, 200, "<p>x</p>").status is Status.NOT_FOUND
    code_only_found = site(e_string="", m_code=200)
    assert judge(code_only_found, 200, MISSING).status is Status.NOT_FOUND
    assert judge(code_only_found, 200, "<p>x</p>").status is Status.FOUND


def test_a_site_whose_missing_answer_is_403_reads_it_as_not_found() -> None:
    assert judge(site(m_code=403), 403, MISSING).status is Status.NOT_FOUND


def test_request_escapes_and_strips() -> None:
    request = build_request(site(strip_bad_char="."), "jane.doe/../x?y")
    assert request.url == "https://example.social/u/janedoe%2F%2Fx%3Fy"
    assert request.method == "GET" and request.body is None
    posted = site(
        uri_check="https://example.social/api",
        post_body='{"user":"{account}"}',
        headers={"Content-Type": "application/json", "X-Key": "1"},
    )
    request = build_request(posted, 'ja"ne')
    assert request.method == "POST"
    assert json.loads(request.body or "") == {"user": 'ja"ne'}
    assert request.headers == {"Content-Type": "application/json", "X-Key": "1"}
    form = site(
        uri_check="https://example.social/f",
        post_body="u={account}&x=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert build_request(form, "a b&c").body == "u=a+b%26c&x=1"


def test_made_up_names_differ_and_look_like_usernames() -> None:
    names = {made_up_name() for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"[a-z][a-z0-9]{13}", n) for n in names)


# --- site lists ----------------------------------------------------------------------------


def test_shipped_list_loads_with_attribution() -> None:
    loaded = load_sites()
    assert len(loaded.sites) > 700 and not loaded.problems
    assert "7cup" not in {s.name for s in loaded.sites}  # valid: false upstream
    folder = shipped_data_dir()
    assert "Attribution-ShareAlike 4.0" in (folder / "LICENSE").read_text("utf-8")
    assert "Micah Hoffman" in (folder / "PROVENANCE.md").read_text("utf-8")
    anilist = next(s for s in loaded.sites if s.name == "AniList")
    assert anilist.post_body and dict(anilist.headers)["Content-Type"] == "application/json"


def test_shipped_files_are_the_upstream_bytes() -> None:
    """CC BY-SA copies must stay what PROVENANCE.md says they are (unmodified upstream files)."""
    folder = shipped_data_dir()
    provenance = (folder / "PROVENANCE.md").read_text("utf-8")
    for name in ("wmn-data.json", "wmn-data-schema.json"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"| {name} | {digest} |" in provenance


def test_loopback_sites_need_the_switch() -> None:
    data = site_list_data(entry(uri_check="http://127.0.0.1:8080/u/{account}"), entry(name="B"))
    refused = parse_site_list(data, "f.json")
    assert [s.name for s in refused.sites] == ["B"]
    assert "internal address (127.0.0.1)" in refused.problems[0]
    assert refused.problems[0].startswith("f.json: sites/0 (Example)")
    allowed = parse_site_list(data, "f.json", loopback=True)
    assert len(allowed.sites) == 2 and allowed.sites[0].secure
    private_entry = entry(uri_check="https://10.0.0.5/{account}")
    private = parse_site_list(site_list_data(private_entry), "f", loopback=True)
    assert not private.sites and "internal address" in private.problems[0]


def test_entry_without_placeholder_is_left_out_with_a_reason() -> None:
    # WhatsMyName's schema already says so; our own check holds under a laxer (newer) schema.
    posted = entry(uri_check="https://example.social/api", post_body='{"user": "me"}')
    lax = {"type": "object", "properties": {}}
    loaded = parse_site_list(site_list_data(posted), "f", lax)
    assert not loaded.sites and "{account}" in loaded.problems[0]


def test_schema_violations_refuse_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(site_list_data(entry(e_code="200"))), encoding="utf-8")
    with pytest.raises(SiteListError, match=r"bad\.json: not a WhatsMyName site list: sites/0"):
        read_site_file(bad)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SiteListError, match=r"bad\.json: not JSON"):
        read_site_file(bad)


def test_skip_category_and_only() -> None:
    data = site_list_data(entry(), entry(name="Adult", cat="xx NSFW xx"))
    loaded = parse_site_list(data, "f")
    assert [s.name for s in loaded.without_categories(["XX nsfw xx"]).sites] == ["Example"]
    chosen, missing = loaded.only(["adult", "nope"])
    assert [s.name for s in chosen.sites] == ["Adult"] and missing == ["nope"]


# --- the checker: rules, controls, honesty -------------------------------------------------


def test_hit_confirmed_by_control_is_an_account(no_network: respx.MockRouter) -> None:
    route = serve(no_network, {"janedoe"})
    (result,) = run(checker_for(entry(name="GitHub (User)", cat="coding")), "janedoe")
    assert result.status is Status.FOUND
    (finding,) = result.findings
    assert finding.kind == "account"
    assert finding.where == "https://example.social/u/janedoe"
    assert finding.evidence["category"] == "coding" and finding.evidence["username"] == "j***"
    # GitHub has no settings checkup entry: the remedy points at the profile (issue 28)
    assert finding.remedy is not None and finding.remedy.url == "https://example.social/u/janedoe"
    assert "made-up name was not found" in result.detail
    assert route.call_count == 2  # the name and one control


def test_site_that_finds_anyone_claims_no_account(no_network: respx.MockRouter) -> None:
    no_network.get(url__regex=r"https://example\.social/u/.+").respond(200, text=PROFILE)
    (result,) = run(checker_for(entry()), "janedoe")
    assert result.status is Status.CHANGED and not result.findings
    assert "answers 'found' for anyone" in result.detail
    assert result.url == "https://example.social/u/janedoe"


def test_hit_with_a_walled_control_is_not_claimed(no_network: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/janedoe"):
            return httpx.Response(200, text=PROFILE)
        return httpx.Response(403, text="<title>Just a moment...</title>")

    no_network.get(url__regex=r"https://example\.social/u/.+").mock(side_effect=answer)
    (result,) = run(checker_for(entry()), "janedoe")
    assert result.status is Status.BLOCKED and not result.findings
    assert "control request" in result.detail and "check by hand" in result.detail


HCAPTCHA_PAGE = (
    '<html><head><script src="https://js.hcaptcha.com/1/api.js" async defer></script></head>'
    '<body><form method="post"><div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-'
    '000000000001"></div><button>Continue</button></form></body></html>'
)


def test_a_captcha_page_where_found_is_only_a_code_is_blocked_without_a_control(
    no_network: respx.MockRouter,
) -> None:
    """Issue 24: a 200 hCaptcha page on a site whose found rule has an empty ``e_string`` used to
    read as a hit, draw a made-up-name control to the walled site, and end as "found for
    anyone" (changed). It is a wall: blocked, one request, no control."""
    route = no_network.get(url__regex=r"https://example\.social/u/.+").respond(
        200, text=HCAPTCHA_PAGE
    )
    (result,) = run(checker_for(entry(e_string="", m_string="No such user")), "janedoe")
    assert result.status is Status.BLOCKED and not result.findings
    assert "bot wall (captcha form)" in result.detail
    assert route.call_count == 1
    assert route.calls.last.request.url.path == "/u/janedoe"


def test_no_control_when_nothing_hit(no_network: respx.MockRouter) -> None:
    route = serve(no_network, set())
    (result,) = run(checker_for(entry()), "janedoe")
    assert result.status is Status.NOT_FOUND and route.call_count == 1


def test_one_control_per_site_for_many_names(no_network: respx.MockRouter) -> None:
    route = serve(no_network, {"alpha", "beta", "gamma"})
    results = run(checker_for(entry()), "alpha", "beta", "gamma")
    assert [r.status for r in results] == [Status.FOUND] * 3
    assert route.call_count == 4


@pytest.mark.parametrize(
    ("response", "status"),
    [
        (httpx.Response(429, text="slow down"), Status.BLOCKED),
        (httpx.Response(403, text="<div class='g-recaptcha'></div>No such user"), Status.BLOCKED),
        (httpx.Response(200, text="<title>Just a moment...</title>No such user"), Status.BLOCKED),
        (httpx.Response(200, text="<p>new layout</p>"), Status.CHANGED),
        (httpx.ConnectError("refused"), Status.ERROR),
    ],
)
def test_never_not_found_without_the_marker(
    no_network: respx.MockRouter, response: Any, status: Status
) -> None:
    route = no_network.get(url__regex=r"https://example\.social/u/.+")
    if isinstance(response, Exception):
        route.mock(side_effect=response)
    else:
        route.mock(return_value=response)
    (result,) = run(checker_for(entry()), "janedoe")
    assert result.status is status and not result.findings
    assert result.url == "https://example.social/u/janedoe" and "check by hand" in result.detail


def test_redirect_is_read_not_followed(no_network: respx.MockRouter) -> None:
    no_network.get("https://example.social/u/janedoe").respond(302, headers={"Location": "/x"})
    login = no_network.get("https://example.social/x").respond(200, text=PROFILE)
    (result,) = run(checker_for(entry(m_code=302, m_string="")), "janedoe")
    assert result.status is Status.NOT_FOUND and not login.called


def test_post_body_and_headers_are_sent(no_network: respx.MockRouter) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        user = json.loads(request.content)["user"]
        if request.headers.get("X-Key") != "k":
            return httpx.Response(400, text="no key")
        return httpx.Response(200, json={"taken": user == "janedoe"})

    no_network.post("https://example.social/api").mock(side_effect=answer)
    posted = entry(
        uri_check="https://example.social/api",
        uri_pretty="https://example.social/@{account}",
        post_body='{"user":"{account}"}',
        headers={"Content-Type": "application/json", "X-Key": "k"},
        e_string='"taken":true',
        m_code=200,
        m_string='"taken":false',
    )
    (result,) = run(checker_for(posted), "janedoe")
    assert result.status is Status.FOUND
    assert result.findings[0].where == "https://example.social/@janedoe"
    assert seen[0].headers["content-type"] == "application/json" and len(seen) == 2


def test_plain_http_sites_are_links_to_check_by_hand(no_network: respx.MockRouter) -> None:
    (result,) = run(checker_for(entry(uri_check="http://example.social/u/{account}")), "janedoe")
    assert result.status is Status.MANUAL and "plain http" in result.detail


def test_sensitive_sites_and_name_matches(no_network: respx.MockRouter) -> None:
    serve(no_network, {"janedoe"})
    results = run(checker_for(entry(cat="dating")), "janedoe", names=(Name.parse("Jane Doe"),))
    (finding,) = results[0].findings
    assert finding.severity is Severity.HIGH and "sensitive_account" in finding.exposed
    assert finding.evidence["sensitive"] is True and finding.evidence["matches_name"] is True
    assert "the username spells out your name" in finding.reasons
    plain = account_finding(site(), "zz9", "r")
    assert plain.severity is Severity.LOW and plain.evidence["matches_name"] is False


def test_name_forms() -> None:
    forms = name_forms(Subject(names=(Name.parse("Jane Q Doe"),)))
    assert matches_name("Jane_Doe84", forms) and matches_name("jdoe", forms)
    assert not matches_name("skater", forms)
    short = name_forms(Subject(names=(Name.parse("Al Li"),)))
    assert matches_name("al.li", short) and not matches_name("alison", short)


def test_scan_runs_the_profile_usernames(no_network: respx.MockRouter, tmp_path: Path) -> None:
    specs, unknown = select_checkers(["usernames"])
    assert not unknown and specs[0].target.endswith("UsernameChecker")
    subject = Subject(names=(Name.parse("Jane Doe"),))
    report = asyncio.run(run_scan(subject, specs, SETTINGS))
    assert [r.status for r in report.results] == [Status.SKIPPED]
    assert "no usernames" in report.results[0].detail


def test_checker_uses_the_updated_list(
    no_network: respx.MockRouter, private_dirs: dict[str, Path]
) -> None:
    path = updated_data_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(site_list_data(entry(name="Fresh"))), encoding="utf-8")
    assert [s.name for s in UsernameChecker().sites_for(Settings()).sites] == ["Fresh"]
    path.write_text("{broken", encoding="utf-8")
    fallback = load_sites()
    assert len(fallback.sites) > 700 and "using the list shipped" in fallback.problems[0]


# --- doctor --------------------------------------------------------------------------------


async def _examine(target: Site) -> Any:
    async with Http(SETTINGS) as http:
        return await examine(target, http, "madeup12345")


def test_doctor_both_ways(no_network: respx.MockRouter) -> None:
    serve(no_network, {"known1"})
    assert asyncio.run(_examine(site())).state == OK
    serve(no_network, {"known1", "madeup12345"}, pattern="anyone.example")
    health = asyncio.run(_examine(site(uri_check="https://anyone.example/u/{account}")))
    assert health.state == BROKEN and "made-up name: found" in health.problems[0]
    serve(no_network, set(), pattern="rotten.example")
    health = asyncio.run(_examine(site(uri_check="https://rotten.example/u/{account}")))
    assert health.state == BROKEN and "known account 'known1': not_found" in health.problems[0]
    no_network.get(url__regex=r"https://walled\.example/.+").respond(403, text="Access Denied")
    health = asyncio.run(_examine(site(uri_check="https://walled.example/u/{account}")))
    assert health.state == UNKNOWN


# --- update --------------------------------------------------------------------------------


def _upstream(router: respx.MockRouter, data: Any, status: int = 200) -> None:
    schema = (shipped_data_dir() / "wmn-data-schema.json").read_text("utf-8")
    router.get(SCHEMA_URL).respond(200, text=schema)
    text = data if isinstance(data, str) else json.dumps(data)
    router.get("https://lists.example/wmn-data.json").respond(status, text=text)


async def _update() -> Any:
    async with Http(SETTINGS) as http:
        return await update_sites(http, "https://lists.example/wmn-data.json")


def test_update_installs_a_checked_list(no_network: respx.MockRouter) -> None:
    shipped = json.loads((shipped_data_dir() / "wmn-data.json").read_text("utf-8"))
    shipped["sites"].append(entry(name="Brand new"))
    _upstream(no_network, shipped)
    result = asyncio.run(_update())
    assert result.after == result.before + 1
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert "Brand new" in {s.name for s in load_sites().sites}


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ("<html>", 200, "not JSON"),
        (site_list_data(entry(e_code="x")), 200, "not a WhatsMyName site list"),
        (site_list_data(entry()), 200, "refusing it as truncated"),
        ("{}", 404, "HTTP 404"),
    ],
)
def test_update_refuses_unfit_lists(
    no_network: respx.MockRouter, data: Any, status: int, message: str
) -> None:
    path = updated_data_path()
    path.parent.mkdir(parents=True)
    before = (shipped_data_dir() / "wmn-data.json").read_text("utf-8")
    path.write_text(before, encoding="utf-8")
    _upstream(no_network, data, status)
    with pytest.raises(SiteListError, match=message):
        asyncio.run(_update())
    assert path.read_text("utf-8") == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_results_round_trip(no_network: respx.MockRouter) -> None:
    serve(no_network, {"janedoe"})
    (result,) = run(checker_for(entry()), "janedoe")
    assert CheckResult.from_dict(result.to_dict()) == result


def test_sites_on_one_host_keep_its_pace(no_network: respx.MockRouter) -> None:
    """Two sites on one host wait the host interval; a site on another host does not."""
    serve(no_network, set())
    serve(no_network, set(), pattern="other.example")
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings = Settings(host_interval=5.0, backoff=0, retries=0)
    checker = checker_for(
        entry(),
        entry(name="Second", uri_check="https://example.social/u/{account}?tab=2"),
        entry(name="Elsewhere", uri_check="https://other.example/u/{account}"),
    )

    async def go() -> list[CheckResult]:
        async with Http(settings, sleep=fake_sleep) as http:
            ctx = CheckContext(http=http, settings=settings)
            subject = Subject(names=(), usernames=("janedoe",))
            return [r async for r in checker.check(subject, ctx)]

    results = asyncio.run(go())
    assert [r.status for r in results] == [Status.NOT_FOUND] * 3
    assert len(sleeps) == 1 and sleeps[0] == pytest.approx(5.0, abs=0.5)


def test_a_host_made_of_the_username_is_never_kept_in_the_host_memory(tmp_path: Path) -> None:
    """The host memory keeps host names (``fetch.memory``); a site whose host carries the
    name asked (``{account}.example.social``) must not leave that name in it."""
    named = site(name="Pages", uri_check="https://{account}.example.social/")
    plain = site(name="Plain", uri_check="https://plain.example.social/u/{account}")
    memory = HostMemory(tmp_path / "hosts.json")

    async def main() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(404, text="not found"))
        async with Http(Settings(retries=0), transport=transport, memory=memory) as http:
            await ask(named, "janeqdoe", http)
            await ask(plain, "janeqdoe", http)

    asyncio.run(main())
    assert set(memory.noted) == {"plain.example.social"}
    memory.save()
    assert "janeqdoe" not in (tmp_path / "hosts.json").read_text("utf-8")
