"""The subject values an opt-out's steps name, and only those.

A step's ``fill`` names a value (``full_name``, ``email``, ``listing_url``…), never free text, so
what a broker receives is fixed by its file and can be shown to the person before anything goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.brokers.template import Query
from lowprofile.subject import Subject

LABELS = {
    "full_name": "full name",
    "first": "first name",
    "last": "last name",
    "email": "email address",
    "listing_url": "listing URL",
    "city": "city",
    "state": "state",
    "state_full": "state",
    "zip": "postcode",
    "age": "age",
}


@dataclass(frozen=True)
class Asked:
    """One value a broker's steps send: which, what it is, and where it is typed."""

    name: str
    value: str
    selector: str

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


def subject_query(subject: Subject) -> Query:
    """The primary name and current (or first) address: the listing a scan found was searched
    with these first."""
    places = subject.current_addresses or subject.addresses
    age = date.today().year - subject.birth_year if subject.birth_year else None
    return Query(subject.primary, places[0] if places else None, age)


def step_values(subject: Subject, listing_url: str) -> dict[str, str]:
    """Every value a step may name, for this subject and listing (empty where unknown)."""
    values = subject_query(subject).values()
    values["full_name"] = subject.primary.full
    values["email"] = subject.emails[0] if subject.emails else ""
    values["listing_url"] = listing_url
    return values


def asked(steps: tuple[OptOutStep, ...], values: dict[str, str]) -> list[Asked]:
    """What the steps type into the broker's pages, in order."""
    return [
        Asked(s.value, values.get(s.value, ""), s.selector) for s in steps if s.action == "fill"
    ]


def missing(broker: Broker, values: dict[str, str], *, first: int = 1) -> list[str]:
    """Labels of values the steps from step ``first`` need that the profile lacks (the run
    cannot start)."""
    return [a.label for a in asked(broker.optout.steps[first - 1 :], values) if not a.value]
