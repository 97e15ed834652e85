"""Finding and loading broker files: the shipped set, the installed set, the user's own.

The order is the shipped files, then the set `lowprofile brokers update` installed in the data
folder (``brokers.installed``: only where the shipped file is still the one it was built on),
then the user's own in ``<config>/brokers``. A user's file with the same id replaces either (a
quick fix for a site that moved before a release or an update catches up). A file that does not
validate is reported and left out; the others load, so one bad file never stops a scan.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from lowprofile import __version__
from lowprofile.brokers.installed import Origin, overlay, shipped_origin
from lowprofile.brokers.schema import Broker, broker_schema, check_broker_file, loopback_setting
from lowprofile.config import config_dir, data_dir
from lowprofile.files import write_private
from lowprofile.resources import shipped_brokers_dir


def user_brokers_dir() -> Path:
    return config_dir() / "brokers"


@dataclass
class BrokerSet:
    brokers: dict[str, Broker] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    """Broker id -> which version of its recipe answers (shipped, installed set, yours)."""
    set_aside: dict[str, str] = field(default_factory=dict)
    """Installed recipes not read, with why (``brokers doctor`` says so)."""


def broker_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


class ValidatedCache:
    """Digests of broker files that passed validation, kept between scans in the data folder.

    Checking 110 files against the JSON Schema (and importing jsonschema) was most of the time
    before a scan's first request; a file whose bytes, rules (the schema, this version, the
    loopback opt-in) and all are unchanged passed last time and passes now. Only digests are
    kept, never a broker itself: the data still comes from the file as it is now.
    """

    def __init__(self, path: Path | None = None, *, allow_loopback: bool) -> None:
        self.path = path or data_dir() / "cache" / "brokers-validated.json"
        self._rules = hashlib.sha256(
            json.dumps(broker_schema(), sort_keys=True).encode()
            + f"{__version__}:{allow_loopback}".encode()
        ).hexdigest()
        self.known = self._read()
        self.passed: set[str] = set()
        self._last = ""

    def _read(self) -> set[str]:
        try:
            stored = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return set()
        if not isinstance(stored, dict) or stored.get("rules") != self._rules:
            return set()
        return {d for d in stored.get("files", []) if isinstance(d, str)}

    def seen(self, raw: bytes) -> bool:
        """Did these bytes pass before? (Remembered for ``keep``, so what is kept is exactly
        what was checked, even if the file changes meanwhile.)"""
        self._last = hashlib.sha256(raw).hexdigest()
        return self._last in self.known

    def keep(self) -> None:
        """The file last asked about is valid."""
        self.passed.add(self._last)

    def save(self) -> None:
        """Write the digests of this load's valid files, if they changed; a cache that cannot
        be written only costs the next scan its validation time."""
        if self.passed == self.known:
            return
        text = json.dumps({"rules": self._rules, "files": sorted(self.passed)})
        try:
            write_private(self.path, text)
        except OSError:
            return


def load_brokers(
    extra_dirs: list[Path] | None = None, *, allow_loopback: bool | None = None
) -> BrokerSet:
    """Shipped brokers, then user ones (overriding by id); problems collected, never raised.
    ``allow_loopback``: the setting, from a caller that has the settings (a scan reads no config
    file); None reads it here."""
    result = BrokerSet()
    loopback = loopback_setting(allow_loopback)
    cache = ValidatedCache(allow_loopback=loopback)
    shipped = shipped_brokers_dir()
    installed = overlay(shipped)
    result.set_aside = installed.set_aside
    sources: list[tuple[list[Path], str]] = [
        (broker_files(shipped), "shipped"),
        (list(installed.files.values()), "installed"),
        *((broker_files(folder), "yours") for folder in [user_brokers_dir(), *(extra_dirs or [])]),
    ]
    for paths, kind in sources:
        for path in paths:
            broker, problems = check_broker_file(path, cache.seen, allow_loopback=loopback)
            result.problems += problems
            if broker is not None and not problems:
                cache.keep()
            if broker is not None:
                result.brokers[broker.id] = broker
                result.origins[broker.id] = (
                    shipped_origin(broker.id)
                    if kind == "shipped"
                    else installed.origins.get(broker.id, Origin(kind))
                )
    cache.save()
    result.brokers, links = link_brokers(result.brokers)
    result.problems += links
    return result


def link_brokers(brokers: dict[str, Broker]) -> tuple[dict[str, Broker], list[str]]:
    """Apply ``covered_by`` and ``mirrors`` across files: a site covered by another's opt-out
    joins that opt-out's group in the plan; a site that is another's mirror is not searched
    again. A ``covered_by`` naming no broker is a problem of its file."""
    problems: list[str] = []
    mirror_of = {
        domain.lower(): broker
        for broker in brokers.values()
        if broker.automatic
        for domain in broker.mirrors
    }
    by_domain = {broker.domain.lower(): broker for broker in brokers.values()}
    linked: dict[str, Broker] = {}
    for broker in brokers.values():
        named = broker.covered_by
        covering = brokers.get(named) or by_domain.get(named.lower()) if named else None
        if broker.covered_by and covering is None:
            problems.append(f"{broker.source}:covered_by: no broker {broker.covered_by!r}")
        host = mirror_of.get(broker.domain.lower())
        if host is not None and host.id != broker.id:
            broker = replace(broker, searched_as=host.id)
            covering = covering or host
        if covering is not None and covering.id != broker.id:
            broker = replace(broker, optout_group=covering.parent or covering.name)
        linked[broker.id] = broker
    return linked, problems


def validate_files(paths: list[Path]) -> list[str]:
    """Every problem in these files (or folders of them), as ``file:key: message`` lines."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    valid: dict[str, Broker] = {}
    for path in paths:
        for file in broker_files(path) if path.is_dir() else [path]:
            broker, found = check_broker_file(file)
            problems += found
            if broker is not None:
                if broker.id in seen and seen[broker.id] != file:
                    problems.append(f"{file}:id: {broker.id!r} is also used by {seen[broker.id]}")
                seen[broker.id] = file
                valid[broker.id] = broker
    if len(seen) > 1:  # links between files only mean something across a set of them
        problems += link_brokers(valid)[1]
    return problems
