"""The Subject (the person scanned) and the TOML profile it is saved in.

A profile holds names with aliases and former names, birth year, current and past addresses,
phones, emails, usernames and photo folders. It is loaded from a file that ``lowprofile init``
writes (mode 0600), or built from ``scan`` flags. Everything that searches for the person reads
this one structure, so the matcher, the breach checks and the photo scan agree on who "you" are.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowprofile.errors import ProfileError
from lowprofile.privacy import Redactor, mask_email, mask_name, mask_phone, mask_username

PROFILE_VERSION = 1

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico",
}  # fmt: skip
_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}


def normalize_state(state: str) -> str:
    """``tx``, ``Texas`` → ``TX``; anything else (a non-US region) is kept as typed."""
    value = state.strip()
    if value.upper() in US_STATES:
        return value.upper()
    return _STATE_BY_NAME.get(value.lower(), value)


@dataclass(frozen=True)
class Name:
    """One name the person is or was known by. ``kind`` is ``primary``, ``alias`` or ``former``."""

    first: str
    last: str
    middle: str = ""
    kind: str = "primary"

    @classmethod
    def parse(cls, text: str, kind: str = "primary") -> Name:
        """Split "Jane Q Doe", "Doe, Jane Q" or "Jane Doe Jr." into first, middle and last."""
        raw = " ".join(text.replace("\u00a0", " ").split())
        if not raw:
            raise ProfileError("a name cannot be empty")
        if "," in raw:
            last_part, _, rest = raw.partition(",")
            words = rest.split() + last_part.split()
            if len(words) >= 2:
                last_words = last_part.split()
                given = rest.split()
                return cls(given[0], " ".join(last_words), " ".join(given[1:]), kind)
        words = raw.split()
        if len(words) > 2 and words[-1].lower().rstrip(".") in _SUFFIXES:
            words = words[:-1]
        if len(words) < 2:
            raise ProfileError(f"a name needs a first and a last name, got {mask_name(raw)!r}")
        return cls(words[0], words[-1], " ".join(words[1:-1]), kind)

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last) if p)

    def to_dict(self) -> dict[str, str]:
        data = {"first": self.first, "last": self.last, "kind": self.kind}
        if self.middle:
            data["middle"] = self.middle
        return data


@dataclass(frozen=True)
class Address:
    """A place the person lives or lived; city and state are what people-search sites index."""

    city: str = ""
    state: str = ""
    street: str = ""
    postcode: str = ""
    country: str = "US"
    lat: float | None = None
    lon: float | None = None
    current: bool = True

    def __post_init__(self) -> None:
        if self.state:
            object.__setattr__(self, "state", normalize_state(self.state))
        for name, bound in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, name)
            if value is not None and not -bound <= value <= bound:
                raise ProfileError(f"address {name} {value} is out of range")

    @property
    def label(self) -> str:
        return ", ".join(p for p in (self.city, self.state) if p)

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"current": self.current, "country": self.country}
        for key in ("street", "city", "state", "postcode"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.has_coordinates:
            data["lat"], data["lon"] = self.lat, self.lon
        return data


@dataclass(frozen=True)
class Subject:
    """The person a scan is about. The first primary name is the one searched first."""

    names: tuple[Name, ...]
    birth_year: int | None = None
    addresses: tuple[Address, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    usernames: tuple[str, ...] = ()
    photo_dirs: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if not (self.names or self.emails or self.usernames or self.photo_dirs):
            raise ProfileError("a profile needs at least one name")
        if self.birth_year is not None and not 1900 <= self.birth_year <= 2030:
            raise ProfileError(f"birth year {self.birth_year} is not plausible")
        for email in self.emails:
            if not _EMAIL.match(email):
                raise ProfileError(f"{mask_email(email)!r} is not an email address")

    @property
    def primary(self) -> Name:
        if not self.names:
            raise ProfileError("this check needs a name; give --name or add one to the profile")
        return self.names[0]

    @property
    def current_addresses(self) -> tuple[Address, ...]:
        return tuple(a for a in self.addresses if a.current)

    @property
    def home(self) -> Address | None:
        """The current address with coordinates, used to measure photo clusters against."""
        return next((a for a in self.current_addresses if a.has_coordinates), None)

    def redactor(self) -> Redactor:
        """Everything of this person that must not reach a log unmasked."""
        words: list[str] = []
        for name in self.names:
            words += name.full.split()
        for address in self.addresses:
            words += address.city.split() + address.street.split()
        values = [n.full for n in self.names]
        values += [a.city for a in self.addresses if a.city]
        values += [a.street for a in self.addresses if a.street]
        values += list(self.emails) + list(self.phones) + list(self.usernames)
        values += [a.postcode for a in self.addresses if a.postcode]
        digits = ["".join(c for c in p if c.isdigit()) for p in self.phones]
        return Redactor(words=words, values=values + [d for d in digits if d])

    def masked(self) -> dict[str, Any]:
        """A summary safe to print or share: shape without the data."""
        return {
            "names": [mask_name(n.full) for n in self.names],
            "locations": [
                ", ".join(p for p in (mask_name(a.city), a.state) if p) for a in self.addresses
            ],
            "emails": [mask_email(e) for e in self.emails],
            "phones": [mask_phone(p) for p in self.phones],
            "usernames": [mask_username(u) for u in self.usernames],
            "photo_dirs": len(self.photo_dirs),
            "birth_year_given": self.birth_year is not None,
        }

    def to_profile(self) -> dict[str, Any]:
        """The TOML-ready form written by ``lowprofile init``."""
        data: dict[str, Any] = {"schema_version": PROFILE_VERSION}
        data["names"] = [n.to_dict() for n in self.names]
        if self.birth_year is not None:
            data["birth_year"] = self.birth_year
        data["emails"] = list(self.emails)
        data["phones"] = list(self.phones)
        data["usernames"] = list(self.usernames)
        data["photo_dirs"] = [str(p) for p in self.photo_dirs]
        data["addresses"] = [a.to_dict() for a in self.addresses]
        return data

    @classmethod
    def from_profile(cls, data: dict[str, Any], source: str = "profile") -> Subject:
        """Build a Subject from parsed TOML, naming the key that is wrong when it is."""
        try:
            version = int(data.get("schema_version", PROFILE_VERSION))
            if version > PROFILE_VERSION:
                raise ProfileError(
                    f"{source}: schema_version {version} is newer than this lowprofile reads "
                    f"({PROFILE_VERSION}); upgrade lowprofile"
                )
            names = tuple(_name_from(item, source) for item in _list(data, "names"))
            addresses = tuple(Address(**_address_fields(a)) for a in _list(data, "addresses"))
            birth = data.get("birth_year")
            return cls(
                names=names,
                birth_year=int(birth) if birth is not None else None,
                addresses=addresses,
                phones=tuple(str(p) for p in _list(data, "phones")),
                emails=tuple(str(e).strip() for e in _list(data, "emails")),
                usernames=tuple(str(u) for u in _list(data, "usernames")),
                photo_dirs=tuple(Path(str(p)).expanduser() for p in _list(data, "photo_dirs")),
            )
        except ProfileError as exc:
            if str(exc).startswith(source):
                raise
            raise ProfileError(f"{source}: {exc}") from exc
        except (TypeError, ValueError, AttributeError) as exc:
            raise ProfileError(f"{source}: {exc}") from exc


def _list(data: dict[str, Any], key: str) -> list[Any]:
    """A profile list. A lone string where a list belongs is an error, not a list of letters:
    ``photo_dirs = "/home/u/Pictures"`` would otherwise walk ``/``, ``h``, ``o``…"""
    value = data.get(key, [])
    if not isinstance(value, list):
        example = f'{key} = ["{value}"]' if isinstance(value, str) else f"{key} = [...]"
        raise ProfileError(f"{key}: must be a list, e.g. {example}")
    return value


def _name_from(item: Any, source: str) -> Name:
    if isinstance(item, str):
        return Name.parse(item)
    if not isinstance(item, dict):
        raise ProfileError(f"{source}: names: each entry is a table or a string")
    kind = str(item.get("kind", "primary"))
    if kind not in ("primary", "alias", "former"):
        raise ProfileError(f"{source}: names.kind: {kind!r} is not primary, alias or former")
    if "full" in item:
        return Name.parse(str(item["full"]), kind)
    if not item.get("first") or not item.get("last"):
        raise ProfileError(f"{source}: names: each name needs first and last")
    return Name(str(item["first"]), str(item["last"]), str(item.get("middle", "")), kind)


def _address_fields(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ProfileError("addresses: each entry is a table")
    allowed = {"city", "state", "street", "postcode", "country", "lat", "lon", "current"}
    unknown = set(item) - allowed
    if unknown:
        raise ProfileError(f"addresses: unknown keys {sorted(unknown)}")
    return dict(item)


def load_profile(path: Path) -> Subject:
    """Read a TOML profile; a missing or malformed file is a ProfileError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"{path}: no such profile (create one with `lowprofile init`)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    return Subject.from_profile(data, source=str(path))


def subject_from_flags(
    names: list[str],
    *,
    city: str | None = None,
    state: str | None = None,
    postcode: str | None = None,
    birth_year: int | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    usernames: list[str] | None = None,
    photo_dirs: list[Path] | None = None,
) -> Subject:
    """The Subject given by ``scan``/``init`` flags: the first name is primary, others aliases."""
    parsed = tuple(
        Name.parse(n, "primary" if i == 0 else "alias") for i, n in enumerate(names or [])
    )
    addresses: tuple[Address, ...] = ()
    if city or state or postcode:
        addresses = (Address(city=city or "", state=state or "", postcode=postcode or ""),)
    return Subject(
        names=parsed,
        birth_year=birth_year,
        addresses=addresses,
        phones=tuple(phones or ()),
        emails=tuple(e.strip() for e in emails or ()),
        usernames=tuple(usernames or ()),
        photo_dirs=tuple(p.expanduser() for p in photo_dirs or ()),
    )
