"""Issue 24's stand-in: 300 username sites, each on its own loopback address, with a known truth.

Every site answers after 0.3-0.5 s (seeded, so each run sees the same delays) and is one of:

* ``status``: 200 for an account, 404 otherwise (the rule is the status code alone);
* ``body``: 200 either way; the profile carries a marker, the missing page a sentence;
* ``json``: a JSON API (``{"found": true}``) behind a separate profile page;
* ``redirect``: a missing name is a 302 to the login page;
* ``soft`` (30): 200 with the same profile-like page for any name (a status or body rule);
* ``limit``: 429 for ever, with a Retry-After of an hour;
* ``once``: a status-code site whose first request of a run gets a 429 (Retry-After: 1);
* ``cloudflare``, ``datadome``: a 403 challenge page; ``hcaptcha``: a 200 captcha page on a site
  whose found rule is the status code alone (an empty ``e_string``).

The test account (``ACCOUNT``) has 100 accounts: 95 on sites that can answer, 5 behind walls or
the endless 429 (nobody can see those). The same sites are written in WhatsMyName's format (for
lowprofile), Sherlock's ``data.json`` format and Maigret's database format, each kind with the
rule those tools would use for it. ``truth`` says what each site holds.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "janeqdoe"
KNOWN = "knownuser"
UNCLAIMED = "noonewouldeverusethis7"
ANSWERING = frozenset({"status", "body", "json", "redirect", "once"})
WALLS = frozenset({"cloudflare", "datadome", "hcaptcha", "limit"})
MIX = (
    ("status", 70),
    ("body", 60),
    ("json", 45),
    ("redirect", 45),
    ("soft", 30),
    ("once", 10),
    ("limit", 10),
    ("cloudflare", 10),
    ("datadome", 10),
    ("hcaptcha", 10),
)
MARKER = 'data-profile="1"'
MISSING = "Sorry, this page isn't available"
CLOUDFLARE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    '<div id="cf-challenge"><span id="challenge-error-text">Enable JavaScript and cookies to '
    "continue</span></div><script>window._cf_chl_opt={cvId: '3'};</script></body></html>"
)
DATADOME = (
    "<html><head><title>example</title></head><body><p id='cmsg'>Please enable JS and disable "
    "any ad blocker</p><script>var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'1','t':'fe',"
    "'host':'geo.captcha-delivery.com'}</script>"
    '<script src="https://ct.captcha-delivery.com/c.js"></script></body></html>'
)
HCAPTCHA = (
    '<html><head><script src="https://js.hcaptcha.com/1/api.js" async defer></script></head>'
    '<body><form method="post"><div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-'
    '000000000001"></div><button>Continue</button></form></body></html>'
)
LICENSE = [
    "Copyright (C) 2015-2026 Micah Hoffman",
    "This work is licensed under the Creative Commons Attribution-ShareAlike",
    "4.0 International License. To view a copy of this license, visit",
    "http://creativecommons.org/licenses/by-sa/4.0/ or send a letter to",
    "Creative Commons, PO Box 1866, Mountain View, CA 94042, USA.",
]


@dataclass(frozen=True)
class BenchSite:
    """One stand-in site: its kind, its address, and whether the test account is there."""

    index: int
    kind: str
    host: str
    port: int
    account: bool
    rule: str
    """The rule its lists give it: ``status``, ``body``, ``json`` or ``redirect``."""

    @property
    def name(self) -> str:
        return f"bench-{self.index:03d}-{self.kind}"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def answers(self) -> bool:
        """Whether anyone asking can tell an account from none here."""
        return self.kind in ANSWERING

    def has(self, name: str) -> bool:
        if not self.answers:
            return False
        return name == KNOWN or (name == ACCOUNT and self.account)


def plan_sites(seed: int = 24) -> list[BenchSite]:
    """The 300 sites in a shuffled order, the 100 accounts placed (95 answerable, 5 not).
    Ports are filled in by ``serve``."""
    kinds = [kind for kind, count in MIX for _ in range(count)]
    rng = random.Random(seed)
    rng.shuffle(kinds)
    answering = [i for i, k in enumerate(kinds) if k in ANSWERING]
    walled = [i for i, k in enumerate(kinds) if k in WALLS]
    accounts = set(rng.sample(answering, 95)) | set(rng.sample(walled, 5))
    rules = {"soft": ("status", "body"), "limit": ("status", "body"), "cloudflare": ("body",)}
    sites = []
    for i, kind in enumerate(kinds):
        choices = rules.get(kind, (kind,) if kind in ("body", "json", "redirect") else ("status",))
        rule = choices[i % len(choices)]
        host = f"127.0.{1 + i // 250}.{2 + i % 250}"
        sites.append(BenchSite(i, kind, host, 0, i in accounts, rule))
    return sites


@dataclass
class Log:
    """What the servers saw in one tool's run: per host, each request's start, delay and
    the Retry-After it was given (0 when none); and which ``once`` sites already said 429."""

    requests: dict[str, list[tuple[float, float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    limited: set[int] = field(default_factory=set)

    def reset(self) -> None:
        self.requests.clear()
        self.limited.clear()

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.requests.values())

    def first(self) -> float:
        """When the first request arrived (``time.monotonic``)."""
        return min((s for r in self.requests.values() for s, _, _ in r), default=0.0)

    def span(self) -> float:
        """First request to last answer, as the servers saw it."""
        starts = [s for r in self.requests.values() for s, _, _ in r]
        ends = [s + d for r in self.requests.values() for s, d, _ in r]
        return max(ends) - min(starts) if starts else 0.0

    def longest_chain(self, interval: float) -> float:
        """The slowest host's own lower bound: each request waits for the previous answer (and
        its Retry-After) and for the host interval since the previous start."""
        longest = 0.0
        for seen in self.requests.values():
            steps = [max(interval, delay + pause) for _, delay, pause in seen[:-1]]
            longest = max(longest, sum(steps) + seen[-1][1])
        return longest


def _answer(site: BenchSite, method: str, path: str, log: Log) -> tuple[int, str, dict[str, str]]:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    kind = site.kind
    if kind == "cloudflare":
        return 403, CLOUDFLARE, {}
    if kind == "datadome":
        return 403, DATADOME, {}
    if kind == "hcaptcha":
        return 200, HCAPTCHA, {}
    if kind == "limit":
        return 429, "<h1>Too Many Requests</h1>", {"Retry-After": "3600"}
    if kind == "once" and site.index not in log.limited:
        log.limited.add(site.index)
        return 429, "<h1>Too Many Requests</h1>", {"Retry-After": "1"}
    profile = f"<html><body><div {MARKER}>Profile</div></body></html>"
    if kind == "soft":
        return 200, profile, {}
    if path.endswith("/login"):
        return 200, "<form>Log in</form>", {}
    if site.rule == "json" and "/api/users/" in path:
        return 200, json.dumps({"found": site.has(name), "name": name}), {}
    if site.has(name):
        return 200, profile, {}
    if site.rule == "redirect":
        return 302, "", {"Location": f"{site.base}/login"}
    if site.rule == "body":
        return 200, f"<html><body><p>{MISSING}</p></body></html>", {}
    return 404, "<html><body>Not Found</body></html>", {}


async def _handle(
    site: BenchSite,
    rng: random.Random,
    log: Log,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """HTTP/1.1 with keep-alive, enough for httpx, requests and aiohttp."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
            length = int(headers.get("content-length") or 0)
            if length:
                await reader.readexactly(length)
            start = time.monotonic()
            delay = rng.uniform(0.3, 0.5)
            code, text, extra = _answer(site, method, path, log)
            pause = float(extra.get("Retry-After", 0)) if code == 429 else 0.0
            log.requests[site.host].append((start, delay, pause))
            await asyncio.sleep(delay)
            body = text.encode()
            reply = [f"HTTP/1.1 {code} X", f"Content-Length: {len(body)}"]
            reply += ["Content-Type: text/html; charset=utf-8"]
            reply += [f"{k}: {v}" for k, v in extra.items()]
            payload = b"" if method == "HEAD" else body  # a HEAD answer has no body
            writer.write(("\r\n".join(reply) + "\r\n\r\n").encode() + payload)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


