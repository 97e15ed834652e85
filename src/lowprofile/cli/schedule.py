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
    import os

    from rich.text import Text

    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.config import SECRET_ENV
    from lowprofile.schedule import pick_backend
    from lowprofile.schedule.base import Job, ScheduleError, lowprofile_executable, parse_time
    from lowprofile.schedule.saved import capture_settings, save_settings, settings_file
    from lowprofile.schedule.status import When, save_when

    if monthly and weekly:
        fail("choose --monthly or --weekly")
    frequency = "weekly" if weekly else "monthly"
    profile_path = _profile_or_fail(profile)
    executable = lowprofile_executable()  # not found: the install cannot work (exit 3)
    env_file = settings_file()
    try:
        hour, minute = parse_time(at)
        job = Job(
            executable=executable,
            profile=profile_path,
            frequency=frequency,
            day=day if day is not None else 1,
            hour=hour,
            minute=minute,
            env_file=env_file,
        )
    except ScheduleError as exc:
        # A day or time that cannot be is the person's input (exit 2), checked before anything
        # is written; a scheduler that refuses the job stays a failure (exit 3).
        fail(str(exc))
    settings, notes = capture_settings(os.environ, SECRET_ENV.values())
    save_settings(settings)
    for note in notes:
        stderr_console().print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
    backend = pick_backend()
    done = backend.install(job)
    save_when(When.of(job))
    stderr_console().print(f"{done} ({backend.name}): runs {' '.join(job.argv)}")


@app.command("status")
def status_command() -> None:
    """Show the installed schedule, when it runs next, and how its last run went."""
    from datetime import datetime

    from lowprofile.schedule import pick_backend
    from lowprofile.schedule.status import load_last_run, load_when, newest_log, profile_health

    backend = pick_backend()
    found = backend.status()
    typer.echo(f"{backend.name}: {found}" if found else f"{backend.name}: no schedule installed")
    if found:
        when = load_when()
        if when is None:
            typer.echo("next run: not recorded (run `lowprofile schedule install` again to see it)")
        else:
            upcoming = when.next_after(datetime.now())
            typer.echo(f"next run: {upcoming:%Y-%m-%d %H:%M} local time ({when.describe()})")
        if (daemon := backend.daemon()) is not None:
            typer.echo(daemon)
        typer.echo(profile_health(when))
    last = load_last_run()
    if last is not None:
        typer.echo(last.describe())
    elif (log := newest_log()) is not None:
        typer.echo(f"last run: {log.stem} (no result recorded; see {log})")
    else:
        typer.echo("last run: never")


@app.command("test")
def test_command() -> None:
    """Send a test notification through every channel a scheduled run would use, and warn when
    a scheduled run would have none that a person sees."""
    from rich.text import Text

    from lowprofile.cli.common import EXIT_FAILED, fail, stderr_console
    from lowprofile.config import load_settings
    from lowprofile.schedule.notify import notify
    from lowprofile.schedule.status import unseen_warning

    settings = load_settings()
    used = notify(
        "lowprofile: test notification",
        "If you can read this, a scheduled scan can tell you what it finds.",
        settings,
    )
    typer.echo(f"sent by: {', '.join(used)}")
    if settings.smtp_host and settings.smtp_to and "email" not in used:
        fail(f"the test email to {settings.smtp_to} could not be sent (see above)", EXIT_FAILED)
    if (warning := unseen_warning(used, _scheduler_name())) is not None:
        stderr_console().print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)


def _scheduler_name() -> str | None:
    """The scheduler a job would run under here; None when there is none."""
    from lowprofile.schedule import pick_backend
    from lowprofile.schedule.base import ScheduleError

    try:
        return pick_backend().name
    except ScheduleError:
        return None


@app.command("remove")
def remove_command() -> None:
    """Remove the scheduled rescan (your other crontab lines are kept)."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.schedule import pick_backend
    from lowprofile.schedule.saved import forget_settings
    from lowprofile.schedule.status import forget_when

    backend = pick_backend()
    removed = backend.remove()
    forget_when()
    forget_settings()
    stderr_console().print("schedule removed" if removed else "no schedule was installed")


@app.command("run", hidden=True)
def run_command(
    profile: ProfileOpt = None,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="The settings saved at install time.")
    ] = None,
) -> None:
    """What the scheduler runs: scan, save, HTML report, diff, notify (no prompts)."""
    from lowprofile.schedule.runner import run_scheduled
    from lowprofile.schedule.saved import apply_saved_settings

    if settings is not None:
        apply_saved_settings(settings)  # before the profile path and folders are worked out
    raise typer.Exit(run_scheduled(_profile_or_fail(profile)))
