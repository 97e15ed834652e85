"""The Subject (the person scanned) and the TOML profile it is saved in.

A profile holds names with aliases and former names, birth year, current and past addresses,
phones, emails, usernames and photo folders. It is loaded from a file that ``lowprofile init``
writes (mode 0600), or built from ``scan`` flags. Everything that searches for the person reads
this one structure, so the matcher, the breach checks and the photo scan agree on who "you" are.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from lowprofile.countries import check_country, is_us
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
    """``tx``, ``Texas`` → ``TX``; anything else (a non-US region) is kept as typed.

    Lenient on purpose: it also reads the places on a broker's page. What a person types goes
    through ``check_state``."""
    value = state.strip()
    if value.upper() in US_STATES:
        return value.upper()
    return _STATE_BY_NAME.get(value.lower(), value)


def _typed_error(template: str, typed: str, masked: str) -> ProfileError:
    """An input error whose message quotes the input: masked in ``str()`` (logs, saved files),
    as typed on the terminal (``LowprofileError.for_terminal``)."""
    return ProfileError(template.format(repr(masked)), as_typed=template.format(repr(typed)))


def check_state(state: str) -> str:
    """A US state name or abbreviation as its code (``texas`` → ``TX``); anything else is an
    input error naming the value and the closest state, since ``Texass`` would silently search
    nowhere on every site that searches by state."""
    value = " ".join(state.split())
    code = normalize_state(value)
    if code in US_STATES:
        return code
    spellings = {name.lower(): code for code, name in US_STATES.items()}
    spellings.update({code.lower(): code for code in US_STATES})
    close = difflib.get_close_matches(value.lower(), spellings, n=1, cutoff=0.6)
    hint = (
        f"; did you mean {US_STATES[spellings[close[0]]]} ({spellings[close[0]]})?"
        if close
        else " (a US state name or abbreviation, e.g. TX or Texas; for a place outside the US "
        "give its country, e.g. --country DE)"
    )
    raise _typed_error("state {} is not a US state" + hint, value, value)


def check_email(email: str) -> str:
    """An email address, trimmed; anything without a user, an ``@`` and a dotted domain is an
    input error."""
    value = email.strip()
    if not _EMAIL.match(value):
        raise _typed_error("{} is not an email address", value, mask_email(value))
    return value


_PHONE = re.compile(r"^\+?[\d\s().-]+$")


def check_phone(phone: str) -> str:
    """A phone number as written (``512-555-0142``, ``+44 20 7946 0958``): 7 to 15 digits and
    only the marks people put between them, so a name or an email typed into the phone question
    is caught."""
    value = phone.strip()
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 7 <= digits <= 15:
        raise _typed_error("{} is not a phone number (7 to 15 digits)", value, mask_phone(value))
    return value


def check_birth_year(year: int | str) -> int:
    """A plausible year of birth (1900–2030)."""
    text = str(year).strip()
    if not text.isdigit():
        raise _typed_error("birth year {} is not a year", text, text)
    if not 1900 <= int(text) <= 2030:
        raise ProfileError(f"birth year {int(text)} is not plausible (1900 to 2030)")
    return int(text)


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
            return cls(words[0], "", "", kind)  # one name (a mononym): no last name to search
        return cls(words[0], words[-1], " ".join(words[1:-1]), kind)

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last) if p)

    @property
    def single(self) -> bool:
        """One name and no other (a mononym): sites that search by first and last name cannot
        search it, and say so rather than searching half a name."""
        return not self.last

    def to_dict(self) -> dict[str, str]:
        data = {"first": self.first, "kind": self.kind}
        if self.last:
            data["last"] = self.last
        if self.middle:
            data["middle"] = self.middle
        return data


@dataclass(frozen=True)
class Address:
    """A place the person lives or lived; city and state are what people-search sites index.

    ``country`` is an ISO 3166-1 alpha-2 code (``USA``/``UK`` are read as US/GB). Only a US
    address has its state checked against the list of states; elsewhere the region is free text
    (``Bavaria``, ``Île-de-France``), as the city is everywhere.
    """

    city: str = ""
    state: str = ""
    street: str = ""
    postcode: str = ""
    country: str = "US"
    lat: float | None = None
    lon: float | None = None
    current: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", check_country(self.country))
        if self.state:
            state = check_state(self.state) if self.in_us else " ".join(self.state.split())
            object.__setattr__(self, "state", state)
        for name, bound in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, name)
            if value is not None and not -bound <= value <= bound:
                raise ProfileError(f"address {name} {value} is out of range")

    @property
    def in_us(self) -> bool:
        return is_us(self.country)

    @property
    def region_code(self) -> str:
        """``US-CA`` for a US address with a state (ISO 3166-2), else the country code: where
        the person lives, coarse enough for a masked summary to carry (it decides the law)."""
        return f"{self.country}-{self.state}" if self.in_us and self.state else self.country

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
    employers: tuple[str, ...] = ()
    """Where the person works, as a news item would name it: it tells a mention of them from a
    namesake's. Never searched on its own."""

    def __post_init__(self) -> None:
        if not (self.names or self.emails or self.usernames or self.photo_dirs):
            raise ProfileError("a profile needs at least one name")
        if self.birth_year is not None:
            check_birth_year(self.birth_year)
        for email in self.emails:
            check_email(email)
        for phone in self.phones:
            check_phone(phone)

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

    @property
    def person_id(self) -> str:
        """Whose records these are: a stable id for the history, the ledger and the evidence.

        It comes from the first name as written, folded (case, spaces), or for a scan without a
        name from the first email, username or photo folder: the same person scanned from their
        profile or from flags gets the same records, and a profile's other details may change
        without splitting them. A hash, so the id itself names no one."""
        if self.names:
            key = "name:" + " ".join(self.names[0].full.casefold().split())
        elif self.emails:
            key = "email:" + self.emails[0].casefold()
        elif self.usernames:
            key = "username:" + self.usernames[0].casefold()
        else:
            key = "photos:" + str(self.photo_dirs[0])
        return "p-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

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
        values += list(self.emails) + list(self.phones)
        values += [a.postcode for a in self.addresses if a.postcode]
        values += list(self.employers)
        digits = ["".join(c for c in p if c.isdigit()) for p in self.phones]
        values += [d for d in digits if d]
        return Redactor(words=words, values=values, usernames=self.usernames)

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
            "residence": list(dict.fromkeys(a.region_code for a in self.current_addresses)),
            "photo_dirs": len(self.photo_dirs),
            "employers": len(self.employers),
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
        if self.employers:
            data["employers"] = list(self.employers)
        data["addresses"] = [a.to_dict() for a in self.addresses]
        return data

    @classmethod
    def from_profile(cls, data: dict[str, Any], source: str = "profile") -> Subject:
        """Build a Subject from parsed TOML. A wrong value names its key (``birth_year:
        'eighty-five' is not a year``), and for a list its entry (``addresses #2: state…``):
        the person fixing the file by hand must find the line."""
        try:
            with _field("schema_version"):
                version = _integer(data.get("schema_version", PROFILE_VERSION))
            if version > PROFILE_VERSION:
                raise ProfileError(
                    f"schema_version {version} is newer than this lowprofile reads "
                    f"({PROFILE_VERSION}); upgrade lowprofile"
                )
            birth = data.get("birth_year")
            with _field("birth_year"):
                year = None if birth is None else check_birth_year(_integer(birth))
            return cls(
                names=_entries(data, "names", _name_from),
                birth_year=year,
                addresses=_entries(data, "addresses", _address_from),
                phones=_entries(data, "phones", lambda v: check_phone(_text(v))),
                emails=_entries(data, "emails", lambda v: check_email(_text(v).strip())),
                usernames=_entries(data, "usernames", _text),
                photo_dirs=_entries(data, "photo_dirs", lambda v: Path(_text(v)).expanduser()),
                employers=_entries(data, "employers", _text),
            )
        except ProfileError as exc:
            raise ProfileError(
                f"{source}: {exc}", as_typed=f"{source}: {exc.for_terminal}"
            ) from exc


