"""The questions ``lowprofile init`` asks, each answer checked at once.

Apart from the command so that listing the commands (``lowprofile --help``, shell completion)
does not load the person's model (``subject``, ``countries``) that only the questions need.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer

from lowprofile.cli.common import stderr_console
from lowprofile.countries import check_country, is_us
from lowprofile.errors import LowprofileError, ProfileError
from lowprofile.subject import (
    Address,
    Name,
    Subject,
    check_birth_year,
    check_email,
    check_phone,
    check_state,
)

T = TypeVar("T")


def _ask(question: str, check: Callable[[str], T], *, required: bool = False) -> T:
    """Ask once, check the answer at once, and ask again until it passes: a typo in the email
    must not cost the eleven answers before it. Blank means "none" unless ``required``."""

    def proc(text: str) -> T:
        try:
            return check(text.strip())
        except LowprofileError as exc:
            # Raised to the prompt, which prints "Error: …" and asks the same question again.
            raise typer.BadParameter(exc.for_terminal) from None

    default = None if required else ""
    return typer.prompt(question, default=default, show_default=False, value_proc=proc)


def _each(check: Callable[[str], T]) -> Callable[[str], list[T]]:
    """A check for a comma-separated answer: every item passes, or the answer is asked again."""
    return lambda text: [check(part.strip()) for part in text.split(",") if part.strip()]


def _optional(check: Callable[[str], T]) -> Callable[[str], T | None]:
    return lambda text: check(text) if text else None


def _text(text: str) -> str:
    return text


def _country(text: str) -> str:
    return check_country(text) if text else "US"


def _state_in(country: str) -> Callable[[str], str]:
    """The state question's check: a US state in the US, free text elsewhere."""
    return lambda text: check_state(text) if text and is_us(country) else " ".join(text.split())


def _past_place(text: str) -> Address:
    """``City/State`` in the US, or ``City/Region/Country`` elsewhere (``Lyon//FR``)."""
    city, _, rest = text.partition("/")
    state, _, country = rest.partition("/")
    return Address(
        city=city.strip(), state=state.strip(), country=country.strip() or "US", current=False
    )


def _photo_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise ProfileError(f"{text!r} is not a folder")
    return path


def ask_subject() -> Subject:
    """The person, asked detail by detail (blank: not searched)."""
    console = stderr_console()
    console.print(
        "lowprofile keeps this profile on this machine only (mode 0600). "
        "Leave anything blank that you do not want searched."
    )
    primary = _ask("Full name (e.g. Jane Q Doe)", Name.parse, required=True)
    others = _ask("Other names or nicknames (comma-separated)", _each(_alias))
    others += _ask("Former names, e.g. maiden name", _each(_former))
    year = _ask("Birth year", _optional(check_birth_year))
    addresses = []
    country = _ask("Country you live in (ISO code, e.g. US, DE, GB; blank: US)", _country)
    city = _ask("Current city", _text)
    region = "state (e.g. TX or Texas)" if is_us(country) else "region (e.g. Bavaria)"
    state = _ask(f"Current {region}", _state_in(country))
    postcode = _ask("Current postcode", _text)
    if city or state or postcode or not is_us(country):
        addresses.append(
            Address(city=city, state=state, postcode=postcode, country=country, current=True)
        )
    addresses += _ask(
        "Past cities as City/State, or City/Region/Country outside the US (comma-separated, "
        "e.g. Dallas/TX, Lyon//FR)",
        _each(_past_place),
    )
    return Subject(
        names=(primary, *others),
        birth_year=year,
        addresses=tuple(addresses),
        phones=tuple(_ask("Phone numbers (comma-separated)", _each(check_phone))),
        emails=tuple(_ask("Email addresses (comma-separated)", _each(check_email))),
        usernames=tuple(_ask("Usernames (comma-separated)", _each(_text))),
        photo_dirs=tuple(_ask("Photo folders (comma-separated)", _each(_photo_dir))),
    )


def _alias(text: str) -> Name:
    return Name.parse(text, "alias")


def _former(text: str) -> Name:
    return Name.parse(text, "former")
