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


def _state(text: str) -> str:
    return check_state(text) if text else ""


def _past_place(text: str) -> Address:
    city, _, state = text.partition("/")
    return Address(city=city.strip(), state=state.strip(), current=False)


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
    city = _ask("Current city", _text)
    state = _ask("Current state (e.g. TX or Texas)", _state)
    postcode = _ask("Current postcode", _text)
    if city or state or postcode:
        addresses.append(Address(city=city, state=state, postcode=postcode, current=True))
    addresses += _ask(
        "Past cities as City/State (comma-separated, e.g. Dallas/TX)", _each(_past_place)
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
    stderr_console().print(f"Profile written to {path} (readable by you only).")
