"""When two links are one page: the key that deduplicates mentions across feeds and scans.

The same article reaches a person through several feeds with different wrappers: Google Alerts
wraps every link in ``google.com/url?url=...``, news sites add ``utm_`` tracking, one feed says
``http://`` and another ``https://www.``. A mention is deduplicated by its normalised link, so
the article is one finding and the next scan's diff does not call it new.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_WRAPPERS = {"google.com": ("/url",), "bing.com": ("/news/apiclick.aspx",)}
"""Redirect wrappers whose ``url`` parameter is the real link."""
_TRACKING = ("utm_", "fbclid", "gclid", "ocid", "cmpid", "ref", "rss")
"""Query parameters that say how a reader arrived, never which page it is."""


def _bare_host(host: str) -> str:
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def unwrap(link: str) -> str:
    """The real link inside a Google Alerts or Bing redirect (else the link as it is)."""
    parts = urlsplit(link.strip())
    paths = _WRAPPERS.get(_bare_host(parts.hostname or ""), ())
    if parts.path in paths:
        inner = dict(parse_qsl(parts.query)).get("url")
        if inner and inner.startswith(("http://", "https://")):
            return inner
    return link.strip()


def normalise(link: str) -> str:
    """One spelling per page: unwrapped, https, no ``www.``, no default port, no fragment, no
    tracking parameters, the rest of the query sorted, no trailing slash."""
    parts = urlsplit(unwrap(link))
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    host = _bare_host(parts.hostname or "")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, host, path, urlencode(query), ""))