@contextmanager
def _field(key: str) -> Iterator[None]:
    """Any error reading one profile key names that key, so the message is never Python's
    (``invalid literal for int()``) without the line it came from."""
    try:
        yield
    except ProfileError as exc:
        raise ProfileError(f"{key}: {exc}", as_typed=f"{key}: {exc.for_terminal}") from exc
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{key}: {exc}") from exc


T = TypeVar("T")


def _entries(data: dict[str, Any], key: str, read: Callable[[Any], T]) -> tuple[T, ...]:
    """A profile list, each entry read by ``read``; an error names the entry (``emails #2``).
    A lone string where a list belongs is an error, not a list of letters: ``photo_dirs =
    "/home/u/Pictures"`` would otherwise walk ``/``, ``h``, ``o``…"""
    value = data.get(key, [])
    if not isinstance(value, list):
        example = f'{key} = ["{value}"]' if isinstance(value, str) else f"{key} = [...]"
        raise ProfileError(f"{key}: must be a list, e.g. {example}")
    read_all = []
    for number, item in enumerate(value, 1):
        with _field(f"{key} #{number}"):
            read_all.append(read(item))
    return tuple(read_all)


def _integer(value: Any) -> int:
    """A whole number as TOML writes it (``1985``), or as digits in quotes (``"1985"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ProfileError(f"{value!r} is not a whole number")


def _text(value: Any) -> str:
    """Text; a number is read as its digits (``postcode = 78701``), nothing else is text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ProfileError(f"{value!r} is not text (put it in quotes)")


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ProfileError(f"{value!r} is not a number")


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ProfileError(f"{value!r} is not true or false")


