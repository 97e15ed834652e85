"""Issue 24: the usernames checker tells the scheduler its chains before it asks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable

import httpx
import pytest
import respx

from fixtures.usernames.standin import LICENSE
from lowprofile.checkers.base import CheckContext
from lowprofile.checkers.usernames import UsernameChecker
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.subject import Subject
from lowprofile.usernames.sites import parse_site_list


def _entry(name: str, uri: str) -> dict[str, object]:
    return {
        "name": name,
        "uri_check": uri,
        "e_code": 200,
        "e_string": "profile",
        "m_code": 404,
        "m_string": "No such user",
        "known": ["known1"],
        "cat": "social",
    }


def test_the_checker_announces_every_first_request(
    no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sites on one host (a chain of three polite requests) and one elsewhere, for two
    names: the scheduler hears of all eight before the first is sent, so it can start the
    longest chain first. A plain-http site is never asked, so it is not announced."""
    no_network.route().respond(404, text="No such user")
    entries = [
        _entry("A1", "https://busy.example/a/{account}"),
        _entry("A2", "https://busy.example/b/{account}"),
        _entry("A3", "https://busy.example/c/{account}"),
        _entry("B", "https://quiet.example/{account}"),
        _entry("Clear", "http://clear.example/{account}"),
    ]
    data = {"license": LICENSE, "authors": ["t"], "categories": ["social"], "sites": entries}
    checker = UsernameChecker(site_list=parse_site_list(data, "test"))
    announced: Counter[str] = Counter()
    sent_before: list[int] = []
    expect = Http.expect

    def spy(self: Http, urls: Iterable[str]) -> None:
        listed = list(urls)
        announced.update(httpx.URL(u).host for u in listed)
        sent_before.append(len(no_network.calls))
        expect(self, listed)

    monkeypatch.setattr(Http, "expect", spy)
    settings = Settings(host_interval=0, backoff=0, retries=0)

    async def go() -> None:
        async with Http(settings) as http:
            ctx = CheckContext(http=http, settings=settings)
            subject = Subject(names=(), usernames=("jane", "jdoe"))
            _ = [r async for r in checker.check(subject, ctx)]

    asyncio.run(go())
    assert announced == Counter({"busy.example": 6, "quiet.example": 2})
    assert sent_before == [0]


def test_a_control_waits_behind_the_first_requests_already_queued(
    no_network: respx.MockRouter,
) -> None:
    """One slot; four sites, the first of which has the account. The made-up-name control that
    follows the hit ends that site's work, so it queues behind the first requests waiting (any
    of which may start a longer chain) instead of jumping ahead of them."""
    seen: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.host}{request.url.path}")
        await asyncio.sleep(0.02)  # an answer takes time: others queue meanwhile
        if request.url.host == "hit.example" and request.url.path == "/u/jane":
            return httpx.Response(200, text="profile")
        return httpx.Response(404, text="No such user")

    no_network.route().mock(side_effect=answer)
    hosts = ["hit.example", "b.example", "c.example", "d.example"]
    entries = [_entry(h, f"https://{h}/u/{{account}}") for h in hosts]
    data = {"license": LICENSE, "authors": ["t"], "categories": ["social"], "sites": entries}
    checker = UsernameChecker(site_list=parse_site_list(data, "test"))
    settings = Settings(host_interval=0, backoff=0, retries=0, concurrency=1)

    async def go() -> None:
        async with Http(settings) as http:
            ctx = CheckContext(http=http, settings=settings)
            _ = [r async for r in checker.check(Subject(names=(), usernames=("jane",)), ctx)]

    asyncio.run(go())
    assert seen[:4] == [
        "hit.example/u/jane",
        "b.example/u/jane",
        "c.example/u/jane",
        "d.example/u/jane",
    ]
    assert seen[4].startswith("hit.example/u/") and seen[4] != "hit.example/u/jane"
