"""``lowprofile optout``: the opt-outs to make, the ones made, and drafts for email opt-outs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from lowprofile.cli.common import ProfileOpt, command_group
from lowprofile.cli.registry import requests_command

app = command_group("Track opt-out requests and check that removals stick.")
app.command("requests")(requests_command)


@app.command("plan")
def plan_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The opt-outs from the latest scan, grouped by parent company."""
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.plan import build_plan
    from lowprofile.store import Store

    with Store() as store:
        report = store.load(store.resolve("latest"))
    actions = [a for a in build_plan(report.results, False) if a.id.startswith("optout:")]
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in actions], indent=2))
        return
    console = stdout_console()
    if not actions:
        console.print("No broker lists you in the latest scan.")
    for action in actions:
        console.print(Text(f"[ ] {action.title}", style="bold"))
        console.print(Text(f"    covers: {', '.join(action.covers)}; method: {action.method}"))
        for link in action.links:
            console.print(Text(f"    {link['url']}"))
        console.print(Text(f"    then: lowprofile optout done {' / '.join(action.covers)}"))


@app.command("done")
def done_command(
    brokers: Annotated[list[str], typer.Argument(metavar="BROKER...", help="Broker ids.")],
    when: Annotated[
        str | None, typer.Option("--date", help="When you sent it (YYYY-MM-DD; default today).")
    ] = None,
) -> None:
    """Record that you submitted the opt-out for these brokers."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.store import Store

    known = load_brokers().brokers
    unknown = [b for b in brokers if b not in known]
    if unknown:
        fail(f"unknown broker(s): {', '.join(unknown)} (see `lowprofile brokers list`)")
    try:
        submitted = date.fromisoformat(when) if when else date.today()
    except ValueError:
        fail(f"--date {when!r} is not YYYY-MM-DD")
    with Store() as store:
        for broker in brokers:
            store.add_optout(broker, submitted, known[broker].optout.recheck_days)
    stderr_console().print(f"Recorded {len(brokers)} opt-out(s) on {submitted.isoformat()}.")


@app.command("status")
def status_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Submitted, due for re-check, confirmed removed, failed or re-listed."""
    from rich.table import Table

    from lowprofile.cli.common import stdout_console
    from lowprofile.optout import track
    from lowprofile.store import Store

    with Store() as store:
        optouts = store.optouts()
        earliest = min((o.submitted for o in optouts), default=date.today())
        reports = store.reports_since(earliest)
    states = [track(o, reports, date.today()) for o in optouts]
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in states], indent=2))
        return
    table = Table(title="Opt-outs")
    for column in ("broker", "submitted", "state", "detail"):
        table.add_column(column)
    for s in states:
        table.add_row(s.broker, s.submitted.isoformat(), s.state, s.detail)
    stdout_console().print(table)


@app.command("draft")
def draft_command(
    broker_id: Annotated[str, typer.Argument(metavar="BROKER")],
    profile: ProfileOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the .eml.")] = None,
) -> None:
    """Write the deletion request for a broker that takes opt-outs by email (.eml + mailto)."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.config import data_dir, default_profile_path
    from lowprofile.errors import StoreError
    from lowprofile.files import write_private
    from lowprofile.optout import draft_request, listing_urls
    from lowprofile.store import Store
    from lowprofile.subject import load_profile

    broker = load_brokers().brokers.get(broker_id)
    if broker is None:
        fail(f"unknown broker {broker_id!r} (see `lowprofile brokers list`)")
    if not broker.optout.email:
        fail(f"{broker.name} takes opt-outs by {broker.optout.method}: {broker.optout.url}")
    subject = load_profile(profile or default_profile_path())
    urls: list[str] = []
    try:
        with Store() as store:
            report = store.load(store.resolve("latest"))
        urls = listing_urls(report, broker_id)
    except StoreError:
        pass
    message, mailto = draft_request(subject, broker.name, broker.optout.email, urls)
    target = out or data_dir() / "optout" / f"{broker_id}.eml"
    write_private(target, message.as_bytes())
    stderr_console().print(f"Draft written to {target} (open it in your mail program).")
    typer.echo(mailto)
