"""A site list checked once per version, not once per run.

Checking WhatsMyName's 700 sites against their JSON Schema and our own rules costs more than
half a second (and the import of jsonschema), at every start of ``usernames check`` for a list
that has not changed since the last one. So the outcome of a check is kept in the data folder
under a key made of everything it depends on: the exact bytes of the list and of the schema,
the path (which the outcome's messages name), whether loopback sites were allowed, and the
form of a kept site. Any change to one of them misses and the list is checked in full again.

Only lists that passed are kept. The kept file is in the person's own data folder (0600, like
the history), and what a site may reach is still decided at every request by the fence
(``fetch.fence``), whatever a kept list says. A kept file that cannot be read, or does not
hold what it should, is a miss, never an error: the list is then checked as if new.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from lowprofile.config import data_dir
from lowprofile.files import write_private

log = logging.getLogger(__name__)

FORM = 1
"""Bumped when what is kept changes meaning (a rule in ``sites.site_from_entry`` tightened)."""


def checked_key(*parts: bytes | str) -> str:
    """One key over everything a check depends on; each part is framed by its length so that
    two different splits of the same bytes cannot give the same key."""
    digest = hashlib.sha256(f"lowprofile-sites-{FORM}".encode())
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


def _kept_path(path: Path) -> Path:
    """One kept file per list path: a new version of a list replaces the old one's."""
    name = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:32]
    return data_dir() / "cache" / "usernames" / f"{name}.json"


def recall(path: Path, key: str) -> dict[str, Any] | None:
    """What the check of ``path`` gave under ``key``, or None (never checked, or changed)."""
    try:
        kept = json.loads(_kept_path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("key") != key:
        return None
    outcome = kept.get("outcome")
    return outcome if isinstance(outcome, dict) else None


def remember(path: Path, key: str, outcome: dict[str, Any]) -> None:
    """Keep a passed check; a data folder that cannot be written only costs the next run the
    same check again."""
    try:
        text = json.dumps({"key": key, "outcome": outcome}, ensure_ascii=False)
        write_private(_kept_path(path), text)
    except OSError as exc:
        log.debug("the checked site list is not kept: %s", exc)
