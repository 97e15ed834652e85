"""A broker's opt-out on 127.0.0.1: a search box, a listing to choose, a form with a checkbox
"captcha", and a confirmation page. It records every POST, so a test sees exactly what was sent.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from helpers.localserver import PageHandler, running

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "optout"


class OptOutSite:
    """The running server: its base URL, the pages asked for and the forms posted to it."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        port = server.server_address[1]
        self.server = server
        self.base = f"http://127.0.0.1:{port}"
        self.paths: list[str] = []
        self.posts: list[dict[str, list[str]]] = []

    @property
    def listing(self) -> str:
        """The listing a scan found (the Austin record; the page also offers a Dallas one)."""
        return f"{self.base}/person/jane-doe-austin"


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _handler(holder: list[OptOutSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            url = urlsplit(self.path)
            holder[0].paths.append(url.path)
            if url.path == "/optout":
                self._send(200, _page("search.html"))
            elif url.path == "/optout/search" and parse_qs(url.query).get("q"):
                self._send(200, _page("results.html"))
            elif url.path == "/optout/confirm" and parse_qs(url.query).get("t") == ["abc"]:
                self._send(200, _page("confirmed.html"))
            elif url.path.startswith("/person/") and "optout=1" in url.query:
                record = html.escape(url.path.rsplit("/", 1)[-1]).encode()
                self._send(200, _page("form.html").replace(b"{record}", record))
            else:
                self._send(404, b"<html><body>not here</body></html>")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            holder[0].paths.append(urlsplit(self.path).path)
            holder[0].posts.append(parse_qs(body, keep_blank_values=True))
            self._send(200, _page("received.html"))

    return Handler


@contextmanager
def serve() -> Iterator[OptOutSite]:
    holder: list[OptOutSite] = []
    with running(_handler(holder)) as server:
        holder.append(OptOutSite(server))
        yield holder[0]


def write_broker(folder: Path, broker_id: str, base: str, form: str = "#control") -> Path:
    """A user broker file with the local site's opt-out steps (``form``: the selector the
    steps expect once the listing is chosen; another one plays a form that changed)."""
    text = (FIXTURES / "broker.toml.in").read_text("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{broker_id}.toml"
    target.write_text(text.format(id=broker_id, base=base, form=form), "utf-8")
    return target
