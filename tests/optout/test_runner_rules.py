"""The runner's two small judgements: which link is the listing, which confirmation link may
be opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from optoutkit import load_broker
from optoutsite import OptOutSite

from lowprofile.brokers.schema import OptOutStep
from lowprofile.optout_steps.runner import allowed_link, same_listing


@pytest.mark.parametrize(
    ("href", "same"),
    [
        ("https://b.example/person/jane-doe-austin?optout=1", True),
        ("https://b.example/person/jane-doe-austin/", True),
        ("https://b.example/person/jane-doe-dallas", False),
        ("https://other.example/person/jane-doe-austin", False),
    ],
)
def test_the_listing_is_its_host_and_path(href: str, same: bool) -> None:
    assert same_listing(href, "https://b.example/person/jane-doe-austin") is same


def test_only_the_brokers_own_links_are_opened(optout_site: OptOutSite, tmp_path: Path) -> None:
    broker = load_broker(tmp_path, optout_site)  # domain optout.example
    plain = OptOutStep("email_confirmation")
    assert allowed_link("https://optout.example/confirm?t=1", broker, plain) is None
    assert allowed_link("https://mail.optout.example/c", broker, plain) is None
    refused = allowed_link("https://optout.example.evil.test/c", broker, plain)
    assert refused == "the link goes to optout.example.evil.test, not to optout.example"
    assert allowed_link("http://optout.example/confirm", broker, plain) is not None
    listed = OptOutStep("email_confirmation", domains=("mailer.example",))
    assert allowed_link("https://mailer.example/c", broker, listed) is None
