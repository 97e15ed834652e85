"""``lowprofile settings``: the privacy settings to review on each platform, the exact pages to
do it, and ``settings done PLATFORM`` to record a check (due again after six months)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from lowprofile.cli.common import PersonOpt, command_group

if TYPE_CHECKING:
    from lowprofile.checkup.due import Standing

app = command_group(
    "The settings checkup: what to set on each platform (location tagging, a private profile, "
    "no finding you by email or phone, past posts limited), with the exact pages."
)


@app.callback(invoke_without_command=True)
def list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: PersonOpt = None,
) -> None:
    """List every platform's settings and pages, and when each is due for you."""
    if ctx.invoked_subcommand is not None:
        return
    from lowprofile.checkup.due import standings
    from lowprofile.checkup.records import done_dates
    from lowprofile.cli.subject_args import current_person

    person = current_person(profile)
    today = date.today()
    rows = standings(done_dates(person) if person else {}, today)
    if as_json:
        typer.echo(json.dumps([_row_dict(row, today) for row in rows], indent=2))
        return
    for row in rows:
        typer.echo(f"{row.platform.name} [{row.platform.id}]: {_when(row, today)}")
        for setting in row.platform.settings:
            typer.echo(f"  - {setting}")
        for link in row.platform.links:
            typer.echo(f"  {link.url}")
            typer.echo(f"      {link.label}; source: {link.source}; {link.date}")
        typer.echo("")
    typer.echo("Record a platform you have done: lowprofile settings done PLATFORM [--date]")


def _when(row: Standing, today: date) -> str:
    if row.last_done is None:
        return "due now (never checked)"
    if row.due(today):
        return f"due again (last checked {row.last_done.isoformat()})"
    return f"done {row.last_done.isoformat()}, due again {row.due_on.isoformat()}"


def _row_dict(row: Standing, today: date) -> dict[str, object]:
    return {
        "id": row.platform.id,
        "name": row.platform.name,
        "settings": list(row.platform.settings),
        "links": [vars(link) for link in row.platform.links],
        "last_done": row.last_done.isoformat() if row.last_done else None,
        "due_on": row.due_on.isoformat(),
        "due": row.due(today),
    }


@app.command("done")
def done_command(
    platform: Annotated[str, typer.Argument(help="x, instagram, facebook, snapchat, tiktok, ...")],
    when: Annotated[
        str | None, typer.Option("--date", help="When (YYYY-MM-DD; default today).")
    ] = None,
    profile: PersonOpt = None,
) -> None:
    """Record that you checked this platform's settings; it is due again after six months."""
    from lowprofile.checkup.due import DUE_AFTER_DAYS
    from lowprofile.checkup.entries import find_platform
    from lowprofile.checkup.records import record_done
    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.cli.subject_args import current_person

    entry = find_platform(platform)
    try:
        day = date.fromisoformat(when) if when else date.today()
    except ValueError:
        fail(f"--date {when!r} is not YYYY-MM-DD")
    if day > date.today():
        fail(f"--date {day.isoformat()} is in the future")
    record_done(current_person(profile, writing=True), entry.id, day)
    stderr_console().print(
        f"Recorded the {entry.name} checkup on {day.isoformat()}; "
        f"due again in {DUE_AFTER_DAYS} days."
    )
