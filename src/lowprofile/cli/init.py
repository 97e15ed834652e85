"""``lowprofile init``: write the profile that every later scan reads.

Interactive by default, so a person is asked for each detail in turn; given ``--name`` it writes
the profile straight from the flags (the same flags as ``scan``), for scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from lowprofile.cli.common import (
    BirthYearOpt,
    CityOpt,
    CountryOpt,
    EmailOpt,
    NameOpt,
    PhoneOpt,
    PhotosOpt,
    StateOpt,
    UsernameOpt,
    ZipOpt,
    fail,
    stderr_console,
)
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
    subject_from_flags,
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


def _ask_subject() -> Subject:
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


def init_command(
    name: NameOpt = None,
    city: CityOpt = None,
    state: StateOpt = None,
    postcode: ZipOpt = None,
    country: CountryOpt = None,
    birth_year: BirthYearOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    username: UsernameOpt = None,
    photos: PhotosOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write it (default: the config folder)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing profile.")] = False,
) -> None:
    """Create your profile: names, birth year, addresses, phones, emails, usernames, photos."""
    import tomli_w

    from lowprofile.config import default_profile_path
    from lowprofile.files import ensure_private_dir, write_private

    path = (output or default_profile_path()).expanduser()
    if path.exists() and not force:
        fail(f"{path} exists; use --force to replace it")
    if name:
        subject = subject_from_flags(
            name,
            city=city,
            state=state,
            postcode=postcode,
            country=country,
            birth_year=birth_year,
            emails=email,
            phones=phone,
            usernames=username,
            photo_dirs=photos,
        )
    else:
        subject = _ask_subject()
    ensure_private_dir(path.parent)
    header = "# lowprofile profile: the details scans search for. Keep this file private.\n"
    write_private(path, header + tomli_w.dumps(subject.to_profile()))
    console = stderr_console()
    console.print(f"Profile written to {path} (readable by you only).")
    for note in reach_notes(subject):
        console.print(f"Note: {note}.")


def reach_notes(subject: Subject) -> list[str]:
    """What a scan of this person cannot search, said when the profile is written (counted
    here; each scan names the sites): US-only sites for a person with no US address, sites
    that need a last name for a person with one name."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.brokers.reach import needs_last_name, not_searched_abroad

    brokers = list(load_brokers().brokers.values())
    notes = []
    abroad = not_searched_abroad(brokers, subject)
    if abroad:
        notes.append(
            f"{len(abroad)} US-only people-search sites will not be searched, since none of "
            "your addresses is in the US (each scan names them)"
        )
    if subject.names and subject.primary.single:
        searchable = [b for b in brokers if b not in abroad]
        cannot = [b for b in searchable if needs_last_name(b)]
        if cannot:
            notes.append(
                f"{len(cannot)} sites search by first and last name and cannot search one "
                "name (each scan names them)"
            )
    return notes
