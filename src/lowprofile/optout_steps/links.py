"""Which domains speak for a broker in a confirmation email, and which links may be opened.

One set of domains serves both questions: a message is the broker's confirmation when its sender
is on them, and a link in it may be opened when it points to them. A confirmation mail that
sends the person elsewhere is not the broker's, and opening its link could be a phishing lure.
"""

from __future__ import annotations

import html
import unicodedata
from urllib.parse import urlsplit

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.fetch.fence import check_public_target


def broker_domains(broker: Broker, step: OptOutStep) -> frozenset[str]:
    """The broker's domain, the hosts of its opt-out page and of the pages its steps open, its
    mirrors, and the domains the ``email_confirmation`` step lists (a mail service the broker
    sends through), lower case."""
    pages = [urlsplit(url).hostname for url in broker_pages(broker)]
    listed = (broker.domain, *pages, *broker.mirrors, *step.domains)
    return frozenset(d.lower().rstrip(".") for d in listed if d)


def broker_pages(broker: Broker) -> list[str]:
    """The broker's opt-out page and the pages its steps open, as its file names them."""
    return [broker.optout.url, *(s.url for s in broker.optout.steps if s.action == "navigate")]


def on_domains(host: str, domains: frozenset[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one (``mail.b.example`` for
    ``b.example``; never ``b.example.evil.test`` nor ``notb.example``). Case and one trailing
    dot do not matter (a browser and a mail header may write either); a host that is not plain
    ASCII is never the broker's, since a Unicode look-alike (a Cyrillic ``o``) is another name."""
    bare = _bare_host(host)
    return bare is not None and any(bare == d or bare.endswith("." + d) for d in domains)


def _bare_host(host: str) -> str | None:
    """``host`` lower case without its one trailing dot, or None when it cannot be a broker's
    name: empty, not ASCII, or with an empty label (``a..b``)."""
    bare = host.lower().removesuffix(".")
    if not bare or not bare.isascii() or "" in bare.split("."):
        return None
    return bare


def browser_reading_problem(link: str) -> str | None:
    """Why ``link`` may be read differently by a browser than by ``urlsplit`` (None: both read
    the same host). Chromium reads ``\\`` as ``/``, drops tabs and newlines, decodes ``&#92;``
    in an ``href``, maps Unicode dots and slashes, and takes what precedes ``@`` as credentials:
    each can move the host past a check made on another reading, so such a link is refused."""
    decoded = html.unescape(link)
    if "\\" in decoded:
        return f"{link!r} holds a backslash, which a browser reads as '/'"
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in decoded):
        return f"{link!r} holds a control character or a space"
    try:
        parts, seen = urlsplit(link), urlsplit(decoded)
    except ValueError as exc:  # e.g. a fullwidth solidus, which NFKC turns into a '/'
        return f"{link!r} is not a valid link ({exc})"
    if seen.netloc != parts.netloc:
        return f"{link!r} names its host with HTML entities"
    if parts.scheme not in ("http", "https"):
        return f"{link!r}: only http:// and https:// links are opened"
    if "@" in parts.netloc:
        return f"{link!r} carries credentials (user@host), which hide the real host"
    if not parts.netloc.isascii() or "%" in parts.netloc:
        return f"{link!r}: its host is not plain ASCII (a look-alike?)"
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        return f"{link!r} has an invalid port"
    return None


def allowed_link(
    link: str, broker: Broker, step: OptOutStep, *, allow_loopback: bool = False
) -> str | None:
    """Why a confirmation link may not be opened (None: it may): it must be https (plain http
    only to this machine, with loopback allowed), be read alike by the browser and by us
    (``browser_reading_problem``) and go to ``broker_domains``; on this machine, to the
    broker's own ``host:port``. It also judges where a page landed, and each redirect hop."""
    odd = browser_reading_problem(link)
    if odd:
        return odd
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    problem = check_public_target(link, allow_loopback=allow_loopback)
    if problem:
        return problem
    if parts.scheme != "https" and check_public_target(link) is None:  # http to the internet
        return f"{link!r} is not https"
    if not on_domains(host, broker_domains(broker, step)):
        return f"the link goes to {host or 'nowhere'}, not to {broker.domain}"
    if check_public_target(link) is not None:  # this machine: a site is its host and its port
        site = f"{host}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"
        own = broker_sites(broker)
        if site not in own:
            return f"the link goes to {site}, not to the broker's own server ({', '.join(own)})"
    return None


DEFAULT_PORTS = {"http": 80, "https": 443}


def broker_sites(broker: Broker) -> list[str]:
    """``host:port`` of the broker's opt-out page and of the pages its steps open, for a broker
    served on this machine (recipe development, tests): another port there is another site."""
    sites = []
    for url in broker_pages(broker):
        parts = urlsplit(url)
        if parts.hostname:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
            sites.append(f"{parts.hostname.lower()}:{port}")
    return list(dict.fromkeys(sites))
