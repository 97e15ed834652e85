"""The household report: everyone's scan, and the member listings that expose the user.

It holds each person's own assessed report unchanged (each saved in that person's history)
and adds only what needs the whole household to see: the links to the user. The JSON form is
these reports as the single-person JSON writes them, side by side, with the links beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.household.links import Link
from lowprofile.results import ScanReport

HOUSEHOLD_VERSION = 1


@dataclass
class Scanned:
    """One person's part of a household scan."""

    name: str
    """``you``, or the member's name in the household file."""
    person: str
    """``Subject.person_id``: whose history, ledger and evidence the scan went to."""
    report: ScanReport
    scan_id: int | None = None
    """The scan's id in the person's history, when it was saved."""
    profile: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "person": self.person,
            "scan_id": self.scan_id,
            "report": self.report.to_dict(),
        }


@dataclass
class HouseholdReport:
    """The user's scan, each member's, and the links to the user among the members'
    listings."""

    you: Scanned
    members: list[Scanned]
    links: list[Link] = field(default_factory=list)

    @property
    def everyone(self) -> list[Scanned]:
        return [self.you, *self.members]

    def to_dict(self) -> dict[str, Any]:
        return {
            "household_version": HOUSEHOLD_VERSION,
            "you": self.you.to_dict(),
            "members": [m.to_dict() for m in self.members],
            "links_to_you": [link.to_dict() for link in self.links],
        }
