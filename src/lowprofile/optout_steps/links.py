"""Which domains speak for a broker in a confirmation email, and which links may be opened.

One set of domains serves both questions: a message is the broker's confirmation when its sender
is on them, and a link in it may be opened when it points to them. A confirmation mail that
sends the person elsewhere is not the broker's, and opening its link could be a phishing lure.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.fetch.fence import check_public_target


def broker_domains(broker: Broker, step: OptOutStep) -> frozenset[str]:
    """The broker's domain, the host of its opt-out page, its mirrors, and the domains the
    ``email_confirmation`` step lists (a mail service the broker sends through), lower case."""
    own = urlsplit(broker.optout.url).hostname or broker.domain  # the file's own opt-out host
    listed = (broker.domain, own, *broker.mirrors, *step.domains)
    return frozenset(d.lower().rstrip(".") for d in listed if d)


def on_domains(host: str, domains: frozenset[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one (``mail.b.example`` for
    ``b.example``; never ``b.example.evil.test``)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def allowed_link(
    link: str, broker: Broker, step: OptOutStep, *, allow_loopback: bool = False
) -> str | None:
    """Why a confirmation link may not be opened (None: it may): it must be https (plain http
    only to this machine, with loopback allowed) and go to ``broker_domains``."""
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
        own = _local_sites(broker)
        if site not in own:
            return f"the link goes to {site}, not to the broker's own server ({', '.join(own)})"
    return None


DEFAULT_PORTS = {"http": 80, "https": 443}


def _local_sites(broker: Broker) -> list[str]:
    """``host:port`` of the broker's opt-out page and of the pages its steps open, for a broker
    served on this machine (recipe development, tests): another port there is another site."""
    urls = [broker.optout.url, *(s.url for s in broker.optout.steps if s.action == "navigate")]
    sites = []
    for url in urls:
        parts = urlsplit(url)
        if parts.hostname:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
            sites.append(f"{parts.hostname.lower()}:{port}")
    return list(dict.fromkeys(sites))