@dataclass
class Running:
    """The serving stand-in: its sites (with ports) and the log of the current run."""

    sites: list[BenchSite]
    log: Log


@contextmanager
def serve(seed: int = 24) -> Iterator[Running]:
    """Start every site on its own loopback address, in one event loop on a thread."""
    loop = asyncio.new_event_loop()
    log = Log()
    planned = plan_sites(seed)
    servers: list[asyncio.Server] = []
    ready: list[BenchSite] = []

    async def start() -> None:
        for site in planned:
            rng = random.Random(f"{seed}-{site.index}")

            def handler(r: Any, w: Any, site: BenchSite = site, rng: random.Random = rng) -> Any:
                return _handle(ready[site.index], rng, log, r, w)

            server = await asyncio.start_server(handler, site.host, 0, backlog=64)
            servers.append(server)
            port = server.sockets[0].getsockname()[1]
            ready.append(BenchSite(site.index, site.kind, site.host, port, site.account, site.rule))

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=60)
    try:
        yield Running(ready, log)
    finally:

        async def stop() -> None:
            for server in servers:
                server.close()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def whatsmyname_list(sites: list[BenchSite]) -> dict[str, Any]:
    """The sites in WhatsMyName's format, as lowprofile reads them."""
    entries = []
    for s in sites:
        entry: dict[str, Any] = {
            "name": s.name,
            "uri_check": f"{s.base}/u/{{account}}",
            "e_code": 200,
            "e_string": MARKER,
            "m_code": 404,
            "m_string": "Not Found",
            "known": [KNOWN],
            "cat": "social",
        }
        if s.rule == "status":
            entry |= {"e_string": "", "m_string": ""}
        elif s.rule == "body":
            entry |= {"m_code": 200, "m_string": MISSING}
        elif s.rule == "json":
            entry |= {
                "uri_check": f"{s.base}/api/users/{{account}}",
                "uri_pretty": f"{s.base}/u/{{account}}",
                "e_string": '"found": true',
                "m_code": 200,
                "m_string": '"found": false',
            }
        elif s.rule == "redirect":
            entry |= {"m_code": 302, "m_string": ""}
        entries.append(entry)
    return {"license": LICENSE, "authors": ["bench"], "categories": ["social"], "sites": entries}


