"""One table of look-alike domains for every rule that says "this host is the broker's".

The link rule, the confirmation-mail sender rule (both ``optout_steps.links.on_domains``), the
registry's domain match and the browser fence all answer that question; a missing dot in any of
them (``host.endswith(d)`` for ``host.endswith("." + d)``) lets ``notspokeo.com`` speak for
``spokeo.com``. Each test that guards one of those rules walks this table, so a new look-alike
added here is tried against all of them.

The broker owns ``DOMAINS``. ``LOOKALIKE_HOSTS`` must be refused and ``REAL_HOSTS`` accepted by a
host rule; ``LOOKALIKE_LINKS`` must be refused and ``REAL_LINKS`` accepted by a link rule (the
forms only a URL can carry: userinfo, backslashes, entities, schemes). The registry reply
sender rule (``domains.on_domains``) walks the host rows too (``tests/test_domains.py``).

The network fence asks where a host is, not whose: ``PUBLIC_LOOKALIKES`` are names dressed as
this machine or a private address, ``THIS_MACHINE`` and ``PRIVATE_SPELLINGS`` the real ones in
case, trailing-dot, bracket, zone and old-address spellings
(``tests/fetch/test_fence_lookalikes.py``).
"""

from __future__ import annotations

DOMAINS = ("spokeo.com", "optout.example")
"""The broker's own domains in every test that uses this table."""

CYRILLIC_O = "\u043e"
"""Looks like a Latin ``o``; IDNA encodes a host holding it as ``xn--…``."""

LOOKALIKE_HOSTS: tuple[tuple[str, str], ...] = (
    ("notspokeo.com", "prefix look-alike"),
    ("evil-optout.example", "prefix look-alike"),
    ("myspokeo.com", "prefix look-alike"),
    ("spokeo.com.evil.example", "suffix look-alike"),
    ("optout.example.evil.test", "suffix look-alike"),
    ("spokeo.com-evil.example", "suffix look-alike"),
    ("spokeo.co", "shorter"),
    ("poke.com", "inner part"),
    ("spokeo.com.evil.example.", "suffix look-alike, trailing dot"),
    ("notspokeo.com.", "prefix look-alike, trailing dot"),
    ("NotSpokeo.COM", "prefix look-alike, mixed case"),
    ("SPOKEO.COM.EVIL.EXAMPLE", "suffix look-alike, mixed case"),
    (f"spoke{CYRILLIC_O}.com", "IDN look-alike (Cyrillic o)"),
    ("xn--spoke-nye.com", "punycode of the IDN look-alike"),
    ("www.xn--spoke-nye.com", "subdomain of the punycode look-alike"),
    (f"opt{CYRILLIC_O}ut.example", "IDN look-alike (Cyrillic o)"),
    ("xn--optut-lye.example", "punycode of the IDN look-alike"),
    ("", "no host"),
)
"""Hosts that are not the broker's, with why each is tempting."""

REAL_HOSTS: tuple[str, ...] = (
    "spokeo.com",
    "www.spokeo.com",
    "mail.spokeo.com",
    "optout.example",
    "mail.optout.example",
    "WWW.Spokeo.COM",
    "spokeo.com.",
    "www.spokeo.com.",
    "Mail.OptOut.Example.",
)
"""The broker's own hosts, in every spelling a browser or a mail header may use."""

LOOKALIKE_LINKS: tuple[tuple[str, str], ...] = (
    *((f"https://{host}/confirm?t=1", why) for host, why in LOOKALIKE_HOSTS if host),
    ("https://evil.example\\.spokeo.com/confirm", "backslash: the browser reads it as /"),
    ("https://evil.example&#92;.spokeo.com/confirm", "backslash as an HTML entity"),
    ("https://10.0.0.1\\@spokeo.com/confirm", "backslash before userinfo"),
    ("https://169.254.169.254\\@www.spokeo.com/latest", "backslash before userinfo"),
    ("https://spokeo.com\\@evil.example/confirm", "backslash then another host"),
    ("https://spokeo.com@evil.example/confirm", "userinfo: the host is evil.example"),
    ("https://www.spokeo.com:x@evil.example/confirm", "userinfo with a password"),
    ("https://user:pass@spokeo.com/confirm", "credentials, even to the right host"),
    ("https://evil.example%5C.spokeo.com/confirm", "percent-encoded backslash in the host"),
    ("https://spokeo.com\t.evil.example/confirm", "tab: the browser drops it"),
    ("https://spokeo.com\n.evil.example/confirm", "newline: the browser drops it"),
    ("https://spokeo.com\x00.evil.example/confirm", "NUL"),
    ("https://spokeo.com\u3002evil.example/confirm", "ideographic full stop: a dot to IDNA"),
    ("https://evil.example\uff0f.spokeo.com/confirm", "fullwidth solidus"),
    ("javascript:location='https://spokeo.com/'", "javascript: URL"),
    ("JavaScript://spokeo.com/%0aalert(1)", "javascript: URL, mixed case"),
    ("data:text/html,<a href=https://spokeo.com>x</a>", "data: URL"),
    ("http://spokeo.com/confirm", "plain http to the internet"),
)
"""Links that must not be opened for the broker, with why each is tempting."""

REAL_LINKS: tuple[str, ...] = (
    "https://spokeo.com/confirm?t=1",
    "https://www.spokeo.com/optout/confirm?token=abc&x=1",
    "HTTPS://WWW.SPOKEO.COM/confirm",
    "https://www.spokeo.com./confirm",
    "https://mail.optout.example/c#done",
    "https://spokeo.com:443/confirm",
)
"""The broker's own confirmation links, which must still open."""

PUBLIC_LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("evil.notlocalhost", "ends in localhost, without the dot"),
    ("localhost.evil.test", "starts with localhost"),
    ("localhost-evil.test", "starts with localhost"),
    ("127.0.0.1.evil.test", "an address as the first labels of a name"),
    ("10.0.0.1.evil.test", "an address as the first labels of a name"),
    ("169.254.169.254.evil.test", "an address as the first labels of a name"),
    ("Evil.NotLocalHost.", "ends in localhost without the dot, mixed case, trailing dot"),
)
"""For the fence: public names that look like this machine or a private address. Each is
public by its spelling (what it resolves to is checked on connecting), never loopback, so the
loopback opt-in does not open it."""

THIS_MACHINE: tuple[str, ...] = (
    "LOCALHOST.",
    "Api.LocalHost.",
    "[::1]",
    "127.0.0.1.",
    "127.1",
    "0x7f.1",
    "[::FFFF:127.0.0.1]",
)
"""For the fence: this machine in case, trailing-dot, bracket and old-address spellings."""

PRIVATE_SPELLINGS: tuple[str, ...] = (
    "10.0.0.1.",
    "[FD00::1]",
    "[fe80::1%25eth0]",
    "169.254.169.254.",
    "0xA9FEA9FE",
    "[::ffff:a9fe:a9fe]",
    "ROUTER.",
)
"""For the fence: private and link-local hosts (the cloud metadata service among them) in case,
trailing-dot, bracket, zone and old-address spellings."""
