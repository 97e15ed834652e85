"""The household file: who lives with the user, each as a profile file of their own.

A member is a person, so everything lowprofile keeps about them (scans, requests, evidence)
stays theirs, under their own ``person_id``: the household file only names them and points at
their profile. It lives in the config folder beside the user's profile, private (0600), since
it says who the user lives with.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowprofile.config import config_dir
from lowprofile.errors import ProfileError
from lowprofile.files import write_private
from lowprofile.safe_text import UNSAFE_CHARS, clean_text, json_text
from lowprofile.subject import Subject, load_profile

HOUSEHOLD_VERSION = 1
YOU = "you"
"""How the household report names the user beside the members: no member may take it."""

CONSENT = (
    "Scan only people who agreed to be scanned: a household scan searches for them by name "
    "and keeps what it finds about them in this computer's history."
)
"""Said once, when the first member is added (and in the README's "Household")."""


@dataclass(frozen=True)
class Member:
    """One person of the household: the name the user calls them by, and their profile."""

    name: str
    profile: Path

    def subject(self) -> Subject:
        """The member as a person to scan; a profile that no longer loads names the member."""
        try:
            return load_profile(self.profile)
        except ProfileError as exc:
            raise ProfileError(
                f"household member {self.name!r}: {exc}",
                as_typed=f"household member {self.name!r}: {exc.for_terminal}",
            ) from exc


def household_path() -> Path:
    return config_dir() / "household.toml"


def load_household(path: Path | None = None) -> list[Member]:
    """The members, in the order they were added; none when there is no household file. A
    file that cannot be read is an input error naming it (the person may have edited it)."""
    path = path or household_path()
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the household file: {exc}") from exc
    entries = data.get("members", [])
    if not isinstance(entries, list):
        raise ProfileError(f"{path}: members must be a list of tables")
    members = []
    for number, entry in enumerate(entries, 1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("profile"), str)
        ):
            raise ProfileError(f"{path}: members #{number}: needs a name and a profile (text)")
        members.append(Member(entry["name"], Path(entry["profile"])))
    return members


def _write(members: list[Member], path: Path) -> None:
    import tomli_w

    data: dict[str, Any] = {
        "schema_version": HOUSEHOLD_VERSION,
        "members": [{"name": m.name, "profile": str(m.profile)} for m in members],
    }
    header = "# The people who live with you, each scanned by their own profile (lowprofile).\n"
    write_private(path, header + tomli_w.dumps(data))


def _find(members: list[Member], name: str) -> Member | None:
    wanted = name.strip().casefold()
    return next((m for m in members if m.name.casefold() == wanted), None)


def add_member(name: str, profile: Path, *, you: Subject | None = None) -> tuple[Member, bool]:
    """Add a member by their profile, checked now (a profile that does not load, a name taken,
    the user's own profile are input errors). Returns the member and whether they are the
    household's first (when the consent note is said)."""
    label = " ".join(name.split())
    if not label:
        raise ProfileError("a household member needs a name")
    if UNSAFE_CHARS.search(label):
        raise ProfileError(
            f"{clean_text(label)!r}: a member's name is printed in every report, so it may not "
            "hold control characters"
        )
    where = str(profile.expanduser().resolve())
    if json_text(where) != where:
        raise ProfileError(
            f"{json_text(where)}: the profile's path is not valid UTF-8, and the "
            "household file keeps it as text; rename the file"
        )
    if label.casefold() == YOU:
        raise ProfileError(
            f"{label!r} is how the household report names you: give the member's name"
        )
    path = household_path()
    members = load_household(path)
    if _find(members, label) is not None:
        raise ProfileError(f"{label!r} is already in the household (see `household list`)")
    member = Member(label, Path(where))
    person = member.subject().person_id
    if you is not None and person == you.person_id:
        raise ProfileError(f"{profile} is your own profile, not another person's")
    for other in members:
        try:
            same = other.subject().person_id == person
        except ProfileError:
            continue  # a member whose profile is gone is not this one
        if same:
            raise ProfileError(
                f"{profile} is the profile of {other.name}, already in the household"
            )
    _write([*members, member], path)
    return member, not members


def remove_member(name: str) -> Member:
    """Take a member out of the household; their own records stay theirs (``--any`` or their
    profile still shows them). An unknown name is an input error listing the members."""
    path = household_path()
    members = load_household(path)
    member = _find(members, name)
    if member is None:
        known = ", ".join(m.name for m in members) or "nobody yet"
        raise ProfileError(f"no household member {name!r} (members: {known})")
    _write([m for m in members if m is not member], path)
    return member
