"""The registry catalogue: every registered data broker we can ask to delete, kept as data.

A catalogue is what an import of a state registry leaves behind, reduced to what a deletion
request needs (who, where to write, whether an agent may write for you, what they hold). It lives
in ``<data>/registry/catalogue.json`` (mode 0600) once the user has run ``registry update``;
before that, the copy shipped inside the package is used, so a fresh install can already send
requests. The file carries a ``schema_version`` so a later layout can migrate older files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from lowprofile.config import data_dir
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.registry.errors import RegistryError

SCHEMA_VERSION = 1
SHIPPED_NAME = "ca-registry-2025.json"


@dataclass(frozen=True)
class RegistryEntry:
    """One registered data broker, as its registration describes it.

    ``emails`` are the addresses the broker gave the registry (the first is where requests go);
    ``accepts_agents`` is None when the registry file does not say. ``line`` is where the row began
    in the imported file, for messages.
    """

    id: str
    name: str
    dba: str = ""
    websites: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    optout_url: str = ""
    accepts_agents: bool | None = None
    categories: tuple[str, ...] = ()
    country: str = ""
    line: int = 0

    @property
    def label(self) -> str:
        """The name people know: the trading name when there is one."""
        return f"{self.dba} ({self.name})" if self.dba and self.dba != self.name else self.name

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def method(self) -> str:
        """``email`` when a request can be written to someone, else ``web form``."""
        return "email" if self.emails else "web form"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryEntry:
        tuples = {"websites", "domains", "emails", "categories"}
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {
            k: (tuple(v) if k in tuples else v) for k, v in data.items() if k in known
        }
        return cls(**values)


@dataclass
class Catalogue:
    """The entries of one import, where they came from, and the rows that were skipped."""

    entries: list[RegistryEntry] = field(default_factory=list)
    source: str = ""
    imported: str = ""
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema_version": SCHEMA_VERSION,
                "source": self.source,
                "imported": self.imported,
                "problems": self.problems,
                "entries": [e.to_dict() for e in self.entries],
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> Catalogue:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
                raise ValueError(f"schema_version {data.get('schema_version')!r} is not 1")
            return cls(
                entries=[RegistryEntry.from_dict(e) for e in data["entries"]],
                source=str(data.get("source", "")),
                imported=str(data.get("imported", "")),
                problems=[str(p) for p in data.get("problems", [])],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RegistryError(f"{where}: not a registry catalogue ({exc})") from exc


def registry_dir() -> Path:
    """``<data>/registry``, created 0700 with the data folder itself (not left to the umask)."""
    ensure_private_dir(data_dir())
    return ensure_private_dir(data_dir() / "registry")


def catalogue_path() -> Path:
    return data_dir() / "registry" / "catalogue.json"


def shipped_catalogue_path() -> Path:
    return Path(str(resources.files("lowprofile.registry") / "data" / SHIPPED_NAME))


def save_catalogue(catalogue: Catalogue, path: Path | None = None) -> Path:
    """Write atomically (0600), re-reading the new file before it replaces the old one."""
    target = path or catalogue_path()
    if path is None:
        registry_dir()
    ensure_private_dir(target.parent)

    def verify(tmp: Path) -> None:
        again = Catalogue.from_json(tmp.read_text(encoding="utf-8"), str(tmp))
        if len(again.entries) != len(catalogue.entries):
            raise RegistryError(f"{target}: the new catalogue did not read back whole")

    return write_private(target, catalogue.to_json(), verify=verify)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The user's imported catalogue, else the shipped one."""
    for candidate in [path] if path else [catalogue_path(), shipped_catalogue_path()]:
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except OSError as exc:
                raise RegistryError(f"{candidate}: {exc.strerror}") from exc
            return Catalogue.from_json(text, str(candidate))
    raise RegistryError(
        "no registry catalogue: run `lowprofile registry update FILE` with the registry CSV"
    )
