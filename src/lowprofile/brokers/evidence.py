"""What backs a shipped broker recipe: a real page it was proved on, or a maintained definition.

"Found" and "not found" are only worth what the recipe behind them is worth, so the two kinds of
backing are kept apart and never confused: ``verified`` is the date of the newest real page (kept
as a test fixture with its origin) the recipe was proved on; ``based_on`` names the maintained
definition it follows. The data is ``evidence.toml`` beside this module (written by
``tools/make_brokers.py`` and by hand with each capture) until the broker file format carries it.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from lowprofile.resources import shipped_brokers_dir


@dataclass(frozen=True)
class Evidence:
    verified: date | None = None
    """Newest real page the recipe was proved on."""
    based_on: str = ""
    """The maintained definition the recipe follows."""
    capture: str = ""
    """Folder of the real pages (in the source tree's tests)."""
    withdrawn: str = ""
    """The maintained definition that withdrew the broker, for a recipe left manual by it."""

    @property
    def summary(self) -> str:
        """One line for people: which kind of backing, never blurred into the other."""
        parts = []
        if self.verified:
            parts.append(f"proved on a real page of {self.verified.isoformat()}")
        if self.based_on:
            parts.append(f"follows {self.based_on}")
        return "; ".join(parts) or "no evidence"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified_on": self.verified.isoformat() if self.verified else None,
            "based_on": self.based_on or None,
        }


@functools.cache
def _table() -> dict[str, Evidence]:
    raw = resources.files("lowprofile.brokers").joinpath("evidence.toml").read_text("utf-8")
    out: dict[str, Evidence] = {}
    for broker_id, entry in tomllib.loads(raw).items():
        verified = entry.get("verified")
        out[broker_id] = Evidence(
            verified=verified if isinstance(verified, date) else None,
            based_on=str(entry.get("based_on", "")),
            capture=str(entry.get("capture", "")),
            withdrawn=str(entry.get("withdrawn", "")),
        )
    return out


def evidence_for(broker_id: str) -> Evidence:
    """The backing of a shipped recipe; an empty Evidence for any other id."""
    return _table().get(broker_id, Evidence())


def all_evidence() -> dict[str, Evidence]:
    return dict(_table())


def evidence_of(broker: Any) -> Evidence:
    """The backing of this broker file: only a shipped file has any (a user's own file with the
    same id replaces the shipped recipe, and what backed that one says nothing about it)."""
    try:
        shipped = Path(broker.source).resolve().parent == shipped_brokers_dir().resolve()
    except (OSError, FileNotFoundError):
        shipped = False
    return evidence_for(broker.id) if shipped else Evidence()
