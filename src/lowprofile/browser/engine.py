"""The browser engine: one Chromium for the whole scan, a few pages in flight, HTTP's manners.

It stands behind the same seam as HTTP (``brokers.search.fetch_and_read`` chooses), so the same
recipe reads the rendered page with the same rules. It keeps the rules every request obeys:
the proxy and the timeouts come from ``Settings``, and the pause between two requests to one
host from the scan's one ``HostClock`` (``fetch.politeness``), shared with the HTTP client, so a
page retried in the browser after a bot wall waits its turn after the plain request;
each site gets its own browser context whose cookies are kept in ``<data>/browser/`` when the
scan closes the browser (a challenge passed once stays passed), and no site sees another's.

Where the line is: the browser is the person's own, unmodified, and headless unless asked
(``--show-browser``); no captcha service, no stealth plugin, no fingerprint changes. A site that
still refuses is read as what it is, a bot wall, and reported ``blocked``.

Playwright is imported when the engine starts, never before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lowprofile.browser.fence import BrowserFence
from lowprofile.browser.flow import PERSON_WAIT as PERSON_WAIT  # the opt-out runner's too
from lowprofile.browser.flow import Step, Stop, play_steps
from lowprofile.browser.flow import playwright_selector as playwright_selector
from lowprofile.browser.locate import Availability, availability
from lowprofile.browser.profiles import load_profile, save_profile
from lowprofile.browser.proxy import FilteringProxy
from lowprofile.config import Settings
from lowprofile.errors import NetError, RequestFailed
from lowprofile.fetch.fetcher import Fetched
from lowprofile.fetch.politeness import HostClock

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = (
    # Quiet and closed: the browser fetches the pages asked for and makes no calls of its own
    # (updates, sync, safe-browsing lists, field trials).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-quic",
    "--disable-gpu",
    "--metrics-recording-only",
    # WebRTC would send UDP around the filtering proxy: only proxied connections.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)
STOP_GRACE = 10.0
"""Seconds a browser gets to close before its process is killed."""

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Rendered:
    """A page as the browser shows it after its scripts ran: the DOM, serialised."""

    html: str
    status_code: int
    url: str


@dataclass(frozen=True)
class Played:
    """Where a search played as steps ended: the page, and why it stopped early (None: every
    step ran), for the caller to read as ``blocked`` (a person needed) or ``changed``."""

    page: Rendered
    stop: Stop | None = None


class _Navigations:
    """The responses of a page's own navigations from now on: the last one's status is the
    page's (a redirect or a form post may have led there), 200 when none was seen."""

    def __init__(self, page: Any) -> None:
        self._page = page
        self._seen: list[Any] = []
        page.on("response", self._navigated)

    def _navigated(self, response: Any) -> None:
        if response.request.is_navigation_request() and response.frame == self._page.main_frame:
            self._seen.append(response)

    @property
    def status(self) -> int:
        return int(self._seen[-1].status) if self._seen else 200

    def stop(self) -> None:
        """Stop listening (a page kept for the next fetch is not counted twice)."""
        self._page.remove_listener("response", self._navigated)


