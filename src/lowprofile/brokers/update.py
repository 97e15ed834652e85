"""`lowprofile brokers update`: a newer set of maintained definitions, turned into recipes.

Each definition in the set is rebuilt by the importer (``brokers.importer.build_one``) into a
broker file. The recipe (search, parse, canary, mirrors) comes from the definition; the facts a
definition does not hold (opt-out URL, method, requires, days, parent company, category, opt-out
steps) come from the shipped file of the same site, since a person has no facts table. A site
lowprofile does not ship takes what its definition says alone.

Then, per broker, one of:

* ``install``: the recipe differs from the shipped one; the file passed ``check_broker_file``.
* ``refused``: the resulting file does not validate (``file:key: message``) or the definition is
  not one; that broker keeps its shipped recipe, the rest install.
* ``kept``: the shipped recipe is proved on a real page (``verified = true``) and the set would
  change it, or it follows a newer definition than the set's: the shipped one stays, and why.
* ``unchanged``: the set says what the shipped file already says; nothing is written.
* ``skipped``: no opt-out page anywhere, so no broker file (as the importer does).

Everything is written to a private folder beside the installed one, then swapped in whole: a
crash leaves the old set or the new one, never a mix, and the shipped files answer meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from lowprofile.brokers import importer
from lowprofile.brokers.import_optout import MARK, translate
from lowprofile.brokers.installed import (
    DEFINITIONS,
    MANIFEST,
    InstalledRecipe,
    Manifest,
    compare_versions,
    digest,
    installed_dir,
    overlay,
    shipped_origin,
)
from lowprofile.brokers.loader import broker_files
from lowprofile.brokers.schema import check_broker_file
from lowprofile.brokers.sets import DefinitionSet, SetError
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.safe_text import json_from_outside

RECIPE_KEYS = ("search", "parse", "canary", "mirrors")
"""What a definition decides in a broker file; every other key is a fact of the shipped file."""
DIFFED_KEYS = ("search", "parse", "mirrors")
"""What a person is shown changing (the canary is the same common name everywhere), with the
opt-out steps a maintained flow gives (``optout.steps``)."""


@dataclass(frozen=True)
class Change:
    """What the update does with one broker, and the lines that say why or what changes."""

    broker: str
    action: str
    """install, refused, kept, unchanged or skipped (the module docstring says when)."""
    definition: str
    version: str = ""
    lines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.broker,
            "action": self.action,
            "definition": self.definition,
            "version": self.version or None,
            "lines": list(self.lines),
        }


@dataclass
class UpdatePlan:
    """The staged set: its manifest, one change per definition, the folder it waits in."""

    manifest: Manifest
    staging: Path
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(c.action == action for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.manifest.to_dict().items() if k != "brokers"},
            "changes": [c.to_dict() for c in self.changes],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class _Shipped:
    path: Path
    data: dict[str, Any]


def _shipped_by_domain(shipped: Path) -> dict[str, _Shipped]:
    out: dict[str, _Shipped] = {}
    for path in broker_files(shipped):
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # the loader reports a broken shipped file; here it just has no facts
        if isinstance(data.get("domain"), str):
            out[data["domain"].lower()] = _Shipped(path, data)
    return out


def _fact_row(data: dict[str, Any]) -> dict[str, str]:
    """A shipped file's facts in the importer's facts-table terms (it reads nothing else)."""
    optout = data.get("optout", {})
    return {
        "name": str(data.get("name", "")),
        "optout_url": str(optout.get("url", "")),
        "optout_method": str(optout.get("method", "")),
        "parent_company": str(data.get("parent", "")),
        "category": str(data.get("category", "")),
    }


def _flat(data: dict[str, Any]) -> dict[str, str]:
    """The recipe's leaves as dotted keys (``parse.fields.age.selectors``) and JSON values."""
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        else:
            out[prefix] = json.dumps(value, ensure_ascii=False)

    for key in DIFFED_KEYS:
        if key in data:
            walk(key, data[key])
    for number, step in enumerate(data.get("optout", {}).get("steps", ()), 1):
        walk(f"optout.steps #{number}", step)
    return out


