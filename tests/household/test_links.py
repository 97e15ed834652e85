"""Which of a member's listings are links to the user: the rule itself, on literal cards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lowprofile.household.links import (
    links_to_you,
    names_you,
    relative_card,
    shows_your_address,
)
from lowprofile.results import (
    Action,
    CheckResult,
    Finding,
    LedgerEntry,
    Remedy,
    RequestState,
    ScanReport,
    Status,
)
from lowprofile.subject import Address, Name, Subject

JANE = Subject(
    names=(Name.parse("Jane Doe"), Name.parse("Jane Smith", "former")),
    birth_year=1983,
    addresses=(
        Address(street="12 Elm Street Apt 4", city="Austin", state="TX"),
        Address(street="9 Old Rd", city="Waco", state="TX", current=False),
    ),
)


@pytest.mark.parametrize(
    ("shown", "name", "age", "places"),
    [
        ("Jane Doe", "Jane Doe", None, []),
        ("Jane Doe, 42", "Jane Doe", 42, []),
        ("Jane Doe 42", "Jane Doe", 42, []),
        ("Jane Doe (Denver, CO)", "Jane Doe", None, ["Denver, CO"]),
        ("Jane M Doe - Austin TX", "Jane M Doe", None, ["Austin TX"]),
        ("Jane Doe age 42 in Austin, TX", "Jane Doe", 42, ["Austin, TX"]),
    ],
)
def test_a_relative_as_pages_show_one_is_a_small_card(
    shown: str, name: str, age: int | None, places: list[str]
) -> None:
    card = relative_card(shown)
    assert (card.name, card.age, card.locations) == (name, age, places)


@pytest.mark.parametrize(
    "shown",
    [
        "Jane Doe",
        "Jane Doe, 42",
        "Jane Doe (Austin, TX)",
        "Jane Doe (Waco, TX)",
        "Jane Smith",
        "J Doe",
    ],
)
def test_a_relative_with_your_name_and_nothing_against_it_is_you(shown: str) -> None:
    assert names_you(["Mary Doe", shown], JANE) is not None


@pytest.mark.parametrize(
    "shown",
    [
        "Jane Doe (Denver, CO)",  # a namesake elsewhere
        "Jane Doe, 71",  # an age that does not fit 1983
        "Janet Doe",  # another first name: a relative, not you
        "Jane Q Roe",
        "Jane",  # a first name alone names nobody
    ],
)
def test_a_namesake_or_another_relative_is_not_you(shown: str) -> None:
    assert names_you([shown, "Mary Doe"], JANE) is None


def test_the_reason_says_which_relative_and_why() -> None:
    why = names_you(["Mary Doe", "Jane Smith"], JANE)
    assert why == "names you as a relative (Jane Smith: name matches (your former name))"


@pytest.mark.parametrize(
    "shown",
    [
        "12 Elm St, Austin, TX 78701",
        "12 Elm Street Austin TX",
        "12 ELM ST APT 4, AUSTIN, TX",
        "12 Elm St",
    ],
)
def test_your_current_street_address_in_any_spelling_is_yours(shown: str) -> None:
    assert shows_your_address([shown], JANE) == f"shows your current address ({shown})"


@pytest.mark.parametrize(
    "shown",
    [
        "120 Elm St, Austin, TX",  # another house
        "12 Elm St, Dallas, TX",  # the same street name in another city
        "12 Elmwood St, Austin, TX",
        "9 Old Rd, Waco, TX",  # a former address: a link only through the relatives
        "Austin, TX",  # a city is not an address
    ],
)
def test_another_address_is_not_yours(shown: str) -> None:
    assert shows_your_address([shown], JANE) is None


def test_a_profile_without_a_street_matches_no_address() -> None:
    cityonly = Subject(names=(Name.parse("Jane Doe"),), addresses=(Address("Austin", "TX"),))
    assert shows_your_address(["12 Elm St, Austin, TX"], cityonly) is None


def _listing(broker: str, relatives: list[str], addresses: list[str]) -> Finding:
    return Finding(
        kind="broker_listing",
        title=f"{broker} lists relatives",
        where=f"https://{broker}.example/john",
        remedy=Remedy(action="optout", summary="opt out", url=f"https://{broker}.example/out"),
        evidence={"broker": broker, "name": "John Doe", "relatives": relatives,
                  "addresses": addresses},
        key=f"brokers:{broker}:john",
    )  # fmt: skip


def test_links_take_the_members_plan_task_and_requests() -> None:
    findings = (
        _listing("people", ["Jane Doe"], []),
        _listing("kin", ["Jane Doe (Denver, CO)"], ["40 Birch Rd, Austin, TX"]),
        _listing("homes", [], ["12 Elm St, Austin, TX"]),
    )
    breach = Finding(
        kind="breach", title="a breach", where="x", evidence={"relatives": ["Jane Doe"]}
    )
    report = ScanReport(
        subject={},
        started=datetime(2026, 12, 1, tzinfo=UTC),
        finished=datetime(2026, 12, 1, tzinfo=UTC),
        checkers=["brokers"],
        results=[
            CheckResult("brokers", "John Doe", Status.FOUND, findings),
            CheckResult("xposedornot", "j@x", Status.FOUND, (breach,)),
        ],
    )
    report.plan = [
        Action(id="optout:people", title="Opt out of people", kind="optout", covers=["people"]),
        Action(id="optout:homes", title="Opt out of homes", kind="optout", covers=["homes"]),
    ]
    when = datetime(2026, 12, 2, tzinfo=UTC)
    report.ledger = [LedgerEntry("people", "", RequestState.AWAITING_REMOVAL, when, "sent")]

    links = links_to_you(JANE, "John", report)

    assert [(link.broker, link.optout.id if link.optout else None) for link in links] == [
        ("people", "optout:people"),
        ("homes", "optout:homes"),
    ]
    assert links[0].states == ("awaiting_removal",)
    assert links[1].states == ()
    assert links[0].commands == ["lowprofile optout done people"]
