"""A broker on 127.0.0.1: a people search whose listings can be dropped and put back, and its
opt-out (a search box, a listing to choose, a form with a checkbox "captcha", a page saying the
request was received, a confirmation link sent by mail, and a page saying the listing is removed,
which it then is).
It records every page asked for and every POST, so a test sees exactly what was sent.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from helpers.localserver import PageHandler, running

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "optout"
RECORDS = {"jane-doe-austin": "Austin, TX"}
"""What the people search lists for Jane Doe (the opt-out search offers a Dallas one too)."""
CAPTCHA = """[[optout.steps]]
action = "captcha"
selector = "//input[@name='token' and @value='ok']"
"""
EMAIL = """[[optout.steps]]
action = "email_confirmation"
timeout = {timeout}

[[optout.steps]]
action = "expect"
text = "Your information control request has been confirmed."
"""
Mailer = Callable[[EmailMessage], None]


class OptOutSite:
    """The running server: its base URL, what it lists, the pages asked for, the forms posted,
    and the confirmation links opened."""

    def __init__(self, server: ThreadingHTTPServer, domain: str, mailer: Mailer | None) -> None:
        port = server.server_address[1]
        self.server = server
        self.base = f"http://127.0.0.1:{port}"
        self.domain = domain
        self.mailer = mailer
        self.confirm_link = f"{self.base}/optout/confirm?t=abc"
        """The link its mail carries; a test may point it at another domain."""
        self.listed = dict(RECORDS)
        self.paths: list[str] = []
        self.posts: list[dict[str, list[str]]] = []
        self.confirmed = 0

    @property
    def listing(self) -> str:
        """The listing a scan finds (the Austin record; the opt-out also offers a Dallas one)."""
        return f"{self.base}/person/jane-doe-austin"

    def mail_confirmation(self, to: str) -> None:
        """The broker's mail after a request: from its own domain, with the link to confirm."""
        if self.mailer is None:
            return
        message = EmailMessage()
        message["From"] = f"Privacy team <privacy@{self.domain}>"
        message["To"] = to
        message["Subject"] = "Confirm your opt-out request"
        message.set_content(f"Confirm your request here:\n{self.confirm_link}\n")
        message.add_alternative(f'<p><a href="{html.escape(self.confirm_link)}">Confirm</a></p>')
        self.mailer(message)


def _page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _search_page(site: OptOutSite) -> bytes:
    if not site.listed:
        return _page("search-none.html")
    card = (FIXTURES / "search-card.html").read_text("utf-8")
    cards = "".join(card.format(record=r, place=p) for r, p in site.listed.items())
    return _page("search-results.html").replace(b"{cards}", cards.encode())


def _handler(holder: list[OptOutSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            site = holder[0]
            url = urlsplit(self.path)
            site.paths.append(url.path)
            if url.path == "/search":
                self._send(200, _search_page(site))
            elif url.path == "/optout":
                self._send(200, _page("search.html"))
            elif url.path == "/optout/search" and parse_qs(url.query).get("q"):
                self._send(200, _page("results.html"))
            elif url.path == "/optout/confirm" and parse_qs(url.query).get("t") == ["abc"]:
                site.confirmed += 1
                site.listed.clear()  # this broker removes the listing once the mail is confirmed
                self._send(200, _page("confirmed.html"))
            elif url.path == "/optout/go":  # a link on the broker's host that sends elsewhere
                self.send_response(302)
                self.send_header("Location", parse_qs(url.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url.path.startswith("/person/") and "optout=1" in url.query:
                record = html.escape(url.path.rsplit("/", 1)[-1]).encode()
                self._send(200, _page("form.html").replace(b"{record}", record))
            else:
                self._send(404, b"<html><body>not here</body></html>")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            site = holder[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            site.paths.append(urlsplit(self.path).path)
            posted = parse_qs(body, keep_blank_values=True)
            site.posts.append(posted)
            site.mail_confirmation((posted.get("email") or [""])[0])
            self._send(200, _page("received.html"))

    return Handler


@contextmanager
def serve(domain: str = "optout.example", mailer: Mailer | None = None) -> Iterator[OptOutSite]:
    holder: list[OptOutSite] = []
    with running(_handler(holder)) as server:
        holder.append(OptOutSite(server, domain, mailer))
        yield holder[0]


def write_broker(
    folder: Path,
    broker_id: str,
    base: str,
    form: str = "#control",
    *,
    domain: str = "optout.example",
    captcha: bool = True,
    email_timeout: int | None = None,
) -> Path:
    """A user broker file with the local site's search and opt-out steps (``form``: the
    selector the steps expect once the listing is chosen; another one plays a form that
    changed; ``email_timeout``: the steps end by waiting that long for the broker's mail)."""
    text = (FIXTURES / "broker.toml.in").read_text("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{broker_id}.toml"
    email = "" if email_timeout is None else "\n" + EMAIL.format(timeout=email_timeout)
    target.write_text(
        text.format(
            id=broker_id,
            base=base,
            domain=domain,
            form=form,
            captcha=CAPTCHA if captcha else "",
            email=email,
        ),
        "utf-8",
    )
    return target
