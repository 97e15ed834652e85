"""The folders under ``<data>/evidence/``: which one an id names, and which ones nothing owns.

A scan's evidence is written to ``scan-<stamp>`` while the scan runs and takes the scan's history
id (``12``) once it is saved; an opt-out run writes ``optout-<stamp>``, which its ledger events
name. ``history list`` shows the first kind of id and ``optout status`` the second, so both are
accepted as they are shown (the stamp's capital ``T`` and ``Z`` included).

Evidence is the person's data: a scan they pruned, a scan never saved (``--no-save``, or a save
that failed) and an opt-out run no ledger event names must not leave pages and screenshots
behind. ``remove_orphans`` deletes those; a folder written in the last hour is spared, since a
scan or opt-out run may still be writing it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lowprofile.browser.evidence import EvidenceError, evidence_root

STAMPED = re.compile(r"(scan|optout|review)-[0-9]{8}T[0-9]{6,12}Z\Z")
"""A folder named by the time its scan, run or review sitting started
(``optout-20261206T182410Z``)."""
KEPT_BY_PERSON = "review-"
"""A review sitting's evidence backs the person's own hand answers, which name no folder:
it is theirs to keep (or delete), never an orphan."""
SCAN_ID = re.compile(r"(?:scan\s+)?([0-9]{1,18})\Z", re.I)
"""A history id as typed, or as the ledger shows it (``scan 12``)."""
NUMBERED = re.compile(r"[0-9]{1,18}\Z")
"""A folder named by its scan's history id."""
GRACE = timedelta(hours=1)
"""How recently written a folder must be to be spared as still in use by a running scan."""


def scan_folder(ref: str) -> Path:
    """The evidence folder ``ref`` names: a history id (``12``, ``scan 12``), a folder name
    (``optout-20261206T182410Z``), or a path inside the evidence folder as ``optout status``
    shows it. EvidenceError when ``ref`` is none of these or names no evidence."""
    root = evidence_root()
    text = ref.strip()
    number = SCAN_ID.match(text)
    if number:
        name = str(int(number[1]))
    elif STAMPED.match(text):
        name = text
    else:
        name = _inside(root, Path(text).expanduser()) or ""
    if not name:
        raise EvidenceError(
            f"{ref!r} names no evidence: give a scan id (history list) or an evidence folder "
            "(optout status)"
        )
    folder = root / name
    if folder.is_symlink() or not folder.is_dir():
        raise EvidenceError(f"no evidence for {ref} (looked in {folder})")
    return folder


def _inside(root: Path, path: Path) -> str | None:
    """The top folder under ``root`` that ``path`` lies in, if it does and has a kept name."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except (ValueError, OSError):
        return None
    if not parts or not (NUMBERED.match(parts[0]) or STAMPED.match(parts[0])):
        return None
    return parts[0]


@dataclass
class Removed:
    """What ``remove_orphans`` did: folders deleted, and orphans spared as maybe in use."""

    deleted: int = 0
    recent: int = 0


def remove_orphans(
    scans: Iterable[int], referenced: Iterable[str], now: datetime | None = None
) -> Removed:
    """Delete every evidence folder nothing owns any more: a numbered one whose scan is not in
    ``scans`` (the history's ids), a ``scan-<stamp>`` one (its scan was never saved), and an
    ``optout-<stamp>`` one that no text in ``referenced`` (the ledger events' evidence) names.
    Links and folders with other names are not ours and stay; so does an orphan written within
    ``GRACE`` of ``now``."""
    root = evidence_root()
    kept = {str(scan) for scan in scans}
    named = {part for text in referenced if text for part in Path(text).parts}
    removed = Removed()
    if not root.is_dir():
        return removed
    limit = (now or datetime.now(UTC)) - GRACE
    for folder in sorted(root.iterdir()):
        name = folder.name
        if folder.is_symlink() or not folder.is_dir() or name in kept or name in named:
            continue
        if (not NUMBERED.match(name) and not STAMPED.match(name)) or name.startswith(
            KEPT_BY_PERSON
        ):
            continue
        if _last_written(folder) > limit:
            removed.recent += 1
            continue
        shutil.rmtree(folder)
        removed.deleted += 1
    return removed


def _last_written(folder: Path) -> datetime:
    """When ``folder`` or a broker folder in it last changed (a page added, a folder made)."""
    times = [folder.lstat().st_mtime]
    times += [p.lstat().st_mtime for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    return datetime.fromtimestamp(max(times), UTC)


def pruned_folders(scans: Iterable[int]) -> int:
    """Delete the folders of scans just pruned, however recent: the person asked for it."""
    removed = 0
    for scan in scans:
        folder = evidence_root() / str(scan)
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
            removed += 1
    return removed
