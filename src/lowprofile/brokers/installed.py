"""The installed set of broker recipes: what `lowprofile brokers update` put in the data folder.

``<data>/brokers/`` holds one broker file per recipe the update changed, the definitions they
were built from (``definitions/``) and ``manifest.json``: where the set came from (source, ref,
commit when known, the UTC time it was fetched) and, per broker, the definition file and version
it follows and the digest of the shipped file whose facts (opt-out, parent, category) it took.

The shipped files stay the fallback. An installed file is read over the shipped one only while
that shipped file is byte for byte the one it was built on: a newer lowprofile whose shipped
file changed (a recipe proved on a real page, new opt-out steps, a newer definition) wins until
the person runs the update again, so an old download never hides what a release fixed. The
manifest is the only list of what is installed: a file it does not name is not read.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.brokers.evidence import evidence_for
from lowprofile.config import data_dir

MANIFEST = "manifest.json"
DEFINITIONS = "definitions"
_VERSION = re.compile(r"version ([0-9][0-9A-Za-z.\-]*)")


def installed_dir() -> Path:
    """Where `brokers update` installs its set (private, beside the history)."""
    return data_dir() / "brokers"


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes: how a shipped file is recognised again."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class InstalledRecipe:
    """One installed broker file: the definition it follows, and the shipped file it built on."""

    definition: str
    """The definition's file name in the set, e.g. ``fastpeoplesearch.com.json``."""
    version: str
    """The definition's own ``version`` field."""
    shipped: str | None
    """SHA-256 of the shipped file whose facts it took; None for a broker lowprofile does not
    ship (its facts come from the definition alone)."""

    def to_dict(self) -> dict[str, Any]:
        return {"definition": self.definition, "version": self.version, "shipped": self.shipped}


@dataclass(frozen=True)
class Manifest:
    """Where the installed set came from, and what it holds."""

    source: str
    fetched: str
    """UTC time of the update, ISO 8601."""
    ref: str | None = None
    commit: str | None = None
    recipes: dict[str, InstalledRecipe] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The set in one phrase: its ref and commit where known, else where it was read."""
        where = self.ref or (
            self.source if "://" in self.source else Path(self.source).name or self.source
        )
        if self.commit:
            where += f"@{self.commit[:12]}"
        return f"{where} ({self.fetched[:10]})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ref": self.ref,
            "commit": self.commit,
            "fetched": self.fetched,
            "brokers": {k: v.to_dict() for k, v in sorted(self.recipes.items())},
        }


def read_manifest(folder: Path | None = None) -> Manifest | None:
    """The installed set's manifest; None when nothing is installed or it cannot be read (then
    nothing installed is read either: the shipped files answer)."""
    path = (folder or installed_dir()) / MANIFEST
    try:
        raw = json.loads(path.read_text("utf-8"))
        recipes = {
            str(broker_id): InstalledRecipe(
                definition=str(entry["definition"]),
                version=str(entry.get("version") or ""),
                shipped=str(entry["shipped"]) if entry.get("shipped") else None,
            )
            for broker_id, entry in raw.get("brokers", {}).items()
        }
        return Manifest(
            source=str(raw["source"]),
            fetched=str(raw["fetched"]),
            ref=raw.get("ref") or None,
            commit=raw.get("commit") or None,
            recipes=recipes,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class Origin:
    """Which version of a recipe answers: shipped, the installed set, or the person's own file."""

    kind: str
    """``shipped``, ``installed`` or ``yours``."""
    version: str = ""
    """The definition version the recipe follows, where one is known."""
    set: str = ""
    """The installed set's label (ref, commit, date)."""

    @property
    def label(self) -> str:
        """One line for a report or a list: ``installed main@64c442ee31b8 (2026-12-07),
        definition 0.6.0``."""
        head = {"shipped": "shipped", "yours": "your own file"}.get(
            self.kind, f"installed {self.set}"
        )
        return f"{head}, definition {self.version}" if self.version else head

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.kind, "set": self.set or None, "version": self.version or None}


