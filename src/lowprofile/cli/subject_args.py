"""Turning ``--profile`` or the subject flags into a Subject, shared by ``scan`` and ``init``."""

from __future__ import annotations

from pathlib import Path

from lowprofile.config import default_profile_path
from lowprofile.errors import ProfileError
from lowprofile.subject import Subject, load_profile, subject_from_flags


def resolve_subject(
    profile: Path | None,
    names: list[str] | None,
    *,
    city: str | None,
    state: str | None,
    postcode: str | None,
    birth_year: int | None,
    emails: list[str] | None,
    phones: list[str] | None,
    usernames: list[str] | None,
    photo_dirs: list[Path] | None,
) -> Subject:
    """Flags win over a profile; then the default profile; without any, a clear error."""
    if names:
        return subject_from_flags(
            names,
            city=city,
            state=state,
            postcode=postcode,
            birth_year=birth_year,
            emails=emails,
            phones=phones,
            usernames=usernames,
            photo_dirs=photo_dirs,
        )
    if emails or phones or usernames or photo_dirs or city or state:
        raise ProfileError("give at least one --name with the other details (or use --profile)")
    path = profile or default_profile_path()
    if profile is None and not path.exists():
        raise ProfileError(
            "no subject: give --name (and --city/--state), --profile FILE, "
            "or create a profile with `lowprofile init`"
        )
    return load_profile(path)
