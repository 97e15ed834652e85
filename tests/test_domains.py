"""Issue 29's look-alike table against ``domains.on_domains`` and ``email_domain``: the rule that
decides whether a registry reply comes from the broker (a forged "answer" would hide an overdue
deletion request), and the domain read out of a ``From`` header."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from helpers.lookalikes import DOMAINS, LOOKALIKE_HOSTS, REAL_HOSTS
from lowprofile.domains import email_domain, normal, on_domains
from lowprofile.registry.ledger import SENT, RequestRow
from lowprofile.registry.replies import from_the_broker


def _row(domains: tuple[str, ...] = DOMAINS) -> RequestRow:
    day = date(2026, 1, 1)
    return RequestRow(1, "R-1", "p@spokeo.com", ("broker",), ("Jane Doe",), "plain", SENT, day,
                      day, day, "<m@lowprofile>", "", domains)  # fmt: skip


def _from(sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    return message


@pytest.mark.parametrize(("host", "why"), LOOKALIKE_HOSTS)
def test_a_lookalike_host_is_not_on_the_domains(host: str, why: str) -> None:
    assert not on_domains(host, DOMAINS), why


@pytest.mark.parametrize(("host", "why"), [(h, w) for h, w in LOOKALIKE_HOSTS if h])
def test_a_reply_from_a_lookalike_domain_is_not_the_brokers(host: str, why: str) -> None:
    assert not from_the_broker(_from(f"Privacy <privacy@{host}>"), _row()), why


@pytest.mark.parametrize("host", REAL_HOSTS)
def test_each_real_host_is_on_the_domains(host: str) -> None:
    assert on_domains(host, DOMAINS)


@pytest.mark.parametrize("host", [h for h in REAL_HOSTS if not h.endswith(".")])
def test_a_reply_from_each_real_host_is_the_brokers(host: str) -> None:
    """(An address's domain cannot end in a dot, RFC 5322: the header parser drops such an
    address, so that reply reads as unverified, the safe side.)"""
    assert from_the_broker(_from(f"Privacy <privacy@{host}>"), _row())


def test_domains_written_loosely_in_the_registry_still_match() -> None:
    """A registry CSV cell may carry spaces, capitals and a trailing dot; DNS ignores them."""
    loose = (" Spokeo.COM. ", "\tOptOut.Example\n")
    assert from_the_broker(_from("privacy@mail.spokeo.com"), _row(loose))
    assert from_the_broker(_from("privacy@optout.example"), _row(loose))
    assert not from_the_broker(_from("privacy@notspokeo.com"), _row(loose))


def test_a_host_with_spaces_around_it_is_judged_by_its_name() -> None:
    assert on_domains(" www.spokeo.com ", DOMAINS)
    assert not on_domains(" notspokeo.com ", DOMAINS)


def test_an_empty_domain_in_the_list_admits_nothing() -> None:
    assert not on_domains("evil.example", ("", " ", "."))


@pytest.mark.parametrize(
    ("header", "domain"),
    [
        ("Privacy <privacy@Mail.Spokeo.COM.>", "mail.spokeo.com"),
        ("privacy@spokeo.com", "spokeo.com"),
        # A quoted local part may hold an @: the domain is what follows the last one.
        ('Privacy <"x@evil.example"@spokeo.com>', "spokeo.com"),
        ('"privacy@spokeo.com" <x@evil.example>', "evil.example"),  # the display name is not it
        ("spokeo.com", ""),  # no @: no address, no domain
        ("<@spokeo.com>", ""),
        ("@spokeo.com", ""),  # an @ with nobody before it is no address
        ("", ""),
    ],
)
def test_email_domain_reads_the_address_not_the_display_name(header: str, domain: str) -> None:
    assert email_domain(header) == domain


def test_normal_is_how_dns_compares_names() -> None:
    assert normal("  WWW.Spokeo.COM.\n") == "www.spokeo.com"
