"""A people-search site on 127.0.0.1 for the browser tests and bench/browser.py.

``/js``: a result list whose cards a script inserts after load (plain HTTP sees no cards).
``/slow``: the same, after 2.5 s (a person solving a check).
``/challenge``: a script challenge (403, "Just a moment...") that sets a cookie and reloads;
with the cookie, the results. ``/plain``: the results as static HTML, for plain-HTTP timing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from helpers.localserver import PageHandler, running

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "browser"


class LocalSite:
    """The running server: its base URL and how many requests each path got."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        host, port = server.server_address[:2]
        self.base = f"http://127.0.0.1:{port}"
        self.hits: Counter[str] = Counter()
        self.arrivals: list[tuple[float, str, str]] = []
        """(``time.monotonic()``, path, User-Agent) of every request, in order of arrival."""


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _handler(site: list[LocalSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path = urlsplit(self.path).path
            site[0].hits[path] += 1
            site[0].arrivals.append((time.monotonic(), path, self.headers.get("User-Agent", "")))
            if path.startswith("/js"):
                self._send(200, _page("js_results.html"))
            elif path.startswith("/slow"):  # a check a person takes a while to solve
                self._send(200, _page("js_results.html").replace(b"}, 300);", b"}, 2500);"))
            elif path.startswith("/plain"):
                self._send(200, _page("static_results.html"))
            elif path.startswith("/challenge"):
                passed = "passed=1" in (self.headers.get("Cookie") or "")
                if passed:
                    self._send(200, _page("static_results.html"))
                else:
                    self._send(403, _page("challenge.html"))
            else:
                self._send(404, b"<html><body>not here</body></html>")

    return Handler


@contextmanager
def serve() -> Iterator[LocalSite]:
    holder: list[LocalSite] = []
    with running(_handler(holder)) as server:
        holder.append(LocalSite(server))
        yield holder[0]


def write_recipe(folder: Path, broker_id: str, base: str, path: str) -> Path:
    """A user broker file for one page of the local site (``fetch = "browser"``)."""
    text = (FIXTURES / "recipe.toml.in").read_text("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{broker_id}.toml"
    target.write_text(text.format(id=broker_id, base=base, path=path), "utf-8")
    return target
