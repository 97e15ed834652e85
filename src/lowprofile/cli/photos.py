"""``lowprofile photos``: what a photo library gives away, and cleaning photos before posting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    EXIT_FOUND,
    EXIT_OK,
    command_group,
    stderr_console,
    stdout_console,
)
from lowprofile.safe_text import json_safe, shown_name

if TYPE_CHECKING:
    from rich.console import Console

app = command_group("Find location and identifying metadata in photos, and strip it.")

PathsArg = Annotated[list[Path], typer.Argument(metavar="PATH...", help="Files or folders.")]


def _say(console: Console, *parts: str | tuple[str, str]) -> None:
    """Print one line from literal pieces (never read as markup, never wrapped, so one file is
    one line); file names must already have gone through ``shown_name``."""
    from rich.text import Text

    console.print(Text.assemble(*parts), soft_wrap=True)


def _home() -> tuple[float, float] | None:
    """The default profile's home coordinates, when it has them (for distances)."""
    from lowprofile.config import default_profile_path
    from lowprofile.errors import ProfileError
    from lowprofile.subject import load_profile

    path = default_profile_path()
    if not path.exists():
        return None
    try:
        home = load_profile(path).home
    except ProfileError:
        return None
    return (home.lat, home.lon) if home and home.lat is not None and home.lon is not None else None


@app.command("scan")
def scan_command(
    paths: PathsArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")] = False,
) -> None:
    """Report which photos reveal a location, names or serials, and where they cluster.

    Exit 1 when any photo reveals a location; 2 when a path does not exist (nothing is read);
    3 when a folder or file could not be read (the scan is incomplete); 0 otherwise.
    """
    import sys

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from lowprofile.cli.inputs import require_paths
    from lowprofile.metadata.library import scan_library

    require_paths(paths)
    console = stderr_console()
    if sys.stderr.isatty():
        with Progress(
            TextColumn("reading photos"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("photos", total=None)
            result = scan_library(
                paths, _home(), lambda done, total: bar.update(task, completed=done, total=total)
            )
    else:
        result = scan_library(paths, _home())
    for entry in result.files:
        problems = [entry.error] if entry.error else (entry.meta.warnings if entry.meta else [])
        if problems:
            message = shown_name("; ".join(p for p in problems if p))
            _say(console, ("warning:", "yellow"), " ", shown_name(entry.path), ": ", message)
    if as_json:
        typer.echo(json.dumps(json_safe(result.to_dict()), indent=2, ensure_ascii=False))
    else:
        _print_scan(result)
    for problem in result.problems:
        _say(console, ("not scanned:", "bold red"), " ", shown_name(problem))
    if result.located:
        raise typer.Exit(EXIT_FOUND)
    raise typer.Exit(EXIT_OK if result.complete else EXIT_FAILED)


def _print_scan(result: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    console = stdout_console()
    total = len(result.files)
    console.print(
        Text(f"{len(result.located):,} of {total:,} photos reveal a location", style="bold")
    )
    groups: dict[str, list[str]] = {}
    for entry in result.files:
        for item in entry.meta.exposed if entry.meta else []:
            groups.setdefault(item, []).append(entry.path)
    if groups:
        table = Table(title="What the photos expose")
        table.add_column("exposure")
        table.add_column("photos", justify="right")
        table.add_column("examples", overflow="fold")
        for item, paths in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            names = ", ".join(shown_name(Path(p).name) for p in paths[:3])
            table.add_row(item, str(len(paths)), Text(names))
        console.print(table)
    clusters = [c for c in result.clusters if c.count >= 2] or result.clusters[:3]
    if clusters:
        table = Table(title="Places the photos point at")
        for column in ("photos", "dates", "note", "map"):
            table.add_column(column, overflow="fold")
        for cluster in clusters[:10]:
            note = "likely home or workplace" if cluster.likely_home_or_work else ""
            if cluster.distance_to_home_m is not None:
                note = f"{note}; {cluster.distance_to_home_m:,.0f} m from home".strip("; ")
            dates = " to ".join(d for d in (cluster.first, cluster.last) if d) or "-"
            data = cluster.to_dict()
            table.add_row(str(cluster.count), dates, note, data["map"])
        console.print(table)
    if result.located:
        console.print("Clean photos before posting: lowprofile photos strip PATH...")


@app.command("strip")
def strip_command(
    paths: PathsArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write cleaned copies into this folder (created 0700), mirroring the folders "
            "below each folder given.",
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place",
            help="Replace the originals (after verifying). A link cleans the photo it points "
            "to; with --reencode the original is replaced by NAME.jpg.",
        ),
    ] = False,
    reencode: Annotated[
        bool,
        typer.Option("--reencode", help="Re-encode formats that cannot be cleaned losslessly."),
    ] = False,
    keep_orientation: Annotated[
        bool, typer.Option("--keep-orientation/--no-keep-orientation")
    ] = True,
    keep_icc: Annotated[bool, typer.Option("--keep-icc/--no-keep-icc")] = True,
    verify_pixels: Annotated[
        bool,
        typer.Option("--verify-pixels", help="Also decode both files and compare every pixel."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")] = False,
) -> None:
    """Remove GPS and identifying metadata; by default writes NAME.clean.EXT beside each photo.

    Every output path is chosen before anything is written: no output overwrites an original or
    another output (a taken name gets -2, -3... and the line says so). Files named NAME.clean.EXT
    are earlier outputs: skipped, and replaced by this run's. Exit 0 when every photo was cleaned,
    1 when any was NOT CLEANED (nothing is written for it) or a folder could not be read, 2 when
    a path does not exist or the options conflict (nothing is written).
    """
    from dataclasses import asdict

    from lowprofile.cli.common import fail
    from lowprofile.cli.inputs import require_paths, writable_folder
    from lowprofile.metadata.strip import StripOptions
    from lowprofile.metadata.strip_plan import run_strip

    if out is not None and in_place:
        fail("choose --out DIR or --in-place, not both")
    require_paths(paths)
    if out is not None:
        writable_folder(out, "--out")
    options = StripOptions(
        keep_orientation=keep_orientation,
        keep_icc=keep_icc,
        reencode=reencode,
        verify_pixels=verify_pixels,
    )
    run = run_strip(paths, options, out_dir=out, in_place=in_place)
    console = stderr_console()
    for notice in run.notices:
        _say(console, shown_name(notice))
    for outcome in run.outcomes:
        path = shown_name(outcome.path)
        if outcome.cleaned:
            how = "" if outcome.method == "lossless" else " (re-encoded: quality may differ)"
            _say(console, "cleaned ", path, " -> ", shown_name(outcome.output or ""), how)
        elif outcome.skipped:
            _say(console, ("skipped", "dim"), " ", path, ": ", shown_name(outcome.skipped))
        else:
            error = shown_name(outcome.error or "")
            _say(console, ("NOT CLEANED", "red"), " ", path, ": ", error)
        for note in outcome.notes:
            _say(console, "  note: ", shown_name(note))
    cleaned = sum(o.cleaned for o in run.outcomes)
    failed = sum(o.error is not None for o in run.outcomes)
    skipped = sum(o.skipped is not None for o in run.outcomes)
    _say(console, f"{cleaned} cleaned, {failed} NOT CLEANED, {skipped} skipped")
    if as_json:
        typer.echo(json.dumps(json_safe([asdict(o) for o in run.outcomes]), indent=2))
    raise typer.Exit(EXIT_FOUND if failed else EXIT_OK)
