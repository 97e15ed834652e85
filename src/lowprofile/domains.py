"""Whether a host belongs to a set of domains: the one rule for "is this the broker's own".

A confirmation mail's sender, a link in it, a registry reply's sender and a registry entry's
website are all judged by it. A host belongs to a domain when it is that domain or a subdomain
of it: ``mail.b.example`` for ``b.example``, never ``b.example.evil.test`` nor ``notb.example``.
Case and a trailing dot do not matter, as they do not to DNS.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr


def normal(host: str) -> str:
    """A host name as DNS compares it: lower case, without the root's trailing dot."""
    return host.strip().lower().rstrip(".")


def on_domains(host: str, domains: Iterable[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one."""
    host = normal(host)
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in map(normal, domains) if d)


def email_domain(address: str) -> str:
    """The domain of an email address or a ``From:`` header ('' when there is none)."""
    _, email = parseaddr(address)
    local, at, domain = email.rpartition("@")
    return normal(domain) if at and local else ""
