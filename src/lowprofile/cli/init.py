"""``lowprofile init``: write the profile that every later scan reads.

Interactive by default, so a person is asked for each detail in turn; given ``--name`` it writes
the profile straight from the flags (the same flags as ``scan``), for scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
from lowprofile.subject import Address, Name, Subject, subject_from_flags


def _ask_list(question: str) -> list[str]:
    """Ask for a comma-separated list; empty means none."""
    answer = typer.prompt(question, default="", show_default=False)
    return [part.strip() for part in answer.split(",") if part.strip()]


def _year(text: str) -> int | None:
    from lowprofile.errors import ProfileError

    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise ProfileError(f"birth year {text.strip()!r} is not a year")
    return int(text)


def _ask_subject() -> Subject:
    console = stderr_console()
    console.print(
        "lowprofile keeps this profile on this machine only (mode 0600). "
        "Leave anything blank that you do not want searched."
    )
    primary = Name.parse(typer.prompt("Full name (e.g. Jane Q Doe)"))
    others = [
        Name.parse(n, "alias") for n in _ask_list("Other names or nicknames (comma-separated)")
    ]
    others += [Name.parse(n, "former") for n in _ask_list("Former names, e.g. maiden name")]
    year = _year(typer.prompt("Birth year", default="", show_default=False))
    addresses = []
    city = typer.prompt("Current city", default="", show_default=False)
    state = typer.prompt("Current state or region", default="", show_default=False)
    postcode = typer.prompt("Current postcode", default="", show_default=False)
    if city or state or postcode:
        addresses.append(Address(city=city, state=state, postcode=postcode, current=True))
    for place in _ask_list("Past cities as City/State (comma-separated, e.g. Dallas/TX)"):
        past_city, _, past_state = place.partition("/")
        addresses.append(Address(city=past_city.strip(), state=past_state.strip(), current=False))
    return Subject(
        names=(primary, *others),
        birth_year=year,
        addresses=tuple(addresses),
        phones=tuple(_ask_list("Phone numbers (comma-separated)")),
        emails=tuple(_ask_list("Email addresses (comma-separated)")),
        usernames=tuple(_ask_list("Usernames (comma-separated)")),
        photo_dirs=tuple(
            Path(p).expanduser() for p in _ask_list("Photo folders (comma-separated)")
        ),
    )


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
