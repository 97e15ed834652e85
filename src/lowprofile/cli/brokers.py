"""``lowprofile brokers``: list, validate, debug (parse a saved page), health-check and update
recipes."""

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

    from lowprofile.brokers.installed import Origin
    from lowprofile.brokers.sets import DefinitionSet
    from lowprofile.brokers.update import UpdatePlan
    from lowprofile.config import Settings

app = command_group("The people-search sites lowprofile knows, and tools to keep them working.")


def _broker_row(broker: Any, origin: Origin) -> dict[str, Any]:
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
        "recipe": {**origin.to_dict(), "label": origin.label},  # shipped, installed set, yours
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

    from lowprofile.brokers.installed import Origin

    loaded = _load()
    brokers = sorted(loaded.brokers.values(), key=lambda b: b.id)
    origins = {b.id: loaded.origins.get(b.id, Origin("shipped")) for b in brokers}
    if as_json:
        typer.echo(json.dumps([_broker_row(b, origins[b.id]) for b in brokers], indent=2))
        return
    rows = []
    for b in brokers:
        search = b.search.mode + ("" if b.verified else "?")
        how = f"{b.optout.method} (run)" if b.optout.steps else b.optout.method
        cells = (b.id, b.name, search, how, origins[b.id].label, b.optout.url)
        rows.append(tuple(str(_shown(c)) for c in cells))
    header = ("id", "name", "search", "opt-out", "recipe", "where")
    title = f"{len(brokers)} brokers (?: recipe not proved; (run): optout run does it)"
    print_rows(title, header, rows, (20, 18, 7, 14, 24))


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
    installed: Annotated[
        bool,
        typer.Option(
            "--installed",
            help="Only compare the installed set (`brokers update`) with the shipped recipes; "
            "no search is sent.",
        ),
    ] = False,
) -> None:
    """Run each broker's canary search live and report ok, blocked, changed or error.

    First, where `brokers update` installed a set, compare it with the shipped recipes: which
    brokers it changes, whose definition is newer or older, and which are set aside.
    """
    import asyncio

    from rich.table import Table

    from lowprofile.brokers.doctor import run_doctor
    from lowprofile.brokers.installed import compare_with_shipped
    from lowprofile.cli.inputs import require_brokers
    from lowprofile.config import load_settings
    from lowprofile.resources import shipped_brokers_dir

    compared = compare_with_shipped(shipped_brokers_dir())
    if installed:
        _show_comparison(compared, as_json=as_json)
        return
    loaded = _load()
    brokers = loaded.brokers
    require_brokers(broker_ids or (), brokers)
    chosen = [brokers[b] for b in broker_ids] if broker_ids else list(brokers.values())
    rows = asyncio.run(run_doctor(chosen, load_settings()))
    for row in rows:
        origin = loaded.origins.get(row["id"])
        row["recipe"] = origin.label if origin else None
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        if compared:
            _show_comparison(compared, as_json=False)
        table = Table(title="Canary searches")
        for column in ("broker", "health", "detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row["id"], row["health"], _shown(row["detail"]))
        stdout_console().print(table)
    if any(row["health"] not in ("ok", "manual") for row in rows):
        raise typer.Exit(EXIT_FAILED)


@app.command("update")
def update_command(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="[URL|DIR]",
            help="A folder of definitions, a zip of them, or a GitHub folder "
            "(default: DuckDuckGo's apple-browsers JSON folder).",
        ),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            help="The branch, tag or commit of a GitHub folder to fetch (default: main); "
            "for a folder or zip, only the version name the manifest records.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; install nothing.")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Remove the installed set: the shipped files answer.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
    proxy: Annotated[
        str | None,
        typer.Option("--proxy", help="Fetch through this proxy.", envvar="LOWPROFILE_PROXY"),
    ] = None,
) -> None:
    """Fetch the maintained broker definitions, rebuild the recipes, and install them.

    Prints each broker's changes; a definition that does not give a valid broker file is
    refused (file:key: message) while the rest install. A recipe proved on a real page is
    never overwritten. The shipped files stay the fallback (`--reset` goes back to them).
    """
    from lowprofile.brokers import update
    from lowprofile.config import load_settings

    if reset:
        if source or ref or dry_run:
            fail("--reset takes no source, --ref or --dry-run")
        gone = update.reset()
        stderr_console().print(
            "Installed broker set removed: the shipped recipes answer."
            if gone
            else "No broker set was installed: the shipped recipes answer."
        )
        return
    from lowprofile.resources import shipped_brokers_dir

    settings = load_settings().with_overrides(proxy=proxy)
    definitions = _definition_set(source, ref, settings)
    plan, where = update.run(
        definitions,
        shipped_brokers_dir(),
        allow_loopback=settings.allow_loopback,
        dry_run=dry_run,
    )
    _show_plan(plan, where, as_json=as_json)