def _name_from(item: Any) -> Name:
    if isinstance(item, str):
        return Name.parse(item)
    if not isinstance(item, dict):
        raise ProfileError("each entry is a table or a string")
    kind = str(item.get("kind", "primary"))
    if kind not in ("primary", "alias", "former"):
        raise ProfileError(f"kind: {kind!r} is not primary, alias or former")
    if "full" in item:
        with _field("full"):
            return Name.parse(_text(item["full"]), kind)
    if not item.get("first"):
        raise ProfileError("each name needs first (and last, unless it is one)")
    parts = {}
    for key in ("first", "last", "middle"):
        with _field(key):
            parts[key] = _text(item.get(key, ""))
    return Name(parts["first"], parts["last"], parts["middle"], kind)


_ADDRESS_KEYS: dict[str, Callable[[Any], Any]] = {
    "city": _text,
    "state": _text,
    "street": _text,
    "postcode": _text,
    "country": _text,
    "lat": _number,
    "lon": _number,
    "current": _flag,
}


def _address_from(item: Any) -> Address:
    if not isinstance(item, dict):
        raise ProfileError("each entry is a table")
    unknown = set(item) - set(_ADDRESS_KEYS)
    if unknown:
        raise ProfileError(f"unknown keys {sorted(unknown)}")
    fields = {}
    for key, value in item.items():
        with _field(key):
            fields[key] = _ADDRESS_KEYS[key](value)
    return Address(**fields)


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


def flag_details(
    names: list[str] | None = None,
    *,
    city: str | None = None,
    state: str | None = None,
    postcode: str | None = None,
    country: str | None = None,
    birth_year: int | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    usernames: list[str] | None = None,
    photo_dirs: list[Path] | None = None,
) -> dict[str, Any]:
    """Only the details given as ``scan``/``init`` flags, as Subject fields: the first name is
    primary, the others aliases; city, state, postcode and country make one current address (in
    the US unless ``country`` says otherwise)."""
    fields: dict[str, Any] = {}
    if names:
        fields["names"] = tuple(
            Name.parse(n, "primary" if i == 0 else "alias") for i, n in enumerate(names)
        )
    if city or state or postcode or country:
        place = Address(
            city=city or "", state=state or "", postcode=postcode or "", country=country or "US"
        )
        fields["addresses"] = (place,)
    if birth_year is not None:
        fields["birth_year"] = birth_year
    if emails:
        fields["emails"] = tuple(e.strip() for e in emails)
    if phones:
        fields["phones"] = tuple(phones)
    if usernames:
        fields["usernames"] = tuple(usernames)
    if photo_dirs:
        fields["photo_dirs"] = tuple(p.expanduser() for p in photo_dirs)
    return fields


def with_details(subject: Subject, fields: dict[str, Any]) -> Subject:
    """A profile with flags laid over it, detail by detail: each flag given replaces that detail
    of the profile (an address given replaces the current ones; past addresses stay)."""
    if "addresses" in fields:
        past = tuple(a for a in subject.addresses if not a.current)
        fields = {**fields, "addresses": fields["addresses"] + past}
    return replace(subject, **fields)


def subject_from_flags(names: list[str] | None, **details: Any) -> Subject:
    """The Subject given by ``scan``/``init`` flags alone (the keywords of ``flag_details``)."""
    return Subject(**{"names": (), **flag_details(names, **details)})


def default_person() -> str | None:
    """The person of the default profile, or None where there is none or it does not load: the
    owner of records kept before they had one."""
    from lowprofile.config import default_profile_path

    path = default_profile_path()
    try:
        return load_profile(path).person_id if path.is_file() else None
    except (ProfileError, OSError):
        return None
