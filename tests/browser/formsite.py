"""Two people-search sites on 127.0.0.1 whose search is a flow, not a URL.

``/landing``: a PrivateReports-family name search, its markup built from a broker file's own
steps (each ``fill`` selector an input, or the state list); posting it (``/search``) asks "is the
person older than 45?" as the family's pages do, and the answer (``/answer``) shows the results
in the family's card markup: Jane Doe of Austin (and a namesake), nobody for "Nobody", or, when
``captcha`` is set, an image captcha instead. ``/removeMyData``: an InfoTracer-style page whose
results table appears only after "I am not a robot" (``#notrobl``) is clicked.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from helpers.localserver import PageHandler, running

QUESTION_KEY = "comp.name-search.rule.question.reSearch.moreThanAge"
CAPTCHA = (
    '<div id="svg-captcha-rendering"><svg width="90" height="30"><text>x7Pq</text></svg></div>'
)
PEOPLE = """<ul>
<li class="result searchedPerson"><a href="#jd1"><div><h3>Jane Doe</h3><h4>Age: 41</h4></div></a>
 <p><strong>Locations:</strong> Austin, TX</p><p><strong>Possible relatives:</strong> John Doe</p>
 <button class="more" type="button" onclick="this.textContent='less'">more</button></li>
<li class="result searchedPerson"><a href="#jd2"><div><h3>Jane Doe</h3><h4>Age: 77</h4></div></a>
 <p><strong>Locations:</strong> Fresno, CA</p></li>
</ul>"""
NOBODY = "<div>We were unable to find anyone by that name.</div>"
TRACER = """<html><body><h1>Remove my data</h1>
<button id="notrobl" type="button">I am not a robot</button><div id="out"></div>
<script>
document.getElementById('notrobl').onclick = () => setTimeout(() => {
  const rows = NAMES.map(p => '<tr><td>' + p[0] + '</td><td>x</td><td>' + p[1] +
    '</td><td></td><td>' + p[2] + '</td><td>' + p[3] + '</td><td></td></tr>').join('');
  document.getElementById('out').innerHTML = rows
    ? '<table><tr><th>Report ID</th></tr>' + rows + '</table>'
    : '<p class="none">No records found</p>';
}, 300);
</script></body></html>"""


class FormSite:
    """The running server: its base URL, what each path was asked, the forms posted."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.hits: Counter[str] = Counter()
        self.arrivals: list[tuple[float, str]] = []
        """(``time.monotonic()``, path) of every request, in order of arrival."""
        self.posted: list[dict[str, str]] = []
        self.captcha = False
        self.landing = ""


def landing_page(recipe: dict[str, Any]) -> str:
    """The name form a broker file's steps fill: an input per ``fill`` selector (``#id``), the
    state as a drop-down of full names (valued by their two letters), the submit button."""
    steps = recipe["search"]["steps"]
    fields = []
    for step in steps:
        if step["action"] != "fill":
            continue
        ident = step["selector"].removeprefix("#")
        if step["value"] == "state":
            options = '<option value="">-</option><option value="TX">Texas</option>'
            fields.append(f'<select id="{ident}" name="{step["value"]}">{options}</select>')
        else:
            fields.append(f'<input id="{ident}" name="{step["value"]}">')
    return (
        '<html><body><div class="container"><div class="search-wrapper">'
        f'<form method="post" action="/search">{"".join(fields)}'
        '<button type="submit">Search</button></form></div></div></body></html>'
    )


def _page(body: str) -> bytes:
    return f'<html><body><div class="container">{body}</div></body></html>'.encode()


def _handler(site: list[FormSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            me = site[0]
            me.hits[parts.path] += 1
            me.arrivals.append((time.monotonic(), parts.path))
            if parts.path == "/landing":
                self._send(200, me.landing.encode())
            elif parts.path == "/removeMyData":
                first = parse_qs(parts.query).get("fname", [""])[0]
                people = [["R1", "Jane Doe", "41", "Austin, TX"]] if first == "Jane" else []
                self._send(200, TRACER.replace("NAMES", json.dumps(people)).encode())
            else:
                self._send(404, b"<html><body>not here</body></html>")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            me = site[0]
            path = urlsplit(self.path).path
            me.hits[path] += 1
            me.arrivals.append((time.monotonic(), path))
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if path == "/search":
                me.posted.append(form)
                first = html.escape(form.get("first", ""))
                question = (
                    f'<div data-key="{QUESTION_KEY}">Is the person older than 45?</div>'
                    '<form method="post" action="/answer">'
                    f'<input type="hidden" name="first" value="{first}">'
                    '<button name="a" value="yes" class="btn">Yes</button>'
                    '<button name="a" value="no" class="btn">No</button></form>'
                )
                self._send(200, _page(question))
            elif path == "/answer":
                me.posted.append(form)
                if me.captcha:
                    self._send(200, _page(CAPTCHA))
                else:
                    self._send(200, _page(PEOPLE if form.get("first") == "Jane" else NOBODY))
            else:
                self._send(404, b"<html><body>not here</body></html>")

    return Handler


@contextmanager
def serve() -> Iterator[FormSite]:
    holder: list[FormSite] = []
    with running(_handler(holder)) as server:
        host, port = server.server_address[:2]
        holder.append(FormSite(f"http://127.0.0.1:{port}"))
        yield holder[0]
