"""The fence's one rule, on the rule itself: no packet is sent to any address named here.

Each way of writing a host (case, trailing dot, brackets, zone, old IPv4 forms, IPv4 dressed as
IPv6) is read by ``place`` alone; the callers that used to decide for themselves (the mailbox
settings, the WhatsMyName list, the mail sender, the HTTP client's URL check) are asked the
same hosts here, so none of them can drift from it again.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest

from lowprofile.config import Settings
from lowprofile.errors import ConfigError
from lowprofile.fetch.fence import Reach, check_public_target, is_loopback, place
from lowprofile.mail.imap import check_login_route
from lowprofile.usernames import sites

SRC = Path(__file__).resolve().parents[2] / "src" / "lowprofile"

LOOPBACK = [
    "localhost",
    "LOCALHOST",
    "LOCALHOST.",
    "localhost.",
    "api.localhost",
    "127.0.0.1",
    "127.0.0.1.",
    "127.9.8.7",
    "127.1",
    "0x7f.1",
    "2130706433",
    "::1",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "::ffff:127.0.0.1",
    "[::ffff:7f00:1]",
]
PRIVATE = [
    "10.0.0.1",
    "10.0.0.1.",
    "192.168.1.10",
    "172.16.0.1",
    "169.254.169.254",
    "0.0.0.0",  # noqa: S104 - a host written in a test table, never bound
    "[::]",
    "fd00::1",
    "[FD00::1]",
    "fe80::1%eth0",
    "[fe80::1]",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:a00:1::",  # 6to4 for 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 for 10.0.0.1
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",
    "240.0.0.1",
    "router",
    "INTRANET.",
]
PUBLIC = [
    "example.com",
    "EXAMPLE.COM.",
    "spokeo.com",
    "93.184.216.34",
    "8.8.8.8",
    "[2606:4700:4700::1111]",
    "2606:4700:4700::1111",
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_in_every_spelling(host: str) -> None:
    assert place(host).reach is Reach.LOOPBACK
    assert is_loopback(host)
    assert place(f"http://{_bracketed(host)}:8080/x").reach is Reach.LOOPBACK


def test_an_octal_address_is_loopback_and_no_url_can_carry_it() -> None:
    assert place("0177.0.0.1").reach is Reach.LOOPBACK
    assert "not a valid URL" in (check_public_target("http://0177.0.0.1/") or "")
    assert place("http://0177.0.0.1/").reach is Reach.PRIVATE  # no host read: not public


def test_an_ascii_name_that_is_not_idna_is_no_valid_url_and_not_public() -> None:
    """httpx parses ``xn--ls8h.la`` (an emoji domain) and raises only when its host is read:
    the fence must answer (refuse), not raise out of whatever asked it, such as the
    browser's request filter or an opt-out mail's link check."""
    assert "not a valid URL" in (check_public_target("http://xn--ls8h.la/") or "")
    assert not place("http://xn--ls8h.la/").public


@pytest.mark.parametrize("host", PRIVATE)
def test_private_in_every_spelling(host: str) -> None:
    where = place(host)
    assert where.reach is Reach.PRIVATE, where
    assert not is_loopback(host)
    assert where.problem(allow_loopback=True), "the loopback opt-in opens loopback only"


@pytest.mark.parametrize("host", PUBLIC)
def test_public_names_and_addresses(host: str) -> None:
    assert place(host).reach is Reach.PUBLIC
    assert place(host).problem() is None


def test_the_reasons_name_the_kind_of_address() -> None:
    assert place("169.254.169.254").why == "a link-local address"
    assert place("10.0.0.1").why == "a private address"
    assert place("[::]").why == "an unspecified address"
    assert place("::ffff:169.254.169.254").why == "a link-local address"
    assert place(ipaddress.ip_address("127.0.0.1")).reach is Reach.LOOPBACK


@pytest.mark.parametrize("host", [h for h in LOOPBACK + PRIVATE if "%" not in h])
def test_the_http_url_check_refuses_what_the_rule_refuses(host: str) -> None:
    url = f"https://{_bracketed(host)}/search"
    assert check_public_target(url) is not None
    opened = check_public_target(url, allow_loopback=True)
    assert (opened is None) is (host in LOOPBACK)


@pytest.mark.parametrize("host", PUBLIC)
def test_the_http_url_check_passes_public_hosts(host: str) -> None:
    assert check_public_target(f"https://{_bracketed(host)}/") is None


@pytest.mark.parametrize("host", ["LOCALHOST.", "[::1]", "127.0.0.1.", "0x7f.1", "::ffff:7f00:1"])
def test_clear_text_mailbox_is_allowed_to_this_machine_in_any_spelling(host: str) -> None:
    check_login_route(Settings(imap_host=host, imap_user="jane", imap_security="none"))


@pytest.mark.parametrize("host", ["10.0.0.1", "fd00::1", "mail.example.com", "localhost.evil.test"])
def test_clear_text_mailbox_is_refused_elsewhere(host: str) -> None:
    with pytest.raises(ConfigError, match="not this machine"):
        check_login_route(Settings(imap_host=host, imap_user="jane", imap_security="none"))


@pytest.mark.parametrize("host", ["LOCALHOST.", "[::1]", "127.0.0.1.", "0x7f.1"])
def test_username_sites_on_loopback_need_the_opt_in(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://{host}:8080/u/{{account}}"
    assert "internal address" in (sites.url_problem(url, loopback=False) or "")
    assert sites.url_problem(url, loopback=True) is None


@pytest.mark.parametrize("host", ["169.254.169.254", "[fd00::1]", "10.0.0.1.", "router"])
def test_username_sites_on_private_hosts_are_refused_even_with_the_opt_in(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"https://{host}/u/{{account}}"
    assert "internal address" in (sites.url_problem(url, loopback=True) or "")


DECIDING = re.compile(
    r"\.is_(loopback|private|global|link_local|reserved|multicast|unspecified|site_local)\b"
    r"|==\s*[\"']localhost[\"']|ipaddress\.ip_(address|network)\([^)]*\)\.is_"
)


def test_one_module_decides_public_or_local() -> None:
    """The fence alone reads what an address is; every other module asks it."""
    deciders = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if DECIDING.search(path.read_text(encoding="utf-8"))
    )
    assert deciders == ["fetch/fence.py"]


def _bracketed(host: str) -> str:
    """A host as it goes in a URL: an IPv6 address in brackets."""
    if ":" in host and not host.startswith("["):
        return f"[{host.replace('%', '%25')}]"
    return host