class BrowserEngine:
    """One browser for the whole scan, started on first use. ``async with`` closes it."""

    def __init__(
        self,
        settings: Settings,
        *,
        visible: bool = False,
        notify: Notify | None = None,
        profiles: Path | None = None,
        pages: int = 3,
        found: Availability | None = None,
        politeness: HostClock | None = None,
        network_down: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self._network_down = network_down or (lambda host: False)
        """The scan's one "network is down" rule (``Http.down_for``): a site it skips is not
        opened in the browser either, and Chromium is not even started for it."""
        self.visible = visible
        self._notify = notify or (lambda message: None)
        self._profiles = profiles
        self._found = found or availability()
        self._slots = asyncio.Semaphore(max(1, min(pages, settings.concurrency)))
        self._start_lock = asyncio.Lock()
        self.politeness = politeness or HostClock(settings.interval_for)
        self._contexts: dict[str, Any] = {}
        self._idle: dict[str, list[Any]] = {}
        self._playwright: Any = None
        self._browser: Any = None
        self._failed = ""
        self._fences: dict[str, BrowserFence] = {}
        self._proxies: list[FilteringProxy] = []
        self._marker = f"--lowprofile-engine={uuid.uuid4().hex}"

    @property
    def available(self) -> Availability:
        return self._found

    @property
    def started(self) -> bool:
        return self._browser is not None

    async def __aenter__(self) -> BrowserEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _start(self) -> Any:
        async with self._start_lock:
            if self._browser is not None:
                return self._browser
            if self._failed:  # tried once this scan: every other page gets the same answer
                raise RequestFailed(self._failed)
            if not self._found.ready:
                raise RequestFailed(self._found.reason)
            if self.visible and no_screen():
                self._failed = (
                    "no screen to open a visible browser window on (DISPLAY is not set): run "
                    "from a desktop session, or without --show-browser"
                )
                raise RequestFailed(self._failed)
            from playwright.async_api import Error, async_playwright

            self._playwright = await async_playwright().start()
            flags = [*CHROMIUM_FLAGS, self._marker]
            # Every context has its own fence; this one refuses whatever Chromium opens
            # outside a page (its own calls home: updates, account checks).
            shared = await self._filtering_proxy(BrowserFence(closed=True))
            launch: dict[str, Any] = {
                "headless": not self.visible,
                "args": [*flags, "--no-sandbox"] if _is_root() else flags,
                "timeout": self.settings.connect_timeout * 3000,
                "proxy": {"server": shared.url},
            }
            if self._found.executable is not None:
                launch["executable_path"] = str(self._found.executable)
            try:
                self._browser = await self._playwright.chromium.launch(**launch)
            except Error as exc:
                await self._playwright.stop()
                self._playwright = None
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason"
                self._failed = f"the browser could not start: {first}"
                raise RequestFailed(self._failed) from exc
            return self._browser

    async def close(self) -> None:
        """Keep each site's cookies and close the browser, each step within its deadline: a
        page whose script never yields cannot hold the scan (its browser is killed instead).
        An engine that never started has nothing to close and loads no Playwright for it."""
        if self._playwright is None and self._browser is None and not self._proxies:
            return
        from playwright.async_api import Error

        try:
            for site, context in list(self._contexts.items()):
                await self._keep_profile(site, context)
                await asyncio.wait_for(context.close(), STOP_GRACE)
            if self._browser is not None:
                await asyncio.wait_for(self._browser.close(), STOP_GRACE)
        except (TimeoutError, Error):
            log.debug("the browser did not close in time: killed", exc_info=True)
        await self._stop()

    async def _stop(self) -> None:
        """Kill this engine's Chromium (found by the marker on its command line), stop
        Playwright and the filtering proxies, and forget every page: the next page that
        needs the browser starts a new one."""
        if self._browser is not None:
            _kill_marked(self._marker)
        self._browser = None
        self._contexts.clear()
        self._idle.clear()
        self._fences.clear()
        if self._playwright is not None:
            playwright, self._playwright = self._playwright, None
            try:
                await asyncio.wait_for(playwright.stop(), STOP_GRACE)
            except Exception:  # a driver that will not stop is left to exit with us
                log.debug("playwright did not stop", exc_info=True)
        proxies, self._proxies = self._proxies, []
        for proxy in proxies:
            await proxy.close()

    async def _filtering_proxy(self, fence: BrowserFence) -> FilteringProxy:
        """A filtering proxy for ``fence``, forwarding to the configured proxy when one is set."""
        proxy = FilteringProxy(
            fence, upstream=self.settings.proxy, timeout=self.settings.connect_timeout
        )
        await proxy.start()
        self._proxies.append(proxy)
        return proxy

    def admit(self, url: str) -> None:
        """Let the pages of ``url``'s site context reach ``url``'s own origin (on this machine,
        another port is another site: only the ones the engine or the opt-out steps opened)."""
        fence = self._fences.get(urlsplit(url).hostname or "")
        if fence is not None:
            fence.admit(url)

    def blocked_requests(self, url: str) -> int | None:
        """How many connections the fence refused to the pages of ``url``'s site so far (None:
        the browser opened no page of that site)."""
        fence = self._fences.get(urlsplit(url).hostname or "")
        return fence.blocked if fence is not None else None

    async def _within(self, call: Awaitable[Any], seconds: float, host: str, what: str) -> Any:
        """``call``, or after ``seconds`` the browser killed and a RequestFailed for the site:
        a page whose script never yields answers no call that needs its renderer."""
        try:
            return await asyncio.wait_for(call, seconds)
        except TimeoutError as exc:
            await self._stop()
            raise RequestFailed(
                f"{host}: the page stopped answering ({what} took over {seconds:g} s); "
                "its browser was stopped"
            ) from exc

    async def _context(self, site: str) -> Any:
        """The site's one context (two recipes on one host share it, and its cookies)."""
        if self._network_down(site):
            raise RequestFailed(
                f"{site}: not tried: the network looks down (no site could be reached)"
            )
        browser = await self._start()
        async with self._start_lock:
            context = self._contexts.get(site)
            if context is None:
                fence = BrowserFence(self.settings.allow_loopback)
                proxy = await self._filtering_proxy(fence)
                context = await browser.new_context(
                    storage_state=load_profile(site, self._profiles),
                    locale=self.settings.accept_language.split(",")[0],
                    extra_http_headers={"Accept-Language": self.settings.accept_language},
                    proxy={"server": proxy.url},
                )
                self._contexts[site] = context
                self._fences[site] = fence
        return context

    async def _keep_profile(self, site: str, context: Any) -> None:
        try:
            state = await asyncio.wait_for(context.storage_state(), self.settings.read_timeout)
            save_profile(site, state, self._profiles)
        except Exception:  # a profile not kept costs one challenge next time, nothing more
            log.debug("profile of %s not kept", site, exc_info=True)

    async def fetch(self, url: str, wait_for: list[str]) -> Rendered:
        """Open ``url`` in its site's context, wait for the first of ``wait_for`` (cards or the
        no-results marker) and return the rendered page; NetError when it cannot load at all.

        A page that never shows what we wait for is returned as it stands: reading it says
        whether it is a bot wall (``blocked``) or a layout the recipe does not know
        (``changed``)."""

        host = urlsplit(url).hostname or ""
        async with self._slots:
            context = await self._context(host)
            self.admit(url)
            await self.politeness.wait_turn(host)
            page = await self._page(host, context)
            navigations = _Navigations(page)
            try:
                await self._goto(page, url, host)
                await self._wait_for(page, host, wait_for)
                read = self.settings.read_timeout
                html = await self._within(_content(page), read, host, "reading the page")
                return Rendered(html, navigations.status, page.url)
            finally:
                navigations.stop()
                if self._contexts.get(host) is context:  # not a page of a killed browser
                    self._idle.setdefault(host, []).append(page)

    async def fetch_page(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        wait_for: Sequence[str] = (),
    ) -> Fetched:
        """The ``Fetcher`` seam: the rendered page. The browser only navigates (its own headers,
        no form), so a recipe that posts is the plain client's."""
        if method != "GET":
            raise RequestFailed(f"the browser only opens pages (GET), not {method}", url=url)
        page = await self.fetch(url, list(wait_for))
        return Fetched(page.html, page.status_code, page.url, via="browser")

    async def play(
        self,
        url: str,
        steps: Sequence[Step],
        values: Mapping[str, Sequence[str]],
        wait_for: Sequence[str] = (),
    ) -> Played:
        """A search that is a flow of steps (a form to fill and post, questions, a captcha),
        played from the page at ``url`` in its site context with a browser fetch's rules: one
        page slot, the site's cookies, its fence (its pages reach ``url``'s origin and the
        steps' pages only), the host's pause before every page asked of it, a deadline on every
        call. Then it waits for the first of ``wait_for`` and returns the page as it stands;
        NetError when the first page cannot load at all. A fresh tab each time: a half-filled
        form is not a search's start."""

        host = urlsplit(url).hostname or ""
        async with self._slots:
            context = await self._context(host)
            for admitted in (url, *(s.url for s in steps if s.action == "navigate")):
                self.admit(admitted)
            page = await context.new_page()
            navigations = _Navigations(page)
            try:
                await self.politeness.wait_turn(host)
                await self._goto(page, url, host)
                stop = await play_steps(page, steps, values, _Guard(self, host))
                if stop is None:
                    await self._wait_for(page, host, list(wait_for))
                read = self.settings.read_timeout
                html = await self._within(_content(page), read, host, "reading the page")
                return Played(Rendered(html, navigations.status, page.url), stop)
            finally:
                if self._contexts.get(host) is context:
                    await self._close_page(page, host)

    @asynccontextmanager
    async def tab(self, url: str, also: Iterable[str] = ()) -> AsyncIterator[Any]:
        """A page of ``url``'s site context, for a caller that drives it step by step (the
        opt-out runner); the site's pause between two starts is kept. Its pages may reach
        ``url``'s origin and those of ``also`` (the other pages the steps open), nothing else
        on this machine. Closed afterwards: an opt-out's page is not reused for a search."""
        host = urlsplit(url).hostname or ""
        async with self._slots:
            context = await self._context(host)
            for admitted in (url, *also):
                self.admit(admitted)
            await self.politeness.wait_turn(host)
            page = await context.new_page()
            try:
                yield page
            finally:
                if self._contexts.get(host) is context:
                    await self._close_page(page, host)

    async def _goto(self, page: Any, url: str, host: str) -> None:
        """Load ``url`` in ``page`` within the connect and read timeouts (and the engine's own
        deadline past them); a page that cannot load is a NetError naming the host."""
        from playwright.async_api import Error

        budget = self.settings.connect_timeout + self.settings.read_timeout
        try:
            await self._within(
                page.goto(url, timeout=budget * 1000, wait_until="domcontentloaded"),
                budget + STOP_GRACE,
                host,
                "loading",
            )
        except Error as exc:
            raise _net_error(host, url, exc) from exc

    async def _close_page(self, page: Any, host: str) -> None:
        """Close a caller's tab; one that does not close in time has its browser killed (the
        caller's work is done: that is logged, not raised over its outcome)."""
        try:
            await self._within(page.close(), STOP_GRACE, host, "closing the page")
        except RequestFailed:
            log.debug("a tab of %s did not close: its browser was stopped", host)

    async def _page(self, site: str, context: Any) -> Any:
        """A tab of the site's context: an idle one again (cheaper than a new one), or new."""
        idle = self._idle.get(site)
        if idle:
            return idle.pop()
        return await context.new_page()

    async def _wait_for(self, page: Any, host: str, selectors: list[str]) -> None:
        from playwright.async_api import Error

        if not selectors:
            await _settle(page, self.settings.read_timeout)
            return
        locator = page.locator(playwright_selector(selectors[0]))
        for selector in selectors[1:]:
            locator = locator.or_(page.locator(playwright_selector(selector)))
        timeout = self.settings.read_timeout * 1000
        try:
            await locator.first.wait_for(state="attached", timeout=timeout)
            return
        except Error:
            if not self.visible:
                return
        self._notify(f"{host} is waiting for you: solve its check in the browser window")
        try:
            await locator.first.wait_for(state="attached", timeout=PERSON_WAIT * 1000)
        except Error:
            return

    async def snapshot(self, html: str) -> bytes:
        """A full-page PNG of saved HTML, drawn with scripts and network off: what the page
        showed, without letting it run or call anywhere again."""
        browser = await self._start()
        async with self._slots:
            context = await browser.new_context(java_script_enabled=False, offline=True)
            try:
                await context.route("**/*", lambda route: route.abort())
                page = await context.new_page()
                read = self.settings.read_timeout
                await page.set_content(html, wait_until="load", timeout=read * 1000)
                png: bytes = await self._within(
                    page.screenshot(full_page=True, timeout=read * 1000),
                    read + STOP_GRACE,
                    "evidence",
                    "drawing the screenshot",
                )
                return png
            finally:
                if self._browser is browser:
                    await asyncio.wait_for(context.close(), STOP_GRACE)


class _Guard:
    """The engine's rules lent to one flow (``browser.flow.Guard``): a stuck call stops the
    browser, every page asked of the host waits its turn on the scan's one clock."""

    def __init__(self, engine: BrowserEngine, host: str) -> None:
        self.engine = engine
        self.host = host
        self.visible = engine.visible

    async def within(self, call: Awaitable[Any], seconds: float, what: str) -> Any:
        return await self.engine._within(call, seconds, self.host, what or "a step")

    async def turn(self) -> None:
        await self.engine.politeness.wait_turn(self.host)

    def notify(self, message: str) -> None:
        self.engine._notify(f"{self.host}: {message}")


async def _settle(page: Any, seconds: float) -> None:
    from playwright.async_api import Error

    try:
        await page.wait_for_load_state("networkidle", timeout=seconds * 1000)
    except Error:
        return


async def _content(page: Any) -> str:
    """The DOM now; a page caught mid-navigation (a challenge reloading) is given a moment."""
    from playwright.async_api import Error

    for _ in range(3):
        try:
            html: str = await page.content()
            return html
        except Error:
            await _settle(page, 5)
    html = await page.content()
    return html


def _kill_marked(marker: str) -> None:
    """SIGKILL the processes whose command line holds ``marker`` (this engine's Chromium; its
    renderers end with it). Only Linux's /proc is read: elsewhere Playwright's stop ends it."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    needle = marker.encode()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:  # gone meanwhile, or not ours to read
            continue


def _net_error(host: str, url: str, exc: Exception) -> NetError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return RequestFailed(f"{host}: the browser could not load the page ({first})", url=url)


def no_screen() -> bool:
    """On Linux and the BSDs a window needs an X or Wayland display; macOS and Windows have
    their own."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
