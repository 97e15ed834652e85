"""Finding and loading broker files: the shipped set, then the user's own in ``<config>/brokers``.

A user's file with the same id replaces the shipped one (a quick fix for a site that moved before
a release catches up). A file that does not validate is reported and left out; the others load,
so one bad file never stops a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.config import config_dir
from lowprofile.resources import shipped_brokers_dir


def user_brokers_dir() -> Path:
    return config_dir() / "brokers"


@dataclass
class BrokerSet:
    brokers: dict[str, Broker] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def broker_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def load_brokers(extra_dirs: list[Path] | None = None) -> BrokerSet:
    """Shipped brokers, then user ones (overriding by id); problems collected, never raised."""
    result = BrokerSet()
    for folder in [shipped_brokers_dir(), user_brokers_dir(), *(extra_dirs or [])]:
        for path in broker_files(folder):
            broker, problems = check_broker_file(path)
            result.problems += problems
            if broker is not None:
                result.brokers[broker.id] = broker
    return result


def validate_files(paths: list[Path]) -> list[str]:
    """Every problem in these files (or folders of them), as ``file:key: message`` lines."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for file in broker_files(path) if path.is_dir() else [path]:
            broker, found = check_broker_file(file)
            problems += found
            if broker is not None:
                if broker.id in seen and seen[broker.id] != file:
                    problems.append(f"{file}:id: {broker.id!r} is also used by {seen[broker.id]}")
                seen[broker.id] = file
    return problems