def recipe_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One ``key: old -> new`` line per recipe value that differs, in a stable order."""
    a, b = _flat(old), _flat(new)
    return [
        f"{key}: {a.get(key, '(none)')} -> {b.get(key, '(none)')}"
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


def merged(shipped: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """The shipped file with the built recipe in place of its own: facts from one, recipe from
    the other. A manual recipe has no parse rules; an automatic one keeps the shipped canary
    when the build gives none. Manual in both stays the shipped file: its prefilled link comes
    from the team's facts, which know the site's URL better than a withdrawn definition."""
    if built.get("search", {}).get("mode") == shipped.get("search", {}).get("mode") == "manual":
        return shipped
    out = {k: v for k, v in shipped.items() if k not in RECIPE_KEYS}
    for key in RECIPE_KEYS:
        if key in built:
            out[key] = built[key]
    if built.get("search", {}).get("mode") == "auto" and "canary" in shipped:
        out.setdefault("canary", shipped["canary"])
    out["verified"] = False  # an update never proves anything
    return out


def with_flow(data: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the opt-out steps of ``definition``'s flow, for a shipped file whose steps
    were translated from a definition (never steps written by hand): a newer flow replaces
    them; one that gained a gap, or a withdrawn definition, leaves no steps to play."""
    flow = translate(definition)
    optout = {k: v for k, v in data.get("optout", {}).items() if k != "steps"}
    if flow.steps and not flow.gaps and not definition.get("removedAt"):
        optout["steps"] = flow.steps
    return {**data, "optout": optout}


def _file_text(header: list[str], data: dict[str, Any], label: str, shipped: bool) -> str:
    facts = "the shipped file" if shipped else "the definition alone (lowprofile ships no file)"
    comments = [
        *header,
        f"# Installed by `lowprofile brokers update` from {label}; facts from {facts}.",
    ]
    lines = [line for c in comments for line in textwrap.wrap(c, 99, subsequent_indent="# ")]
    return "\n".join(lines) + "\n" + tomli_w.dumps(data)


