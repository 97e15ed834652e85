"""The checkup's platforms as data: each setting to review, each page, with its source and date.

The links are data (``platforms.toml``), never written into code, so that a changed page is a
one-line change and every link says where it came from and when it was written down: the
usernames checker's old table of settings pages had no source, and nobody could tell which were
right.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from lowprofile.errors import InputError


@dataclass(frozen=True)
class Link:
    """One page to open, where we have it from and when it was written down."""

    label: str
    url: str
    source: str
    date: str

    @property
    def cited(self) -> str:
        """The label with its source and date, as the plan and the reports show it."""
        return f"{self.label} (source: {self.source}; {self.date})"


@dataclass(frozen=True)
class Platform:
    """One entry of the checkup: a platform, its settings in a line each, and its pages."""

    id: str
    name: str
    settings: tuple[str, ...]
    links: tuple[Link, ...]
    accounts: tuple[str, ...]
    """WhatsMyName site names whose accounts link to this entry."""


@functools.cache
def platforms() -> tuple[Platform, ...]:
    """Every entry, in the file's order (the guide's five first)."""
    raw = resources.files("lowprofile.checkup").joinpath("platforms.toml").read_text("utf-8")
    table = tomllib.loads(raw)["platform"]
    return tuple(
        Platform(
            id=key,
            name=entry["name"],
            settings=tuple(entry["settings"]),
            links=tuple(Link(**link) for link in entry["link"]),
            accounts=tuple(entry.get("accounts", ())),
        )
        for key, entry in table.items()
    )


ALIASES = {"twitter": "x", "ios": "phone", "android": "phone", "fb": "facebook", "ig": "instagram"}
"""Other names a person may type for an entry (``settings done twitter``)."""


def find_platform(name: str) -> Platform:
    """The entry a person named (its id, an alias or its name, any case); else an input error
    that lists the ids."""
    wanted = name.strip().lower()
    wanted = ALIASES.get(wanted, wanted)
    for platform in platforms():
        if wanted in (platform.id, platform.name.lower()):
            return platform
    known = ", ".join(p.id for p in platforms())
    raise InputError(f"no settings checkup for {name!r}; known: {known}")


def platform_for_account(site: str) -> Platform | None:
    """The entry an account found on this WhatsMyName site links to, if there is one."""
    return next((p for p in platforms() if site in p.accounts), None)
