"""``lowprofile init``: write the profile that every later scan reads.

Interactive by default, so a person is asked for each detail in turn; given ``--name`` it writes
the profile straight from the flags (the same flags as ``scan``), for scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from lowprofile.subject import Subject


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

    from lowprofile.cli.asking import ask_subject
    from lowprofile.cli.inputs import require_paths
    from lowprofile.config import default_profile_path
    from lowprofile.files import ensure_private_dir, write_private
    from lowprofile.subject import subject_from_flags

    path = (output or default_profile_path()).expanduser()
    if path.exists() and not force:
        fail(f"{path} exists; use --force to replace it")
    # A photo folder that does not exist would be written into the profile and fail every scan.
    require_paths(photos or (), "--photos")
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
        subject = ask_subject()
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
