"""Turning ``--profile`` and the subject flags into a Subject, shared by ``scan`` and ``init``.

The person's model is loaded by the functions, not here: the commands that import this module
are listed by ``lowprofile --help``, which needs none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lowprofile.errors import ProfileError

if TYPE_CHECKING:
    from lowprofile.subject import Subject


def resolve_subject(
    profile: Path | None,
    names: list[str] | None,
    *,
    city: str | None,
    state: str | None,
    postcode: str | None,
    country: str | None = None,
    birth_year: int | None,
    emails: list[str] | None,
    phones: list[str] | None,
    usernames: list[str] | None,
    photo_dirs: list[Path] | None,
) -> Subject:
    """Who to scan:

    - ``--profile FILE`` with flags: the profile, each flag given replacing that detail of it
      (``--profile P --photos DIR`` scans P's person with DIR's photos);
    - flags alone: just those details; a name is needed only by the checks that search by name,
      so ``--photos DIR`` alone (or ``--email``, ``--username``) is a scan without one;
    - nothing: the default profile, or an error saying how to make one.
    """
    from lowprofile.config import default_profile_path
    from lowprofile.subject import Subject, flag_details, load_profile, with_details

    fields = flag_details(
        names,
        city=city,
        state=state,
        postcode=postcode,
        country=country,
        birth_year=birth_year,
        emails=emails,
        phones=phones,
        usernames=usernames,
        photo_dirs=photo_dirs,
    )
    if profile is not None:
        return with_details(load_profile(profile.expanduser()), fields)
    if fields:
        if not {"names", "emails", "usernames", "photo_dirs"} & fields.keys():
            raise ProfileError(
                "give --name with the other details, use --profile FILE, or scan only "
                "--photos, --email or --username"
            )
        return Subject(**{"names": (), **fields})
    path = default_profile_path()
    if not path.exists():
        raise ProfileError(
            "no subject: give --name (and --city/--state), --profile FILE, "
            "or create a profile with `lowprofile init`"
        )
    return load_profile(path)


def current_person(profile: Path | None, *, writing: bool = False) -> str:
    """Whose records a command reads and writes: the person of ``--profile`` (or
    ``LOWPROFILE_PROFILE``), else of the default profile, else of the newest scan (someone who
    scans with flags only), else the one person the ledger knows. Two people on one machine
    never see each other's records. With none of those, a read shows nobody's records (""),
    and a write is refused."""
    from lowprofile.config import default_profile_path
    from lowprofile.subject import load_profile

    path = (profile or default_profile_path()).expanduser()
    if profile is not None or path.is_file():
        return load_profile(path).person_id
    from lowprofile.store import Store, history_path

    if history_path().is_file():
        with Store() as store:
            latest = store.latest_person()
        if latest:
            return latest
    from lowprofile.optout.records import people

    known = people()
    if len(known) == 1:  # the one person whose records there are
        return known[0]
    if not writing:
        return ""
    raise ProfileError(
        "whose records? give --profile FILE, or create a profile with `lowprofile init`"
    )
