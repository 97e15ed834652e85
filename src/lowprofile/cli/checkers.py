"""``lowprofile checkers``: which sources exist and whether each can run here."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer


def checkers_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the checkers (built-in and plugins) and whether each is ready to run."""
    from rich.table import Table
    from rich.text import Text

    from lowprofile.checkers.base import load_checker, registered_checkers
    from lowprofile.cli.common import stdout_console
    from lowprofile.config import load_settings
    from lowprofile.errors import CheckerError

    settings = load_settings()
    rows: list[dict[str, Any]] = []
    for spec in registered_checkers().values():
        try:
            checker = load_checker(spec)
        except CheckerError as exc:
            rows.append(
                {
                    "id": spec.id,
                    "title": "",
                    "origin": spec.origin,
                    "ready": False,
                    "status": "error",
                    "reason": str(exc),
                }
            )
            continue
        readiness = checker.readiness(settings)
        rows.append(
            {
                "id": spec.id,
                "title": checker.title,
                "origin": spec.origin,
                "ready": readiness.ready,
                "status": "ready" if readiness.ready else "skipped",
                "reason": readiness.reason,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Checkers")
    for column in ("id", "what", "from", "status"):
        table.add_column(column)
    for row in rows:
        status = row["status"] + (f", {row['reason']}" if row["reason"] else "")
        style = "green" if row["ready"] else "yellow"
        table.add_row(row["id"], Text(row["title"]), row["origin"], Text(status, style=style))
    if not rows:
        table.caption = "no checkers are installed"
    stdout_console().print(table)
