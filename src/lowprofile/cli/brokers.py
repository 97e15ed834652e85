"""``lowprofile brokers``: list, validate, debug (parse a saved page) and health-check recipes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    BirthYearOpt,
    CityOpt,
    NameOpt,
    StateOpt,
    command_group,
    fail,
    print_rows,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from rich.text import Text

app = command_group("The people-search sites lowprofile knows, and tools to keep them working.")


def _broker_row(broker: Any) -> dict[str, Any]:
    from lowprofile.brokers.evidence import evidence_of

    return {
        "id": broker.id,
        "name": broker.name,
        "domain": broker.domain,
        "parent": broker.parent or None,
        "category": broker.category,
        "jurisdictions": list(broker.jurisdictions),
        "search": broker.search.mode,
        "verified": broker.verified,
        **evidence_of(broker).to_dict(),  # verified_on: date of the real page; based_on
        "optout": {
            "url": broker.optout.url,
            "method": broker.optout.method,
            "email": broker.optout.email or None,
            "requires": list(broker.optout.requires),
            "days": broker.optout.days,
            "recheck_days": broker.optout.recheck_days,
            "automatic": bool(broker.optout.steps),
        },
        "source": broker.source,
    }


def _shown(value: object) -> Text:
    """Text from a broker file or a page, safe for the terminal: no markup, and no control or
    bidi characters (a name holding U+202E would reverse the rest of its line)."""
    from rich.text import Text

    from lowprofile.safe_text import clean_text

    return Text(clean_text(value))


def _load() -> Any:
    from rich.text import Text

    from lowprofile.brokers.loader import load_brokers

    loaded = load_brokers()
    for problem in loaded.problems:
        stderr_console().print(Text.assemble(("skipped broker file: ", "yellow"), _shown(problem)))
    return loaded


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List every broker with its parent company, search mode and opt-out (and whether
    `lowprofile optout run` can do it)."""

    brokers = sorted(_load().brokers.values(), key=lambda b: b.id)
    if as_json:
        typer.echo(json.dumps([_broker_row(b) for b in brokers], indent=2))
        return
    rows = []
    for b in brokers:
        search = b.search.mode + ("" if b.verified else "?")
        how = f"{b.optout.method} (run)" if b.optout.steps else b.optout.method
        cells = (b.id, b.name, search, how, b.optout.url)
        rows.append(tuple(str(_shown(c)) for c in cells))
    header = ("id", "name", "search", "opt-out", "where")
    title = f"{len(brokers)} brokers (?: recipe not proved; (run): optout run does it)"
    print_rows(title, header, rows, (20, 18, 7, 14))


@app.command("validate")
def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Broker files or folders (default: shipped and your own)."),
    ] = None,
) -> None:
    """Check broker files; each problem is printed as file:key: message (exit 2 if any)."""
    from lowprofile.brokers.loader import broker_files, user_brokers_dir, validate_files
    from lowprofile.cli.inputs import require_paths
    from lowprofile.resources import shipped_brokers_dir

    require_paths(files or ())
    paths = files or [p for p in (shipped_brokers_dir(), user_brokers_dir()) if p.is_dir()]
    problems = validate_files(paths)
    count = sum(len(broker_files(p)) if p.is_dir() else 1 for p in paths)
    for problem in problems:
        typer.echo(problem)
    if problems:
        stderr_console().print(f"{len(problems)} problem(s) in {count} file(s)")
        raise typer.Exit(EXIT_USAGE)
    stderr_console().print(f"{count} broker file(s) valid")


@app.command("parse")
def parse_command(
    broker_id: Annotated[str, typer.Argument(metavar="BROKER", help="Broker id.")],
    page: Annotated[Path, typer.Argument(help="A result page saved from a browser.")],
    name: NameOpt = None,
    city: CityOpt = None,
    state: StateOpt = None,
    birth_year: BirthYearOpt = None,
    status_code: Annotated[int, typer.Option("--status", help="HTTP status it came with.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run the page reader and the matcher on a saved page: how to fix a recipe."""
    from rich.table import Table

    from lowprofile.brokers.matcher import match_listing
    from lowprofile.brokers.page import read_page
    from lowprofile.subject import subject_from_flags

    brokers = _load().brokers
    if broker_id not in brokers:
        fail(f"unknown broker {broker_id!r} (see `lowprofile brokers list`)")
    if not name:
        fail("give --name (and --city/--state/--birth-year) to score the listings against")
    try:
        html_text = page.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"{page}: cannot read: {exc}")
    broker = brokers[broker_id]
    subject = subject_from_flags(name, city=city, state=state, birth_year=birth_year)
    reading = read_page(broker, html_text, status_code, f"https://{broker.domain}/")
    listings: list[dict[str, Any]] = []
    for listing in reading.listings:
        match = match_listing(listing, subject)
        row: dict[str, Any] = {
            "name": listing.name,
            "age": listing.age,
            "locations": listing.locations,
            "addresses": listing.addresses,
            "phones": listing.phones,
            "relatives": listing.relatives,
            "url": listing.url,
            "confidence": match.confidence,
            "reasons": list(match.reasons),
        }
        listings.append(row)
    status = reading.status.value
    if reading.listings:
        from lowprofile.brokers.matcher import verdict

        status = verdict(max((row["confidence"] for row in listings), default=0.0)).value
    if as_json:
        out = {"status": status, "reason": reading.reason, "listings": listings}
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    console = stdout_console()
    console.print(_shown(f"{broker.name}: {status} ({reading.reason})"))
    if listings:
        table = Table()
        for column in ("name", "age", "locations", "confidence", "reasons"):
            table.add_column(column, overflow="fold")
        for row in listings:
            table.add_row(
                _shown(row["name"]),
                _shown(row["age"] or ""),
                _shown("; ".join(row["locations"] + row["addresses"])),
                f"{row['confidence']:.2f}",
                _shown("; ".join(row["reasons"])),
            )
        console.print(table)


@app.command("doctor")
def doctor_command(
    broker_ids: Annotated[
        list[str] | None, typer.Argument(metavar="[BROKER]...", help="Default: every broker.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run each broker's canary search live and report ok, blocked, changed or error."""
    import asyncio

    from rich.table import Table

    from lowprofile.brokers.doctor import run_doctor
    from lowprofile.cli.inputs import require_brokers
    from lowprofile.config import load_settings

    brokers = _load().brokers
    require_brokers(broker_ids or (), brokers)
    chosen = [brokers[b] for b in broker_ids] if broker_ids else list(brokers.values())
    rows = asyncio.run(run_doctor(chosen, load_settings()))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        table = Table(title="Canary searches")
        for column in ("broker", "health", "detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row["id"], row["health"], _shown(row["detail"]))
        stdout_console().print(table)
    if any(row["health"] not in ("ok", "manual") for row in rows):
        raise typer.Exit(EXIT_FAILED)