def shipped_origin(broker_id: str) -> Origin:
    """A shipped recipe, with the definition version its evidence names (``based_on``, or for a
    broker its maintainer withdrew, ``withdrawn``: an older set must not bring it back)."""
    backing = evidence_for(broker_id)
    match = _VERSION.search(backing.based_on or backing.withdrawn)
    return Origin("shipped", version=match.group(1) if match else "")


@dataclass
class Overlay:
    """The installed files that may be read over the shipped ones, and those set aside."""

    files: dict[str, Path] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    set_aside: dict[str, str] = field(default_factory=dict)
    """Broker id -> why its installed file is not read."""
    manifest: Manifest | None = None


def overlay(shipped: Path, folder: Path | None = None) -> Overlay:
    """Which installed files to read: those the manifest names whose shipped file is unchanged
    since the update (or which lowprofile does not ship at all)."""
    folder = folder or installed_dir()
    out = Overlay(manifest=read_manifest(folder))
    if out.manifest is None:
        return out
    for broker_id, recipe in sorted(out.manifest.recipes.items()):
        path = folder / f"{broker_id}.toml"
        if not path.is_file():
            continue
        shipped_file = shipped / f"{broker_id}.toml"
        now = digest(shipped_file) if shipped_file.is_file() else None
        if now != recipe.shipped:
            out.set_aside[broker_id] = (
                "the shipped file changed since the update (a newer lowprofile): the shipped "
                "recipe answers; run `lowprofile brokers update` again"
            )
            continue
        out.files[broker_id] = path
        out.origins[broker_id] = Origin("installed", recipe.version, out.manifest.label)
    return out


def version_key(version: str) -> tuple[int, ...] | None:
    """``0.6.0`` as (0, 6, 0) to compare; None for a version that is not dotted numbers."""
    parts = version.split(".")
    if not version or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def compare_versions(a: str, b: str) -> int | None:
    """-1, 0 or 1 as ``a`` is older than, equal to or newer than ``b``; None when unknown."""
    ka, kb = version_key(a), version_key(b)
    if ka is None or kb is None:
        return None
    return (ka > kb) - (ka < kb)


def recipe_summary(broker_id: str, origin: Origin | None) -> str:
    """What backs the recipe that answered, for a result's detail: the shipped evidence (a
    real page, or the definition it follows), or the installed set it came from."""
    if origin is None or origin.kind == "shipped":
        return evidence_for(broker_id).summary
    if origin.kind == "installed":
        return f"follows the installed set {origin.set}, definition {origin.version or '?'}"
    return "your own broker file"


def compare_with_shipped(shipped: Path, folder: Path | None = None) -> list[dict[str, Any]]:
    """Per installed recipe: its definition version against the one the shipped file follows,
    and whether it is read (``brokers doctor``). Empty when nothing is installed."""
    layer = overlay(shipped, folder)
    if layer.manifest is None:
        return []
    rows: list[dict[str, Any]] = []
    for broker_id, recipe in sorted(layer.manifest.recipes.items()):
        is_shipped = (shipped / f"{broker_id}.toml").is_file()
        theirs = shipped_origin(broker_id).version if is_shipped else ""
        order = compare_versions(recipe.version, theirs)
        if not is_shipped:
            state = "not shipped"
        elif not theirs:
            state = "shipped follows no definition version"
        elif order is None:
            state = "version not comparable"
        else:
            state = ("older than shipped", "same version", "newer than shipped")[order + 1]
        rows.append(
            {
                "id": broker_id,
                "installed": recipe.version or None,
                "shipped": theirs or None,
                "state": state,
                "in_use": broker_id in layer.files,
                "note": layer.set_aside.get(broker_id, ""),
                "set": layer.manifest.label,
            }
        )
    return rows
