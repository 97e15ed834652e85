"""``lowprofile history``: past scans, one scan again, and what changed between two."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lowprofile.cli.common import command_group

app = command_group("Scans kept in the local history, and what changed between them.")


@app.command("list")
def list_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every stored scan: id, time and number of findings."""
    from rich.table import Table

    from lowprofile.cli.common import stdout_console
    from lowprofile.store import Store

    with Store() as store:
        rows = store.scans()
    if as_json:
        typer.echo(json.dumps([row.__dict__ for row in rows], indent=2))
        return
    table = Table(title=f"{len(rows)} stored scan(s)")
    for column in ("id", "started", "findings"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.id), row.started, str(row.findings))
    stdout_console().print(table)


@app.command("show")
def show_command(
    scan: Annotated[str, typer.Argument(metavar="ID|latest")] = "latest",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One stored scan, as the terminal report or JSON."""
    from lowprofile.cli.common import stdout_console
    from lowprofile.report.json import dumps
    from lowprofile.report.terminal import TerminalReport
    from lowprofile.store import Store

    with Store() as store:
        report = store.load(store.resolve(scan))
    if as_json:
        typer.echo(dumps(report), nl=False)
    else:
        stdout_console().print(TerminalReport(report))


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(metavar="[OLD]")] = "previous",
    new: Annotated[str, typer.Argument(metavar="[NEW]")] = "latest",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """New, resolved and unchanged exposures between two scans (default: the last two)."""
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.diff import diff_reports
    from lowprofile.store import Store

    with Store() as store:
        changes = diff_reports(store.load(store.resolve(old)), store.load(store.resolve(new)))
    if as_json:
        typer.echo(json.dumps(changes.to_dict(), indent=2, ensure_ascii=False))
        return
    console = stdout_console()
    for label, findings, style in (
        ("new", changes.new, "bold red"),
        ("resolved", changes.resolved, "green"),
        ("not re-checked (source blocked or failed)", changes.unverified, "yellow"),
        ("unchanged", changes.unchanged, "dim"),
    ):
        console.print(Text(f"{len(findings)} {label}", style=style))
        for finding in findings[:50]:
            console.print(Text(f"  {finding.severity.value:<8} {finding.title}  {finding.where}"))
