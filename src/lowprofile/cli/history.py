"""``lowprofile history``: past scans, one scan again, what changed between two, and pruning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lowprofile.cli.common import PersonOpt, command_group

if TYPE_CHECKING:
    from lowprofile.results import Risk

app = command_group("Scans kept in the local history, and what changed between them.")


def _score(score: int | None, incomplete: bool) -> str:
    """A score as a listing shows it: an incomplete one is never a bare reassuring number."""
    if score is None:
        return "-"
    return f"{score} (incomplete)" if incomplete else str(score)


AnyOpt = Annotated[
    bool,
    typer.Option("--any", help="Every person's scans on this machine, not only this profile's."),
]


def _person(profile: Path | None, everyone: bool) -> str | None:
    """Whose scans a history command reads (None: everyone's, with ``--any``)."""
    from lowprofile.cli.subject_args import current_person

    return None if everyone else current_person(profile)


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    profile: PersonOpt = None,
    everyone: AnyOpt = False,
) -> None:
    """Your stored scans (``--any``: everyone's): id, time, who (masked), score and number of
    findings."""
    from rich.table import Table
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.store import Store

    person = _person(profile, everyone)
    with Store() as store:
        rows = store.scans(person)
    if as_json:
        typer.echo(json.dumps([row.__dict__ for row in rows], indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} stored scan(s)")
    for column in ("id", "started", "subject", "score", "findings"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.started[:16].replace("T", " "),  # to the minute; --json has it whole
            Text(row.subject),
            _score(row.score, row.incomplete),
            str(row.findings),
        )
    stdout_console().print(table)


@app.command("prune")
def prune_command(
    keep: Annotated[
        int | None, typer.Option("--keep", min=0, metavar="N", help="Keep the newest N scans.")
    ] = None,
    before: Annotated[
        str | None,
        typer.Option("--before", metavar="YYYY-MM-DD", help="Delete scans started before DATE."),
    ] = None,
    profile: PersonOpt = None,
    everyone: AnyOpt = False,
) -> None:
    """Delete old scans with their results and findings (given both options, a scan goes only
    when both say so)."""
    from datetime import date

    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.store import Store

    if keep is None and before is None:
        fail("say what to delete: --keep N (the newest N stay) or --before YYYY-MM-DD")
    day = None
    if before is not None:
        try:
            day = date.fromisoformat(before)
        except ValueError:
            fail(f"--before {before!r} is not a date (YYYY-MM-DD)")
    person = _person(profile, everyone)
    with Store() as store:
        before_ids = {row.id for row in store.scans(person)}
        deleted = store.prune(person, keep=keep, before=day)
        kept_ids = {row.id for row in store.scans(person)}
        every_scan = {row.id for row in store.scans(None)}  # another person's folders stay
    referenced = _referenced_evidence(person)
    removed, recent = _remove_evidence(before_ids - kept_ids, every_scan, referenced)
    note = f", and {removed} evidence folder(s)" if removed else ""
    console = stderr_console()
    console.print(f"deleted {deleted} scan(s){note}; {len(kept_ids)} kept")
    if recent:
        console.print(
            f"kept {recent} evidence folder(s) of no saved scan or opt-out, written in the last "
            "hour: a scan or opt-out run may still be writing them"
        )


def _referenced_evidence(person: str | None) -> list[str]:
    """The evidence every person's requests name: an opt-out run's folder is kept while any
    request (whoever's) points at it. Opening the ledger first moves an older history's
    requests in, so their folders count too."""
    from lowprofile.optout.records import RequestLedger, people

    named: list[str] = []
    for who in dict.fromkeys([*([person] if person is not None else []), *people(), ""]):
        with RequestLedger(who) as ledger:
            named += [event.evidence for r in ledger.requests() for event in r.events]
    return named


def _remove_evidence(pruned: set[int], kept: set[int], referenced: list[str]) -> tuple[int, int]:
    """Delete the evidence the prune orphaned: the pruned scans' folders however recent, and
    every folder nothing owns (``remove_orphans``). The folders deleted, and those spared as
    maybe still being written."""
    from lowprofile.browser.folders import pruned_folders, remove_orphans

    removed = pruned_folders(pruned)
    orphans = remove_orphans(kept, referenced)
    return removed + orphans.deleted, orphans.recent


@app.command("show")
def show_command(
    scan: Annotated[str, typer.Argument(metavar="ID|latest")] = "latest",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    profile: PersonOpt = None,
    everyone: AnyOpt = False,
) -> None:
    """One of your stored scans, as the terminal report or JSON."""
    from lowprofile.cli.common import stdout_console
    from lowprofile.report.json import dumps
    from lowprofile.report.terminal import TerminalReport
    from lowprofile.store import Store

    person = _person(profile, everyone)
    with Store() as store:
        report = store.load(store.resolve(scan, person))
    if as_json:
        typer.echo(dumps(report), nl=False)
    else:
        stdout_console().print(TerminalReport(report))


def _score_change(old: Risk | None, new: Risk | None) -> dict[str, Any]:
    """The scores of two scans and the change, for ``diff`` (None where a scan has no score)."""
    change = new.score - old.score if old is not None and new is not None else None
    return {
        "old": old.score if old else None,
        "new": new.score if new else None,
        "change": change,
        "old_incomplete": bool(old and old.incomplete),
        "new_incomplete": bool(new and new.incomplete),
    }


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(metavar="[OLD]")] = "previous",
    new: Annotated[str, typer.Argument(metavar="[NEW]")] = "latest",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    profile: PersonOpt = None,
    everyone: Annotated[
        bool, typer.Option("--any", help="Compare scans of different people (said first).")
    ] = False,
) -> None:
    """New, resolved and unchanged exposures between two of your scans (default: your last
    two). Two people's scans are compared only with ``--any``."""
    from rich.text import Text

    from lowprofile.cli.common import fail, stdout_console
    from lowprofile.diff import diff_reports
    from lowprofile.store import Store

    person = _person(profile, everyone)
    with Store() as store:
        ids = store.resolve(old, person), store.resolve(new, person)
        owners = {row.id: row.person for row in store.scans(None)}
        before, after = store.load(ids[0]), store.load(ids[1])
    if owners.get(ids[0]) != owners.get(ids[1]):
        if not everyone:  # resolve() keeps to one person; said again should that change
            fail(f"scans {ids[0]} and {ids[1]} are two people's: add --any to compare them")
        stdout_console().print(
            Text(f"scans {ids[0]} and {ids[1]} are two different people's (--any)", style="bold")
        )
    changes = diff_reports(before, after)
    score = _score_change(before.risk, after.risk)
    if as_json:
        typer.echo(json.dumps({**changes.to_dict(), "score": score}, indent=2, ensure_ascii=False))
        return
    console = stdout_console()
    if score["change"] is not None:
        line = (
            f"score {_score(score['old'], score['old_incomplete'])} → "
            f"{_score(score['new'], score['new_incomplete'])} ({score['change']:+d})"
        )
        style = "bold red" if score["change"] > 0 else "green" if score["change"] < 0 else "dim"
        console.print(Text(line, style=style))
    for label, findings, style in (
        ("new", changes.new, "bold red"),
        ("resolved", changes.resolved, "green"),
        ("not re-checked (source blocked or failed)", changes.unverified, "yellow"),
        (
            "mentions no longer in their feed (the article may still be online)",
            changes.earlier,
            "dim",
        ),
        ("unchanged", changes.unchanged, "dim"),
    ):
        console.print(Text(f"{len(findings)} {label}", style=style))
        for finding in findings[:50]:
            console.print(Text(f"  {finding.severity.value:<8} {finding.title}  {finding.where}"))
