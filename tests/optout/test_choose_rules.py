"""The choices a run makes without a page: which result row is the person (the matcher's, not
the first), and which way a condition on a profile value goes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from helpers.brokers import shipped_brokers
from lowprofile.brokers.schema import FieldRule, OptOutStep
from lowprofile.browser.evidence import EvidenceKeeper
from lowprofile.optout_steps.choose import choose_row
from lowprofile.optout_steps.runner import RunState, StepFailed, StepRunner
from lowprofile.subject import Address, Name, Subject

JANE = Subject(
    names=(Name.parse("Jane Doe"),),
    birth_year=date.today().year - 47,
    addresses=(Address(city="Austin", state="TX"),),
)
STEP = OptOutStep(
    "choose_listing",
    selector="li",
    click="button",
    fields={
        "name": FieldRule((".//h3",)),
        "age": FieldRule((".//b",)),
        "locations": FieldRule((".//p",), all=True),
    },
)
BROKER = shipped_brokers()["infotracer"]


def row(name: str, age: int, place: str) -> str:
    return f"<li><h3>{name}</h3><b>{age}</b><p>{place}</p><button>Remove</button></li>"


def page(*rows: str) -> str:
    return f"<html><body><ul>{''.join(rows)}</ul></body></html>"


def test_the_person_is_chosen_when_a_namesake_comes_first() -> None:
    html = page(row("Jane Doe", 80, "Portland, OR"), row("Jane Doe", 47, "Austin, TX"))
    choice = choose_row(BROKER, STEP, JANE, html, "https://x.example/")
    assert (choice.row, choice.rows) == (1, 2)
    assert choice.why.startswith("row 2: Jane Doe (")


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        ((row("Jane Doe", 80, "Portland, OR"),), "no row matches you well enough; the best: Jane"),
        ((), "the page shows no result rows"),
        (
            (row("Jane Doe", 47, "Austin, TX"), row("Jane Doe", 47, "Austin, TX")),
            "2 rows match you equally",
        ),
    ],
)
def test_no_row_or_two_alike_is_the_persons_to_choose(rows: tuple[str, ...], why: str) -> None:
    choice = choose_row(BROKER, STEP, JANE, page(*rows), "https://x.example/")
    assert choice.row is None and choice.why.startswith(why), choice.why


def runner(subject: Subject) -> StepRunner:
    from lowprofile.optout_steps.values import step_values

    values = step_values(subject, "https://x.example/p/1")
    return StepRunner(
        BROKER, subject, "https://x.example/p/1", values, None,  # type: ignore[arg-type]
        EvidenceKeeper(Path("unused")), dry_run=False,
    )  # fmt: skip


OVER = OptOutStep("condition", value="age", at_least=45, then=1)
UNDER = OptOutStep("condition", value="age", below=45, then=1)


@pytest.mark.parametrize(("age", "over"), [(47, True), (45, True), (44, False)])
def test_a_condition_on_the_age_goes_one_way(age: int, over: bool) -> None:
    subject = replace(JANE, birth_year=date.today().year - age)
    holds = [asyncio.run(runner(subject)._holds(None, step)) for step in (OVER, UNDER)]
    assert holds == [over, not over]  # no page is touched for a value


def test_a_condition_on_an_age_the_profile_lacks_stops_the_run() -> None:
    with pytest.raises(StepFailed) as failed:
        asyncio.run(runner(replace(JANE, birth_year=None))._holds(None, OVER))
    assert failed.value.state is RunState.FAILED and failed.value.detail == "the profile has no age"


class NeverThere:
    """A page on which nothing awaited ever comes (each wait fails as Playwright's does)."""

    url = "https://x.example/form"

    async def wait_for_url(self, pattern: str, timeout: float) -> None:
        from playwright.async_api import Error

        raise Error(f"Timeout {timeout}ms exceeded waiting for {pattern}")

    def locator(self, selector: str) -> NeverThere:
        return self

    def get_by_text(self, text: str) -> NeverThere:
        return self

    @property
    def first(self) -> NeverThere:
        return self

    async def wait_for(self, state: str, timeout: float) -> None:
        await self.wait_for_url(state, timeout)


@pytest.mark.parametrize(
    "step",
    [
        OptOutStep("expect", url="/done", timeout=1),
        OptOutStep("expect", selector="#done", timeout=1),
        OptOutStep("expect", text="Done", timeout=1),
    ],
)
def test_a_wait_that_never_ends_fails_unless_it_is_optional(step: OptOutStep) -> None:
    pytest.importorskip("playwright")
    with pytest.raises(StepFailed) as failed:
        asyncio.run(runner(JANE)._expect(NeverThere(), step))
    assert failed.value.state is RunState.FAILED
    assert failed.value.detail in ("never reached '/done'", "form changed: '#done' never appeared",
                                   "form changed: 'Done' never appeared")  # fmt: skip
    asyncio.run(runner(JANE)._expect(NeverThere(), replace(step, optional=True)))  # goes on


@pytest.mark.parametrize(("age", "runs"), [(47, True), (40, False)])
def test_a_steps_own_when_value_is_honoured_in_an_opt_out(age: int, runs: bool) -> None:
    """The search steps' per-step condition means the same in an opt-out's steps."""
    step = OptOutStep("click", selector="#yes", when_value="{age} >= 45")
    subject = replace(JANE, birth_year=date.today().year - age)
    assert asyncio.run(runner(subject)._applies(None, step)) is runs
