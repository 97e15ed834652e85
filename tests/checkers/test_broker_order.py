"""What the broker checker tells the scheduler: the requests it will send, busiest host first."""

from __future__ import annotations

from dataclasses import replace

from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.schema import Broker
from lowprofile.brokers.search import Fetchers
from lowprofile.brokers.template import queries_for
from lowprofile.checkers.brokers import busiest_first, planned_requests
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.subject import Address, Name, Subject

SUBJECT = Subject(
    names=(Name("Jane", "Doe"), Name("Jane", "Smith")), addresses=(Address("Austin", "TX"),)
)


def moved(broker: Broker, url: str) -> Broker:
    return replace(broker, search=replace(broker.search, url=url))


def automatic() -> list[Broker]:
    """The brokers searched by fetching a page (a search played as steps is the browser's,
    which plans no plain requests)."""
    found = load_brokers().brokers.values()
    return [b for b in found if b.search.mode == "auto" and not b.searched_as]


def test_brokers_on_the_busiest_host_come_first_in_file_order_otherwise() -> None:
    brokers = automatic()
    shared = [moved(b, f"https://shared.example/{b.id}/{{first}}-{{last}}") for b in brokers[-3:]]
    everyone = [*brokers[:-3], *shared]
    planned = planned_requests(everyone, lambda _: queries_for(SUBJECT), Fetchers(Http(Settings())))
    ordered = busiest_first(everyone, planned)
    assert [b.id for b in ordered[:3]] == [b.id for b in shared]
    assert [b.id for b in ordered[3:]] == [b.id for b in brokers[:-3]]


def test_planned_requests_count_each_distinct_search_once_and_only_automatic_ones() -> None:
    brokers = automatic()
    twin = replace(brokers[0], id="twin")  # a clone site sending the very same search
    manual = next(b for b in load_brokers().brokers.values() if not b.automatic)
    planned = planned_requests(
        [brokers[0], twin, manual], lambda _: queries_for(SUBJECT), Fetchers(Http(Settings()))
    )
    assert list(planned) == [brokers[0].id]
    assert len(planned[brokers[0].id]) == 2  # two names, one place
