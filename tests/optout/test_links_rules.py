"""The link rule's edges (issue 29's mutation run: each test here was written for a change to
``optout_steps/links.py`` that the look-alike table let through, because a later check refused
the same link for another reason, or because no broker page lacked a port)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from optoutkit import load_broker
from optoutsite import OptOutSite

from helpers.lookalikes import DOMAINS
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.optout_steps.links import allowed_link, broker_sites, browser_reading_problem

STEP = OptOutStep("email_confirmation", domains=DOMAINS)


@pytest.fixture
def broker(optout_site: OptOutSite, tmp_path: Path) -> Broker:
    return load_broker(tmp_path, optout_site)


def _served_at(broker: Broker, url: str) -> Broker:
    """The broker with its opt-out page at ``url`` and no steps of its own."""
    return replace(broker, optout=replace(broker.optout, url=url, steps=()))


@pytest.mark.parametrize(
    "odd",
    [
        "\x1b[2J",  # an escape sequence: a control character, not a space
        "\x7f",
        "\u200b",  # a zero-width space is a format character (Cf), not whitespace to Python
        "\u202e",  # right-to-left override, which turns what a person reads around
    ],
)
def test_a_control_or_format_character_anywhere_is_refused(odd: str, broker: Broker) -> None:
    link = f"https://www.spokeo.com/confirm{odd}?t=1"
    assert browser_reading_problem(link) == f"{link!r} holds a control character or a space"
    assert allowed_link(link, broker, STEP) is not None


def test_a_page_on_this_machine_without_a_port_is_on_its_schemes_port(broker: Broker) -> None:
    local = _served_at(broker, "http://localhost/optout")
    assert broker_sites(local) == ["localhost:80"]
    assert allowed_link("http://localhost/confirm", local, STEP, allow_loopback=True) is None
    assert allowed_link("http://localhost:80/confirm", local, STEP, allow_loopback=True) is None
    assert allowed_link("http://localhost:8080/confirm", local, STEP, allow_loopback=True) == (
        "the link goes to localhost:8080, not to the broker's own server (localhost:80)"
    )
    secure = _served_at(broker, "https://localhost/optout")
    assert broker_sites(secure) == ["localhost:443"]


def test_this_machine_is_one_site_whatever_the_case_of_its_name(broker: Broker) -> None:
    local = _served_at(broker, "http://LocalHost:8080/optout")
    assert broker_sites(local) == ["localhost:8080"]
    assert allowed_link("http://localhost:8080/confirm", local, STEP, allow_loopback=True) is None
