"""Each site's own browser profile (cookies and storage) under ``<data>/browser/``.

A challenge passed once stays passed: the site's cookies are kept between scans, one file per
site so no site ever sees another's, in a folder only the user can read (0700, files 0600).
``lowprofile browser reset [SITE]`` forgets them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lowprofile.config import data_dir
from lowprofile.files import ensure_private_dir, write_private

_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def profiles_dir() -> Path:
    return data_dir() / "browser"


def site_key(site: str) -> str:
    """A file name for a site (its host): lower case, nothing that could leave the folder."""
    key = _UNSAFE.sub("_", site.lower()).strip("._")
    return key or "_"


def profile_path(site: str, folder: Path | None = None) -> Path:
    return (folder or profiles_dir()) / f"{site_key(site)}.json"


def load_profile(site: str, folder: Path | None = None) -> dict[str, Any] | None:
    """The stored state for ``site``, or None (none yet, or unreadable: start afresh)."""
    path = profile_path(site, folder)
    try:
        state = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def save_profile(site: str, state: dict[str, Any], folder: Path | None = None) -> None:
    ensure_private_dir(folder or profiles_dir())
    write_private(profile_path(site, folder), json.dumps(state))


def reset_profiles(site: str | None = None, folder: Path | None = None) -> list[str]:
    """Forget one site's profile, or all of them; the sites forgotten."""
    root = folder or profiles_dir()
    if not root.is_dir():
        return []
    paths = [profile_path(site, root)] if site else sorted(root.glob("*.json"))
    forgotten = []
    for path in paths:
        if path.is_file():
            path.unlink()
            forgotten.append(path.stem)
    return forgotten