def _read_definitions(
    defs: DefinitionSet, staging: Path
) -> tuple[dict[str, importer.Definition], dict[str, str], list[Change]]:
    """Each file as the importer reads it, kept in the staged set; a file that is not a
    definition is refused on its own."""
    found: dict[str, importer.Definition] = {}
    names: dict[str, str] = {}
    refused: list[Change] = []
    folder = ensure_private_dir(staging / DEFINITIONS)
    for name, raw in sorted(defs.files.items()):
        stem = name.removesuffix(".json")
        if "fake" in stem:
            continue  # DuckDuckGo's own test brokers (the importer leaves them out too)
        try:
            data = json_from_outside(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            definition = importer.read_definition(data, stem)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            refused.append(Change(stem, "refused", name, lines=(f"{name}:-: {exc}",)))
            continue
        write_private(folder / name, raw)
        found[definition.domain] = definition
        names[definition.domain] = name
    return found, names, refused


def prepare(
    defs: DefinitionSet, staging: Path, shipped: Path, *, allow_loopback: bool
) -> UpdatePlan:
    """Build, check and stage every broker file of the set; nothing installed yet."""
    manifest = Manifest(
        source=defs.source,
        fetched=datetime.now(UTC).replace(microsecond=0).isoformat(),
        ref=defs.ref,
        commit=defs.commit,
    )
    plan = UpdatePlan(manifest, staging, notes=list(defs.notes))
    definitions, names, refused = _read_definitions(defs, staging)
    plan.changes += refused
    ships = _shipped_by_domain(shipped)
    facts = {domain: _fact_row(s.data) for domain, s in ships.items()}
    current = overlay(shipped)
    set_name = f"the definition set {manifest.label}"
    for domain in sorted(set(definitions) - set(importer.MERGED)):
        definition, name, ship = definitions[domain], names[domain], ships.get(domain)
        broker_id = str(ship.data["id"]) if ship else importer.broker_id(domain)
        try:
            built = importer.build_one(
                domain, definition, facts.get(domain, {}), facts, definitions, set_name
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A shape the importer did not expect: this definition only, never the set.
            line = f"{name}:-: the importer cannot read it: {exc.__class__.__name__}: {exc}"
            plan.changes.append(Change(broker_id, "refused", name, definition.version, (line,)))
            continue
        if built is None:
            reason = "no https opt-out page in the definition or a shipped file"
            plan.changes.append(Change(broker_id, "skipped", name, definition.version, (reason,)))
            continue
        new = merged(ship.data, built.data) if ship else built.data
        if ship and MARK in ship.path.read_text("utf-8"):
            new = with_flow(new, json.loads(defs.files[name]))
        before, installed_now = _in_use(current.files.get(broker_id), ship)
        change = _judge(broker_id, name, definition.version, ship, new, before, installed_now)
        if change.action == "install":
            change = _stage(change, staging, new, built.header, manifest, ship, allow_loopback)
        plan.changes.append(change)
    return plan


def _in_use(installed: Path | None, ship: _Shipped | None) -> tuple[dict[str, Any], bool]:
    """The recipe in use now, and whether it is an installed one (an installed file that no
    longer reads as TOML is not: the loader would report it and read the shipped one)."""
    if installed is not None:
        try:
            return tomllib.loads(installed.read_text("utf-8")), True
        except (OSError, ValueError):
            pass
    return (ship.data if ship else {}), False


def _judge(
    broker_id: str,
    name: str,
    version: str,
    ship: _Shipped | None,
    new: dict[str, Any],
    before: dict[str, Any],
    installed_now: bool,
) -> Change:
    """install, kept or unchanged, before any file is written. ``before``: the recipe in use
    now (``installed_now``: an installed one), which the printed changes start from."""
    against_shipped = recipe_diff(ship.data, new) if ship else ["new broker"]
    if ship and ship.data.get("verified") is True:
        if not against_shipped:
            return Change(broker_id, "unchanged", name, version)
        why = "kept: proved on a real page (verified = true); the set would change"
        return Change(broker_id, "kept", name, version, (why, *against_shipped))
    shipped_version = shipped_origin(broker_id).version if ship else ""
    if compare_versions(version, shipped_version) == -1:
        why = (
            f"kept: the shipped recipe follows definition {shipped_version}, "
            f"newer than this set's {version}"
        )
        return Change(broker_id, "kept", name, version, (why,))
    if not against_shipped:
        # Said only when the recipe in use now is an installed one that this set takes back.
        back = ("back to the shipped recipe",) if installed_now else ()
        return Change(broker_id, "unchanged", name, version, back)
    lines = recipe_diff(before, new) if before else ["new broker: facts from its definition"]
    return Change(broker_id, "install", name, version, tuple(lines))


def _stage(
    change: Change,
    staging: Path,
    data: dict[str, Any],
    header: list[str],
    manifest: Manifest,
    ship: _Shipped | None,
    allow_loopback: bool,
) -> Change:
    """Write the file into the staged set and check it as the loader will; a file that fails
    is removed again and the change becomes ``refused`` with each problem."""
    path = staging / f"{change.broker}.toml"
    write_private(path, _file_text(header, data, manifest.label, ship is not None))
    broker, problems = check_broker_file(path, allow_loopback=allow_loopback)
    if problems or broker is None:
        path.unlink()
        lines = tuple(p.replace(str(path), change.definition, 1) for p in problems)
        return Change(change.broker, "refused", change.definition, change.version, lines)
    shipped_digest = digest(ship.path) if ship else None
    manifest.recipes[change.broker] = InstalledRecipe(
        change.definition, change.version, shipped_digest
    )
    return change


def staging_dir() -> Path:
    """A new private folder beside the installed set (same file system: the swap is a rename)."""
    parent = ensure_private_dir(installed_dir().parent)
    return Path(tempfile.mkdtemp(prefix=".brokers-new-", dir=parent))


def install(plan: UpdatePlan) -> Path:
    """Write the manifest and swap the staged set in for the installed one."""
    write_private(plan.staging / MANIFEST, json.dumps(plan.manifest.to_dict(), indent=2))
    target = installed_dir()
    old = target.with_name(f".brokers-old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(plan.staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def run(
    defs: DefinitionSet, shipped: Path, *, allow_loopback: bool, dry_run: bool
) -> tuple[UpdatePlan, Path | None]:
    """Stage the set and install it (not for a dry run); the staged folder never outlives the
    call unless it became the installed set. Returns the plan and where it was installed."""
    staging = staging_dir()
    try:
        plan = prepare(defs, staging, shipped, allow_loopback=allow_loopback)
        if not dry_run:
            if plan.changes and plan.count("refused") == len(plan.changes):
                # A set with nothing readable in it is a broken download, not an empty set:
                # installing it would throw away the recipes installed before.
                raise SetError(
                    f"{defs.source}: none of its {len(plan.changes)} definitions could be read "
                    "(`--dry-run` lists why); the installed set is kept"
                )
            return plan, install(plan)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    discard(plan)
    return plan, None


def discard(plan: UpdatePlan) -> None:
    """Forget a staged set (a dry run, or an update that failed half way)."""
    shutil.rmtree(plan.staging, ignore_errors=True)


def reset() -> bool:
    """Remove the installed set; the shipped files answer again. False if none was there."""
    target = installed_dir()
    if not target.exists():
        return False
    shutil.rmtree(target)
    return True
