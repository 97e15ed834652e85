"""Rewrite the shipped broker files from a definition set and the team's facts table (the
``build`` and ``diff`` jobs of ``tools/make_brokers.py``).

It sits above the two translators, ``importer`` (a definition's search and facts) and
``import_optout`` (its opt-out flow, which reads the importer's field rules), so that neither
needs the other's file-writing.
"""

from __future__ import annotations

import csv
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from lowprofile.brokers.import_optout import MARK, optout_block
from lowprofile.brokers.importer import (
    MERGED,
    broker_id,
    build_one,
    diff_sets,
    load_set,
)


def unread_by_hand(shipped: dict[str, Any], built: dict[str, Any]) -> list[str]:
    """What the definition reads that a file proved by hand does not (its past places, its
    other names): said in the build report for whoever next proves the file on a real page,
    never written into it."""
    fields = built.get("parse", {}).get("fields", {})
    have = shipped.get("parse", {}).get("fields", {})
    return [f"the definition also reads {name}" for name in fields if name not in have]


def _wrapped(comment: str) -> list[str]:
    """A comment cut to the width of a file; a gap names selectors, which are never cut."""
    gap = comment.startswith("# Gap:")
    return textwrap.wrap(
        comment, 99, subsequent_indent="# ", break_on_hyphens=not gap, break_long_words=not gap
    )


def build(
    facts_csv: Path, json_dir: Path, set_name: str, out_dir: Path, evidence_path: Path
) -> list[str]:
    """Rewrite the broker files; returns the report lines."""
    with open(facts_csv, encoding="utf-8") as handle:
        facts = {row["domain"]: row for row in csv.DictReader(handle) if row["domain"]}
    ddg = load_set(json_dir)
    evidence = tomllib.loads(evidence_path.read_text("utf-8")) if evidence_path.exists() else {}
    report: list[str] = []
    for domain in sorted((set(ddg) | set(facts)) - set(MERGED)):
        built = build_one(domain, ddg.get(domain), facts.get(domain, {}), facts, ddg, set_name)
        if built is None:
            continue
        target = out_dir / f"{built.data['id']}.toml"
        shipped = tomllib.loads(target.read_text("utf-8")) if target.exists() else {}
        if shipped.get("verified") is True:
            report.append(f"{built.data['id']}: kept (proved on a real page, edited by hand)")
            report += [f"  unread: {what}" for what in unread_by_hand(shipped, built.data)]
            continue
        existing = target.read_text("utf-8") if target.exists() else ""
        steps = optout_block(existing, json_dir / f"{domain}.json", built.data["optout"])
        if MARK in steps:
            built.header += _without_stale_requirements(built.data["optout"])
        header = [line for comment in built.header for line in _wrapped(comment)]
        text = "\n".join(header) + "\n" + tomli_w.dumps(built.data)
        target.write_text(text + steps, encoding="utf-8")
        entry = evidence.setdefault(built.data["id"], {})
        for key in ("based_on", "withdrawn"):
            if getattr(built, key):
                entry[key] = getattr(built, key)
            else:
                entry.pop(key, None)
        if not entry:
            evidence.pop(built.data["id"])
        report.append(f"{built.data['id']}: {built.data['search']['mode']}")
        report += [f"  gap: {gap}" for gap in built.gaps]
    for old in MERGED:
        stale = out_dir / f"{broker_id(old)}.toml"
        if stale.exists():
            stale.unlink()
            report.append(f"{broker_id(old)}: removed (merged into {broker_id(MERGED[old])})")
    evidence_path.write_text(
        EVIDENCE_HEADER + tomli_w.dumps(dict(sorted(evidence.items()))), encoding="utf-8"
    )
    return report


STALE_WITH_STEPS = ("photo ID", "phone verification")
"""Requirements from the facts table that a maintained opt-out flow played as steps never
asks for: the flow is the newer word on what the form takes (InfoTracer's 2026-02 flow sends no
ID, MyLife's no phone), so the plan must not tell the person to prepare them."""


def _without_stale_requirements(optout: dict[str, Any]) -> list[str]:
    """Drop from ``optout['requires']`` what the translated flow does not ask for; the header
    lines saying so."""
    stale = [r for r in optout.get("requires", []) if r in STALE_WITH_STEPS]
    if not stale:
        return []
    kept = [r for r in optout["requires"] if r not in stale]
    if kept:
        optout["requires"] = kept
    else:
        del optout["requires"]
    them = "it" if len(stale) == 1 else "them"
    return [
        f"# Opt-out: the facts table says it requires {' and '.join(stale)}; the maintained "
        f"flow below does not ask for {them}, so the plan leaves {them} out."
    ]


EVIDENCE_HEADER = """\
# What backs each automatic broker recipe (data for `lowprofile.brokers.evidence`).
#   verified = date of the newest real page the recipe was proved on (a capture kept under
#              tests/fixtures/brokers/real/<id>/ with its ORIGIN.toml)
#   based_on = the maintained definition the recipe follows
#   withdrawn = the maintained definition that withdrew the broker (an older set must not
#               bring its recipe back)
# lowprofile.brokers.importer writes based_on and withdrawn; verified is written by hand
# with the capture.
"""


def main(argv: list[str]) -> int:
    """The two hand-run jobs of the module docstring; returns the exit code."""
    if len(argv) == 3 and argv[0] == "diff":
        for line in diff_sets(load_set(Path(argv[1])), load_set(Path(argv[2]))):
            print(line)
        return 0
    if len(argv) == 6 and argv[0] == "build":
        lines = build(Path(argv[1]), Path(argv[2]), argv[3], Path(argv[4]), Path(argv[5]))
        for line in lines:
            print(line)
        return 0
    print(__doc__, file=sys.stderr)
    return 2
