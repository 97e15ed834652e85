"""A recipe page on 127.0.0.1 that tries every way a page has to reach another local port.

``/pull?other=PORT`` loads ``PORT`` through an image, ``fetch()``, a redirected image, an
iframe (reloaded three times: route() let bare connections through on a reload), an iframe
whose meta refresh goes there, a WebSocket, a preconnect and a prefetch. Each has a twin aimed
at the page's own origin (``/own/...``), so a test can tell "refused" from "never tried": the
twins must arrive. The cards appear after 2 s, once every attempt has been made.
``/go?to=URL`` redirects, ``/meta?to=URL`` is a meta refresh, ``/card`` is a plain result page.
``/stuck``: a result card, then a script that never yields (issue 23, defect 3); ``/stuck-late``:
the script adds the card in the same task just before it loops, so no reading can win a race.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from helpers.localserver import PageHandler, running

CARD = '<div class="card"><h2 class="name">Jane Doe</h2><span class="place">Austin, TX</span></div>'
TWINS = ("/own/img", "/own/fetch", "/own/redirect", "/own/frame", "/own/meta", "/own/ws")
"""The page's own-origin twin of each route: each must be requested, or the route never ran."""


def pull_page(other: str) -> str:
    """The page for ``other`` (``http://127.0.0.1:PORT``), every route with its own twin."""
    ws = other.replace("http://", "ws://")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="preconnect" href="{other}"><link rel="prefetch" href="{other}/prefetch">
</head><body><div id="results"></div>
<img src="{other}/img"><img src="/own/img">
<img src="/go?to={quote(other + "/redirect")}"><img src="/go?to=/own/redirect">
<iframe id="f" src="{other}/frame"></iframe><iframe src="/own/frame"></iframe>
<iframe src="/meta?to={quote(other + "/meta")}"></iframe><iframe src="/meta?to=/own/meta"></iframe>
<script>
  fetch("{other}/fetch", {{mode: "no-cors"}}).catch(() => 0);
  fetch("/own/fetch").catch(() => 0);
  for (const url of ["{ws}/ws", "ws://" + location.host + "/own/ws"]) {{
    try {{ new WebSocket(url); }} catch (e) {{}}
  }}
  let reloads = 0;
  const again = setInterval(() => {{
    document.getElementById("f").src = "{other}/frame?reload=" + (++reloads);
    if (reloads === 3) clearInterval(again);
  }}, 300);
  setTimeout(() => {{ document.getElementById("results").innerHTML = '{CARD}'; }}, 2000);
</script></body></html>"""


STUCK = {
    "/stuck": f"<html><body>{CARD}<script>setTimeout(()=>{{while(true){{}}}},500)</script>",
    "/stuck-late": (
        "<html><body><div id=results></div><script>setTimeout(()=>{"
        f"document.getElementById('results').innerHTML='{CARD}';while(true){{}}}},500)</script>"
    ),
}


class FenceSite:
    """The running site: its base URL and how many requests each path got."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self.hits: Counter[str] = Counter()


def _handler(holder: list[FenceSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            holder[0].hits[parts.path] += 1
            if parts.path == "/pull":
                self._send(200, pull_page(query["other"]).encode())
            elif parts.path == "/go":
                self.send_response(302)
                self.send_header("Location", query["to"])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path in STUCK:
                self._send(200, STUCK[parts.path].encode())
            elif parts.path == "/meta":
                to = query["to"]
                self._send(200, f'<meta http-equiv="refresh" content="0;url={to}">'.encode())
            else:
                self._send(200, f"<html><body>{CARD}</body></html>".encode())

    return Handler


@contextmanager
def serve() -> Iterator[FenceSite]:
    holder: list[FenceSite] = []
    with running(_handler(holder)) as server:
        holder.append(FenceSite(server))
        yield holder[0]