def _definition_set(source: str | None, ref: str | None, settings: Settings) -> DefinitionSet:
    """The set to install: read from a folder, or fetched from a URL (the default one when no
    source is given) through the scan's HTTP client, with its proxy and fence."""
    from lowprofile.brokers.sets import DEFAULT_URL, fetch_set, read_folder, read_zip

    if source and not source.startswith(("http://", "https://")):
        from lowprofile.cli.inputs import require_paths

        path = Path(source).expanduser()
        require_paths([path])
        if path.is_file():
            try:
                return read_zip(path.read_bytes(), str(path.resolve()), ref)
            except OSError as exc:
                fail(f"{path}: cannot read: {exc}")
        return read_folder(path, ref)
    import asyncio

    from lowprofile.fetch.http import Http

    async def run() -> DefinitionSet:
        async with Http(settings) as http:
            return await fetch_set(http, source or DEFAULT_URL, ref)

    return asyncio.run(run())


ACTION_STYLE = {"install": "green", "refused": "red", "kept": "yellow"}


def _show_plan(plan: UpdatePlan, where: Path | None, *, as_json: bool) -> None:
    """The changes per broker (stdout), then one closing line of counts (stderr)."""
    from rich.text import Text

    if as_json:
        typer.echo(json.dumps({**plan.to_dict(), "installed_in": str(where) if where else None}))
    else:
        console = stdout_console()
        for change in plan.changes:
            if change.action in ("unchanged", "skipped") and not change.lines:
                continue
            version = f" (definition {change.version})" if change.version else ""
            head = Text.assemble(
                (f"{change.action:<9} ", ACTION_STYLE.get(change.action, "")),
                _shown(f"{change.broker}{version}"),
            )
            console.print(head, soft_wrap=True)
            for line in change.lines:
                # A refusal is file:key: message, whole on its own line for scripts.
                indent = "" if change.action == "refused" else "  "
                console.print(Text(indent) + _shown(line), soft_wrap=True)
    err = stderr_console()
    for note in plan.notes:
        err.print(Text("note: ") + _shown(note))
    counts = ", ".join(
        f"{plan.count(a)} {a}"
        for a in ("install", "refused", "kept", "unchanged", "skipped")
        if plan.count(a)
    )
    label = plan.manifest.label
    verb = f"installed in {where}" if where else "nothing installed (--dry-run)"
    err.print(
        _shown(f"Definition set {label}: {counts or 'no definitions'}; {verb}"), soft_wrap=True
    )


def _show_comparison(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    """The installed set against the shipped recipes, one line per broker it holds."""
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        from lowprofile.brokers.installed import read_manifest

        manifest = read_manifest()
        stderr_console().print(
            _shown(f"The installed set {manifest.label} changes no shipped recipe.")
            if manifest
            else "No broker set is installed: every recipe is the shipped one."
        )
        return
    table_rows = [
        tuple(
            str(_shown(c))
            for c in (
                r["id"],
                r["installed"] or "?",
                r["shipped"] or "-",
                r["state"] if r["in_use"] else f"{r['state']}; set aside: {r['note']}",
            )
        )
        for r in rows
    ]
    title = f"Installed set {rows[0]['set']} against the shipped recipes"
    print_rows(title, ("broker", "installed", "shipped", "state"), table_rows, (24, 10, 8))
