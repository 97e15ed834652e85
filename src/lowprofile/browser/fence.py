"""The network fence, as the browser needs it: which host and port a page may make Chromium open.

It is plain HTTP's fence (``fetch.fence.check_public_target`` on the name, ``place`` on
every address it resolves to), with one more rule the browser needs: under ``allow_loopback``
(recipe development, tests) only the loopback origins the engine opened itself, host AND port,
are reachable. Another port on this machine is another site, as it is for links: a broker's page
that could reach it could read the person's local services (a database, a router's admin page).

``filtering_proxy`` applies it to every connection Chromium opens; this module only judges.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lowprofile.fetch.fence import check_public_target, place

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
MAX_KEPT = 50
"""Refused targets named in the evidence; beyond that only the count grows."""


def origin_of(url: str) -> tuple[str, int] | None:
    """``(host, port)`` of an http(s) URL, host lower case without a trailing dot; None if
    it has no host."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removesuffix(".")
    return (host, port) if host else None


@dataclass
class BrowserFence:
    """What one browser context may connect to, and what it was refused."""

    allow_loopback: bool = False
    origins: set[tuple[str, int]] = field(default_factory=set)
    """Loopback ``(host, port)`` pairs the engine opened pages on: the only local ones allowed."""
    closed: bool = False
    """Refuse everything: the fence of the browser itself, outside any page (Chromium's own
    calls home, updates and account checks, which no page asked for)."""
    blocked: int = 0
    refused: list[str] = field(default_factory=list)

    def admit(self, url: str) -> None:
        """Let pages of this context reach ``url``'s own origin (it matters only on loopback:
        the public internet is open to every page, this machine only to the page's own site)."""
        origin = origin_of(url)
        if origin is not None:
            self.origins.add(origin)

    def target_problem(self, host: str, port: int, *, tls: bool) -> str | None:
        """Why a connection to ``host:port`` is refused before any name is resolved, or None.
        ``tls``: the browser asked for a tunnel (https, wss), else a plain http request."""
        if self.closed:
            return "a call of the browser's own, which no page asked for"
        shown = f"[{host}]" if ":" in host else host
        url = f"{'https' if tls else 'http'}://{shown}:{port}/"
        problem = check_public_target(url, allow_loopback=self.allow_loopback)
        if problem:
            return problem
        if check_public_target(url) is not None:  # loopback, opened by allow_loopback
            return self._local_problem(host, port)
        return None

    def address_problem(self, host: str, port: int, address: str) -> str | None:
        """Why ``host`` may not be reached at ``address``, one of the addresses it resolved to
        (a public name that resolves to a private or loopback address is refused too)."""
        try:
            parsed = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return f"{host} resolves to {address}, which is not an IP address"
        problem = place(parsed).problem(allow_loopback=self.allow_loopback)
        if problem:
            return f"{host} resolves to {address}, which is {problem}"
        if place(parsed).problem() is not None:  # loopback, opened by allow_loopback
            return self._local_problem(host, port)
        return None

    def _local_problem(self, host: str, port: int) -> str | None:
        if (host.lower().removesuffix("."), port) in self.origins:
            return None
        own = ", ".join(f"{h}:{p}" for h, p in sorted(self.origins)) or "none"
        return f"{host}:{port} is another site on this machine than the page's own ({own})"

    def refuse(self, target: str, why: str) -> None:
        """Count one refused connection (the evidence manifest reports it)."""
        self.blocked += 1
        if len(self.refused) < MAX_KEPT:
            self.refused.append(f"{target}: {why}")