def sherlock_list(sites: list[BenchSite]) -> dict[str, Any]:
    """The sites in Sherlock's ``data.json`` format."""
    data: dict[str, Any] = {}
    for s in sites:
        entry: dict[str, Any] = {
            "url": f"{s.base}/u/{{}}",
            "urlMain": s.base,
            "username_claimed": KNOWN,
            "errorType": "status_code",
        }
        if s.rule == "body":
            entry |= {"errorType": "message", "errorMsg": MISSING}
        elif s.rule == "json":
            entry |= {
                "urlProbe": f"{s.base}/api/users/{{}}",
                "errorType": "message",
                "errorMsg": '"found": false',
            }
        elif s.rule == "redirect":
            entry |= {"errorType": "response_url", "errorUrl": f"{s.base}/login"}
        data[s.name] = entry
    return data


def maigret_db(sites: list[BenchSite]) -> dict[str, Any]:
    """The sites in Maigret's database format."""
    data: dict[str, Any] = {}
    for s in sites:
        entry: dict[str, Any] = {
            "url": f"{s.base}/u/{{username}}",
            "urlMain": s.base,
            "usernameClaimed": KNOWN,
            "usernameUnclaimed": UNCLAIMED,
            "checkType": "status_code",
            "alexaRank": s.index + 1,
            "tags": ["social"],
        }
        if s.rule == "body":
            entry |= {"checkType": "message", "presenseStrs": [MARKER], "absenceStrs": [MISSING]}
        elif s.rule == "json":
            entry |= {
                "urlProbe": f"{s.base}/api/users/{{username}}",
                "checkType": "message",
                "presenseStrs": ['"found": true'],
                "absenceStrs": ['"found": false'],
            }
        elif s.rule == "redirect":
            entry |= {"checkType": "response_url"}
        data[s.name] = entry
    return {"sites": data, "engines": {}, "tags": ["social"]}


def write_lists(sites: list[BenchSite], folder: Path) -> dict[str, Path]:
    """The three list files in ``folder``, by tool."""
    paths = {
        "lowprofile": folder / "wmn-data.json",
        "sherlock": folder / "sherlock-data.json",
        "maigret": folder / "maigret-db.json",
    }
    paths["lowprofile"].write_text(json.dumps(whatsmyname_list(sites)), encoding="utf-8")
    paths["sherlock"].write_text(json.dumps(sherlock_list(sites)), encoding="utf-8")
    paths["maigret"].write_text(json.dumps(maigret_db(sites)), encoding="utf-8")
    return paths
