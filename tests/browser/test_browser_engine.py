"""The engine against the local site: a challenge passed once stays passed; ``auto`` retries a
blocked plain fetch in the browser; a page that never shows the cards is read as it stands."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
import respx
from localsite import LocalSite, write_recipe

from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.brokers.search import Fetchers, Search, fetch_and_read
from lowprofile.browser.engine import BrowserEngine
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.results import Status

SETTINGS = Settings(host_interval=0, read_timeout=5, retries=0, allow_loopback=True)


def broker(tmp_path: Path, site: LocalSite, path: str, fetch: str) -> Broker:
    loaded, problems = check_broker_file(write_recipe(tmp_path, "local", site.base, path))
    assert loaded is not None, problems
    return replace(loaded, search=replace(loaded.search, fetch=fetch))


async def search(b: Broker, url: str, mode: str, engine: BrowserEngine) -> tuple[Status, str]:
    async with Http(engine.settings) as http:
        page = await fetch_and_read(Fetchers(http, engine, mode), b, Search(url, {}))
    return page.reading.status, page.via


@pytest.fixture
def browser_site(
    chromium: None, site: LocalSite, no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> LocalSite:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    return site


@pytest.mark.browser
def test_a_passed_challenge_stays_passed(browser_site: LocalSite, tmp_path: Path) -> None:
    site = browser_site
    gated = broker(tmp_path, site, "challenge", "browser")
    url = f"{site.base}/challenge"

    async def twice() -> list[tuple[Status, str]]:
        answers = []
        for _ in range(2):  # two scans, each with its own browser
            async with BrowserEngine(SETTINGS, profiles=tmp_path / "profiles") as engine:
                answers.append(await search(gated, url, "auto", engine))
        return answers

    answers = asyncio.run(twice())
    assert answers == [(Status.FOUND, "browser")] * 2
    assert site.hits["/challenge"] == 3  # challenge + reload, then straight to the results


@pytest.mark.browser
def test_auto_retries_a_blocked_plain_fetch_in_the_browser(
    browser_site: LocalSite, tmp_path: Path
) -> None:
    site = browser_site
    plain = broker(tmp_path, site, "challenge", "http")
    url = f"{site.base}/challenge"

    async def run(mode: str) -> tuple[Status, str]:
        async with BrowserEngine(SETTINGS, profiles=tmp_path / mode) as engine:
            return await search(plain, url, mode, engine)

    assert asyncio.run(run("never")) == (Status.BLOCKED, "http")
    assert asyncio.run(run("auto")) == (Status.FOUND, "browser")


@pytest.mark.browser
def test_a_page_without_the_cards_is_changed_not_waited_on_forever(
    browser_site: LocalSite, tmp_path: Path
) -> None:
    site = browser_site
    lost = broker(tmp_path, site, "js", "browser")
    lost = replace(lost, search=replace(lost.search, wait_for=".never-there"))
    fast = replace(SETTINGS, read_timeout=1)

    async def run() -> tuple[Status, str]:
        async with BrowserEngine(fast, profiles=tmp_path / "p") as engine:
            return await search(lost, f"{site.base}/nothing", "always", engine)

    assert asyncio.run(run()) == (Status.CHANGED, "browser")


@pytest.mark.browser
def test_a_visible_browser_says_which_site_waits_and_goes_on(
    browser_site: LocalSite, tmp_path: Path
) -> None:
    site = browser_site
    slow = broker(tmp_path, site, "slow", "browser")
    told: list[str] = []
    fast = replace(SETTINGS, read_timeout=1)

    async def run(visible: bool) -> tuple[Status, str]:
        async with BrowserEngine(fast, profiles=tmp_path / "p", notify=told.append) as engine:
            await engine.fetch(f"{site.base}/plain", [".card"])  # starts Chromium headless
            engine.visible = visible  # from here on it waits for the person as a window would
            return await search(slow, f"{site.base}/slow", "always", engine)

    assert asyncio.run(run(visible=False)) == (Status.CHANGED, "browser") and told == []
    assert asyncio.run(run(visible=True)) == (Status.FOUND, "browser")
    assert told == ["127.0.0.1 is waiting for you: solve its check in the browser window"]
