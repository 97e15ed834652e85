"""Values a broker's form demands that the person should not have to give: made up, by a rule.

Some opt-out forms refuse to go without a phone number, a street address or a ZIP code that the
removal does not need (the listing is named by its URL or chosen by name). Sending the person's
real ones would hand the broker fresh data, so the steps send made-up ones instead, each by a rule
the person reads on the approval screen, beside the value, before anything is sent. The value is
made up once per run, so the one shown is the one typed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from lowprofile.brokers.schema import OptOutStep

STREETS = ("Main St", "Oak Ave", "Maple St", "Cedar Ln", "Park Ave", "Elm St", "Pine St")
RULES = {
    "generated_zip_code": "made up: 5 random digits from 10000 to 99999, not your ZIP code",
    "generated_phone_number": (
        "made up: a random area code with 555-0100 to 555-0199, numbers reserved for fiction"
    ),
    "generated_street_address": "made up: a random house number on a common street name",
    "generated_number": "made up: a random whole number from {minimum} to {maximum}",
}
"""Each made-up value's rule, in the words the approval screen shows."""


def is_made_up(value: str) -> bool:
    return value in RULES


def value_key(step: OptOutStep) -> str:
    """Where a fill's value is kept: its name, and for a made-up number its range too (a month
    and a day are two numbers)."""
    if step.value == "generated_number":
        return f"generated_number:{step.minimum}-{step.maximum}"
    return step.value


def rule_of(step: OptOutStep) -> str:
    return RULES[step.value].format(minimum=step.minimum, maximum=step.maximum)


def _between(low: int, high: int) -> int:
    return low + secrets.randbelow(high - low + 1) if high >= low else low


def make_up(step: OptOutStep) -> str:
    """One value by the step's rule."""
    if step.value == "generated_zip_code":
        return f"{_between(10000, 99999)}"
    if step.value == "generated_phone_number":
        return f"{_between(201, 989)}-555-01{_between(0, 99):02d}"
    if step.value == "generated_street_address":
        return f"{_between(100, 9899)} {secrets.choice(STREETS)}"
    return str(_between(step.minimum, step.maximum))


def made_up_values(steps: Iterable[OptOutStep]) -> dict[str, str]:
    """Every made-up value the steps fill, made once for this run."""
    out: dict[str, str] = {}
    for step in steps:
        if step.action == "fill" and is_made_up(step.value):
            out.setdefault(value_key(step), make_up(step))
    return out
