"""Five local sites for the review tests and bench/review.py, on one 127.0.0.1 server.

``/gated/search``: a click-to-continue challenge (403, "Just a moment...", a button); the
click sets a cookie and reloads, and with the cookie the result cards appear only once a
script has drawn them. ``/manual/search``: a site lowprofile has no recipe for.
``/optout/...``: a listing's opt-out form with a checkbox captcha, which answers a POST with
"received". ``/open/search``: results at once (the bench's fifty sites). A dead site is a
port nothing listens on (``dead_base``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from helpers.localserver import PageHandler, running

CHALLENGE = b"""<!doctype html><html><head><title>Just a moment...</title></head><body>
<h1>One more step</h1><p>Checking your browser before accessing the site.</p>
<button id="continue" onclick="document.cookie='reviewed=1; path=/; max-age=86400';
location.reload()">I am a person: continue</button></body></html>"""
RESULTS = b"""<!doctype html><html><head><title>People results</title></head><body>
<h1>Search results</h1><div id="results"></div>
<script>setTimeout(function () {
  document.getElementById('results').innerHTML = '<div class="card"><h2 class="name">Jane Doe'
    + '</h2><span class="age">Age 41</span><span class="place">Austin, TX</span>'
    + '<a class="profile" href="/person/jane-doe-austin">View</a></div>';
}, 300);</script></body></html>"""
OPEN = RESULTS.replace(b"setTimeout(function () {", b"(function () {").replace(
    b"}, 300);", b"})();"
)
MANUAL = b"""<!doctype html><html><head><title>Find people</title></head><body>
<h1>Records for Jane Doe</h1><ul><li><a href="/p/1">Jane Doe, 41, Austin TX</a></li></ul>
</body></html>"""
FORM = b"""<!doctype html><html><head><title>Remove a record</title></head><body>
<h1>Opt Out</h1><form id="control" method="post" action="/optout/submit">
<label>Your name <input id="user_name" name="name"></label>
<label>Your email <input id="user_email" name="email" type="email"></label>
<label>Record URL <input id="url" name="url"></label>
<label><input type="checkbox" id="human"> I am not a robot</label>
<input type="hidden" id="token" name="token" value="">
<button type="submit">Send removal request</button></form>
<script>document.getElementById('human').addEventListener('change', function () {
  document.getElementById('token').setAttribute('value', this.checked ? 'ok' : '');
});</script></body></html>"""
RECEIVED = b"<html><body><p>Your removal request has been received</p></body></html>"


class ReviewSite:
    """The running server: its base URL, the forms posted, and a port nobody answers on."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self.posts: list[dict[str, list[str]]] = []
        self.dead_base = f"http://127.0.0.1:{_closed_port()}"

    @property
    def listing(self) -> str:
        return f"{self.base}/person/jane-doe-austin"


def _closed_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _handler(holder: list[ReviewSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path = urlsplit(self.path).path
            if path.startswith("/gated/"):
                passed = "reviewed=1" in (self.headers.get("Cookie") or "")
                self._send(200, RESULTS) if passed else self._send(403, CHALLENGE)
            elif path.startswith("/open/"):
                self._send(200, OPEN)
            elif path.startswith("/manual/"):
                self._send(200, MANUAL)
            elif path == "/optout/form":
                self._send(200, FORM)
            else:
                self._send(404, b"<html><body>not here</body></html>")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            posted = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            holder[0].posts.append(posted)
            self._send(200, RECEIVED)

    return Handler


@contextmanager
def serve() -> Iterator[ReviewSite]:
    holder: list[ReviewSite] = []
    with running(_handler(holder)) as server:
        holder.append(ReviewSite(server))
        yield holder[0]


RECIPE = """id = "{id}"
name = "Local {id}"
domain = "{id}.example"
category = "people-search"
verified = true

[search]
mode = "{mode}"
url = "{base}/{path}/search?name={{first}}-{{last}}&where={{city}}-{{state}}"
fetch = "browser"

[parse]
cards = [".card"]
no_results_selectors = ["#no-results"]

[parse.fields.name]
selectors = [".name"]

[parse.fields.age]
selectors = [".age"]
after = "Age"

[parse.fields.locations]
selectors = [".place"]
all = true

[parse.fields.url]
selectors = [".profile"]
attribute = "href"

[optout]
url = "{base}/optout/form"
method = "web form"
recheck_days = 30
{steps}
[canary]
name = "John Smith"
city = "Chicago"
state = "IL"
"""
STEPS = """
[[optout.steps]]
action = "navigate"
url = "{base}/optout/form"

[[optout.steps]]
action = "fill"
selector = "#user_name"
value = "full_name"

[[optout.steps]]
action = "fill"
selector = "#user_email"
value = "email"

[[optout.steps]]
action = "fill"
selector = "#url"
value = "listing_url"

[[optout.steps]]
action = "captcha"
selector = "//input[@name='token' and @value='ok']"

[[optout.steps]]
action = "click"
selector = "button[type=submit]"
submit = true

[[optout.steps]]
action = "expect"
text = "Your removal request has been received"
"""


def write_broker(
    folder: Path, broker_id: str, base: str, path: str, *, manual: bool = False, steps: bool = False
) -> Path:
    """A user broker file for one of the local sites (``manual``: no automatic search;
    ``steps``: the opt-out form's steps, captcha included)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{broker_id}.toml"
    text = RECIPE.format(
        id=broker_id,
        base=base,
        path=path,
        mode="manual" if manual else "auto",
        steps=STEPS.format(base=base) if steps else "",
    )
    target.write_text(text, "utf-8")
    return target
