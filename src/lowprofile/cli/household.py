"""``lowprofile household``: the people who live with you, each scanned as their own person.

``scan --household`` scans them with you; this group only keeps the list. Members must agree
to be scanned: ``add`` says so when the household starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lowprofile.cli.common import command_group

if TYPE_CHECKING:
    from lowprofile.checkers.base import CheckerSpec, ScanOptions
    from lowprofile.config import Settings
    from lowprofile.household.run import HouseholdOutcome
    from lowprofile.pipeline import Outputs
    from lowprofile.results import Severity
    from lowprofile.scan import ScanObserver
    from lowprofile.subject import Subject

app = command_group("The people who live with you: `scan --household` scans them with you.")


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="What you call them, e.g. Sam.")],
    profile: Annotated[
        Path,
        typer.Option(
            "--profile",
            "-p",
            help="Their own profile file (`lowprofile init --profile FILE` writes one).",
        ),
    ],
) -> None:
    """Add a member by their own profile: their scans and opt-outs stay theirs."""
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.cli.inputs import require_paths
    from lowprofile.config import default_profile_path
    from lowprofile.household.members import CONSENT, add_member
    from lowprofile.subject import load_profile

    require_paths([profile], "--profile")
    own = default_profile_path()
    you = load_profile(own) if own.is_file() else None
    member, first = add_member(name, profile, you=you)
    console = stdout_console()
    if first:
        console.print(Text(CONSENT, style="bold yellow"))
    console.print(Text(f"{member.name} added ({member.profile})"))


@app.command("list")
def list_command() -> None:
    """The members, each with their profile (and whether it still loads)."""
    from lowprofile.cli.common import print_rows
    from lowprofile.errors import ProfileError
    from lowprofile.household.members import household_path, load_household

    members = load_household()
    if not members:
        typer.echo(
            "No household members (add one with `lowprofile household add NAME --profile FILE`)."
        )
        return
    rows: list[tuple[str, ...]] = []
    for member in members:
        try:
            member.subject()
            state = "ok"
        except ProfileError as exc:
            state = f"profile does not load: {exc}"
        rows.append((member.name, state, str(member.profile)))
    print_rows(f"Household ({household_path()})", ("member", "profile", "file"), rows, (20, 40, 40))


@app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="The member's name, as `household list` shows.")],
) -> None:
    """Take a member out of the household; the scans and requests kept as theirs stay theirs."""
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.household.members import remove_member

    member = remove_member(name)
    stdout_console().print(Text(f"{member.name} removed from the household"))


def scan_household(
    you: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    threshold: Severity,
    outputs: Outputs,
    *,
    quiet: bool,
    details: bool = False,
    options: ScanOptions | None = None,
) -> int:
    """``scan --household``: you and each member over one client and clock, each scan saved
    as its person's, and one household report (terminal, ``--json``, ``--html``). Every
    member's profile is loaded before any request: one that does not load is an input error."""

    from rich.text import Text

    from lowprofile.cli.common import stderr_console, stdout_console
    from lowprofile.errors import ProfileError
    from lowprofile.household.members import YOU, load_household
    from lowprofile.household.render import terminal
    from lowprofile.household.run import EveryoneRedactor, Person, run_household
    from lowprofile.privacy import install_redactor

    members = load_household()
    if not members:
        raise ProfileError(
            "no household members: add one with `lowprofile household add NAME --profile FILE`"
        )
    people = [Person(YOU, you)]
    people += [Person(m.name, m.subject(), m.profile) for m in members]
    install_redactor(EveryoneRedactor([p.subject for p in people]))
    console = stderr_console() if outputs.json == "-" else stdout_console()

    def run(observer: ScanObserver | None) -> HouseholdOutcome:
        return run_household(
            people,
            specs,
            settings,
            json_out=outputs.json,
            html_out=outputs.html,
            save=outputs.save,
            threshold=threshold,
            observer=observer,
            options=options,
        )

    from lowprofile.cli.progress import with_progress

    outcome = with_progress(run, quiet=quiet)
    if not quiet:
        console.print(terminal(outcome.household, details=details))
        for what, path in outcome.written:
            console.print(Text(f"{what} written to {path}"))
    for problem in outcome.problems:
        stderr_console().print(Text(f"lowprofile: could not write {problem}", style="bold red"))
    return outcome.exit_code
