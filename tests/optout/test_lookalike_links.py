"""Issue 29's look-alike table against the link and sender rule (``links.on_domains`` judges
both a confirmation link's host and a confirmation mail's sender), and issue 23's links that a
browser reads differently from ``urlsplit``."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from optoutkit import SUBJECT, FakePerson, load_broker
from optoutsite import OptOutSite

from helpers.lookalikes import DOMAINS, LOOKALIKE_HOSTS, LOOKALIKE_LINKS, REAL_HOSTS, REAL_LINKS
from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.optout_steps.links import allowed_link, on_domains
from lowprofile.optout_steps.runner import StepFailed, StepRunner

OWN = frozenset(DOMAINS)
STEP = OptOutStep("email_confirmation", domains=DOMAINS)


@pytest.fixture
def broker(optout_site: OptOutSite, tmp_path: Path) -> Broker:
    return load_broker(tmp_path, optout_site)


@pytest.mark.parametrize(("host", "why"), LOOKALIKE_HOSTS)
def test_a_lookalike_host_or_sender_is_not_the_brokers(host: str, why: str) -> None:
    assert not on_domains(host, OWN), why
    assert not on_domains(f"mail.{host}", OWN) or host.endswith("."), why


@pytest.mark.parametrize("host", REAL_HOSTS)
def test_each_real_host_or_sender_is_the_brokers(host: str) -> None:
    assert on_domains(host, OWN)


@pytest.mark.parametrize(("link", "why"), LOOKALIKE_LINKS)
def test_a_lookalike_link_is_refused(link: str, why: str, broker: Broker) -> None:
    assert allowed_link(link, broker, STEP) is not None, why
    assert allowed_link(link, broker, STEP, allow_loopback=True) is not None, why


@pytest.mark.parametrize("link", REAL_LINKS)
def test_each_real_link_is_opened(link: str, broker: Broker) -> None:
    assert allowed_link(link, broker, STEP) is None


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{other}\\@127.0.0.1:{site}/optout/confirm",
        "http://127.0.0.1:{other}&#92;@127.0.0.1:{site}/optout/confirm",
        "http://127.0.0.1:{other}@127.0.0.1:{site}/optout/confirm",
        "http://127.0.0.1:{site}\\@127.0.0.1:{other}/optout/confirm",
        "http://127.0.0.1:{other}\\.127.0.0.1:{site}/optout/confirm",
    ],
)
def test_a_link_to_another_local_port_in_disguise_is_refused(
    template: str, broker: Broker, optout_site: OptOutSite
) -> None:
    """Issue 23's end-to-end link: ``urlsplit`` saw the broker's port, Chromium the other."""
    site = int(optout_site.base.rsplit(":", 1)[1])
    link = template.format(site=site, other=site + 1)
    assert allowed_link(link, broker, STEP, allow_loopback=True) is not None


def _runner(broker: Broker) -> StepRunner:
    return StepRunner(
        broker, SUBJECT, "https://spokeo.com/p/1", {}, FakePerson(), EvidenceKeeper(Path()),
        dry_run=True,
    )  # fmt: skip


@pytest.mark.parametrize(("link", "why"), LOOKALIKE_LINKS)
def test_a_page_that_landed_on_a_lookalike_is_refused(link: str, why: str, broker: Broker) -> None:
    """After a navigation, where the page is (``page.url``) is judged like a link."""
    with pytest.raises(StepFailed, match="off the broker's site"):
        _runner(broker)._check_landing(SimpleNamespace(url=link), STEP)


@pytest.mark.parametrize("link", REAL_LINKS)
def test_a_page_on_the_brokers_own_host_is_where_it_should_be(link: str, broker: Broker) -> None:
    _runner(broker)._check_landing(SimpleNamespace(url=link), STEP)


def test_a_redirect_hop_off_the_brokers_site_is_refused_even_if_it_came_back(
    broker: Broker,
) -> None:
    runner = _runner(broker)
    runner.hops = ["https://spokeo.com/c", "https://evil.example/track", "https://spokeo.com/ok"]
    with pytest.raises(StepFailed, match="evil.example"):
        runner._check_landing(SimpleNamespace(url="https://spokeo.com/ok"), STEP)
    assert runner.hops == []
