"""The subject values an opt-out's steps name, and only those.

A step's ``fill`` names a value (``full_name``, ``email``, ``listing_url``…), never free text, so
what a broker receives is fixed by its file and can be shown to the person before anything goes.
A made-up value (``generated_zip_code``…) is shown with the rule that made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from lowprofile.brokers.schema import Broker, OptOutStep
from lowprofile.brokers.template import Query, template_variables
from lowprofile.optout_steps.madeup import is_made_up, made_up_values, rule_of, value_key
from lowprofile.subject import Subject

LABELS = {
    "full_name": "full name",
    "first": "first name",
    "middle": "middle name",
    "last": "last name",
    "email": "email address",
    "listing_url": "listing URL",
    "city": "city",
    "state": "state",
    "state_full": "state",
    "zip": "postcode",
    "age": "age",
    "birth_year": "birth year",
    "city_state": "city, state",
    "generated_zip_code": "ZIP code",
    "generated_phone_number": "phone number",
    "generated_street_address": "street address",
    "generated_number": "number",
}


OPTIONAL = ("middle",)
"""Values a form may get empty: a person without a middle name still opts out."""


@dataclass(frozen=True)
class Asked:
    """One value a broker's steps send: which, what it is, and where it goes."""

    name: str
    value: str
    selector: str
    """The form field it is typed into, or the host whose address carries it."""
    how: str = "typed into"
    rule: str = ""
    """How a made-up value was made (empty: the person's own value)."""

    @property
    def label(self) -> str:
        label = LABELS.get(self.name, self.name)
        return f"{label} [{self.rule}]" if self.rule else label


def subject_query(subject: Subject) -> Query:
    """The primary name and current (or first) address: the listing a scan found was searched
    with these first."""
    places = subject.current_addresses or subject.addresses
    age = date.today().year - subject.birth_year if subject.birth_year else None
    return Query(subject.primary, places[0] if places else None, age)


def step_values(
    subject: Subject, listing_url: str, steps: tuple[OptOutStep, ...] = ()
) -> dict[str, str]:
    """Every value a step may name, for this subject and listing (empty where unknown), and
    the made-up values ``steps`` fill, made once for this run."""
    query = subject_query(subject)
    values = query.values()
    values["full_name"] = subject.primary.full
    values["email"] = subject.emails[0] if subject.emails else ""
    values["listing_url"] = listing_url
    values["birth_year"] = str(subject.birth_year or "")
    place = query.address
    values["city_state"] = f"{place.city}, {place.state}" if place and place.city else ""
    return {**values, **made_up_values(steps)}


def asked(steps: tuple[OptOutStep, ...], values: dict[str, str]) -> list[Asked]:
    """What the steps send the broker, in order: each value typed into its pages, and each
    value a page's address carries (a search URL built from the name and city sends them as
    surely as a form does)."""
    sent = []
    for step in steps:
        if step.action == "fill":
            rule = rule_of(step) if is_made_up(step.value) else ""
            value = values.get(value_key(step), "")
            sent.append(Asked(step.value, value, step.selector, rule=rule))
        elif step.action == "condition" and step.value:  # e.g. "over 45?": a click tells
            how = "decides which button is clicked on"
            sent.append(Asked(step.value, values.get(step.value, ""), step.selector, how))
        elif step.action == "navigate":
            host = urlsplit(step.url).hostname or step.url
            sent += [
                Asked(v, values.get(v, ""), host, "in the address of")
                for v in template_variables(step.url)
            ]
    return sent


def missing(broker: Broker, values: dict[str, str], *, first: int = 1) -> list[str]:
    """Labels of values the steps from step ``first`` need that the profile lacks (the run
    cannot start)."""
    sent = asked(broker.optout.steps[first - 1 :], values)
    return [a.label for a in sent if not a.value and a.name not in OPTIONAL]
