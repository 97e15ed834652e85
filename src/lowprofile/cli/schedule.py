"""``lowprofile schedule``: monthly (or weekly) rescans in the operating system's scheduler."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowprofile.cli.common import ProfileOpt, command_group

app = command_group("Rescan every month on its own and tell you what changed.")


def _profile_or_fail(profile: Path | None) -> Path:
    from lowprofile.cli.common import fail
    from lowprofile.config import default_profile_path

    path = (profile or default_profile_path()).expanduser().resolve()
    if not path.exists():
        fail(f"no profile at {path}: create one with `lowprofile init` (or give --profile)")
    return path


@app.command("install")
def install_command(
    monthly: Annotated[bool, typer.Option("--monthly", help="Once a month (default).")] = False,
    weekly: Annotated[bool, typer.Option("--weekly", help="Once a week.")] = False,
    day: Annotated[
        int | None, typer.Option("--day", help="Day of month 1-28, or weekday 0 (Sun)-6.")
    ] = None,
    at: Annotated[str, typer.Option("--time", metavar="HH:MM", help="Local time.")] = "09:00",
    profile: ProfileOpt = None,
) -> None:
    """Install (or replace) the scheduled rescan; installing twice leaves one entry."""
    import json
    import os

    from rich.text import Text

    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.config import SECRET_ENV, config_dir
    from lowprofile.files import write_private
    from lowprofile.schedule import pick_backend
    from lowprofile.schedule.base import (
        JOB_SETTINGS,
        Job,
        capture_settings,
        lowprofile_executable,
        parse_time,
    )

    if monthly and weekly:
        fail("choose --monthly or --weekly")
    frequency = "weekly" if weekly else "monthly"
    hour, minute = parse_time(at)
    settings, notes = capture_settings(os.environ, SECRET_ENV.values())
    env_file = write_private(config_dir() / JOB_SETTINGS, json.dumps(settings, indent=2))
    job = Job(
        executable=lowprofile_executable(),
        profile=_profile_or_fail(profile).resolve(),
        frequency=frequency,
        day=day if day is not None else (1 if frequency == "monthly" else 1),
        hour=hour,
        minute=minute,
        env_file=env_file,
    )
    for note in notes:
        stderr_console().print(Text(f"note: {note}", style="yellow"))
    backend = pick_backend()
    stderr_console().print(f"{backend.install(job)} ({backend.name}): runs {' '.join(job.argv)}")


@app.command("status")
def status_command() -> None:
    """Show the installed schedule, if any."""
    from lowprofile.schedule import pick_backend

    backend = pick_backend()
    found = backend.status()
    typer.echo(f"{backend.name}: {found}" if found else f"{backend.name}: no schedule installed")


@app.command("remove")
def remove_command() -> None:
    """Remove the scheduled rescan (your other crontab lines are kept)."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.schedule import pick_backend

    backend = pick_backend()
    removed = backend.remove()
    stderr_console().print("schedule removed" if removed else "no schedule was installed")


@app.command("run", hidden=True)
def run_command(
    profile: ProfileOpt = None,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="The settings saved at install time.")
    ] = None,
) -> None:
    """What the scheduler runs: scan, save, HTML report, diff, notify (no prompts)."""
    from lowprofile.schedule.runner import apply_saved_settings, run_scheduled

    if settings is not None:
        apply_saved_settings(settings)  # before the profile path and folders are worked out
    raise typer.Exit(run_scheduled(_profile_or_fail(profile)))
