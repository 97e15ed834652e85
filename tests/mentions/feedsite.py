"""A local feed site on 127.0.0.1 for the mentions tests: an Atom feed (the person's alert), an
RSS feed (another feed, with a namesake and an article the Atom feed also carries), a malformed
feed, and a way to add an item between two scans."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from helpers.localserver import PageHandler, running

ARTICLE = "https://news.example/2026/12/austin-council"
NAMESAKE = "https://news.example/2026/11/portland-retires"
NEW = "https://news.example/2026/12/second"

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Google Alert - "Jane Doe"</title>
  <id>tag:google.com,2005:reader/user/0/state/com.google/alerts/1</id>
  <updated>2026-12-01T10:00:00Z</updated>
  <entry>
    <id>tag:google.com,2013:googlealerts/feed:1</id>
    <title type="html">&lt;b&gt;Jane Doe&lt;/b&gt; speaks at the Austin council meeting</title>
    <link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url={article}&amp;ct=ga"/>
    <published>2026-12-01T10:00:00Z</published>
    <updated>2026-12-01T10:00:00Z</updated>
    <content type="html">Residents of Austin, TX heard Jane Doe ...</content>
  </entry>
  {extra}
</feed>
"""
ATOM_ENTRY = """<entry>
    <id>tag:google.com,2013:googlealerts/feed:2</id>
    <title type="html">Jane Doe joins the Austin library board</title>
    <link href="{link}"/>
    <published>2026-12-05T10:00:00Z</published>
    <updated>2026-12-05T10:00:00Z</updated>
    <content type="html">Jane Doe of Austin was named ...</content>
  </entry>"""
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Local news</title><link>https://news.example/</link><description>d</description>
  <item>
    <title>Jane Doe, of Portland, OR, retires after 30 years</title>
    <link>{namesake}</link>
    <pubDate>Sat, 29 Nov 2026 09:00:00 GMT</pubDate>
    <description>The Portland teacher Jane Doe ...</description>
  </item>
  <item>
    <title>Jane Doe speaks at the Austin council meeting</title>
    <link>{article_tracked}</link>
    <pubDate>Mon, 01 Dec 2026 10:00:00 GMT</pubDate>
  </item>
  <item>
    <title>Weather for the weekend</title>
    <link>https://news.example/weather</link>
  </item>
</channel></rss>
"""
BROKEN = """<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>Jane Doe in Austin</title><link>https://news.example/broken</item></channel></rss>"""


@dataclass
class FeedSite:
    """The feeds served, and what a test changes between scans."""

    port: int = 0
    atom_extra: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def body(self, path: str) -> str | None:
        if path == "/alert.atom":
            extra = "\n".join(ATOM_ENTRY.format(link=link) for link in self.atom_extra)
            return ATOM.format(article=ARTICLE, extra=extra)
        if path == "/news.rss":
            tracked = ARTICLE.replace("https://", "http://www.") + "/?utm_source=rss"
            return RSS.format(namesake=NAMESAKE, article_tracked=tracked)
        if path == "/broken.rss":
            return BROKEN
        return None


@contextmanager
def feed_site() -> Iterator[FeedSite]:
    """Serve the feeds on a free loopback port."""
    site = FeedSite()

    class Handler(PageHandler):
        def do_GET(self) -> None:
            body = site.body(self.path)
            if body is None:
                self._send(404, b"no such feed")
                return
            payload = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    with running(Handler) as server:
        site.port = server.server_address[1]
        yield site
