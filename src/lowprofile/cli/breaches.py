"""``lowprofile breaches``: which breaches an email is in, and whether a password is known."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    EXIT_FOUND,
    EXIT_OK,
    QuietOpt,
    command_group,
    fail,
    stderr_console,
)

app = command_group("Breached accounts (XposedOrNot, Have I Been Pwned) and Pwned Passwords.")


@app.command("check")
def check_command(
    emails: Annotated[list[str], typer.Argument(metavar="EMAIL...", help="Addresses to look up.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report (the scan report's form).")
    ] = False,
    quiet: QuietOpt = False,
    redact: Annotated[
        bool, typer.Option("--redact", help="Mask the addresses, for output meant to be shared.")
    ] = False,
) -> None:
    """Look up emails at XposedOrNot (free) and HIBP (with a key); one finding per breach.

    The full address goes to each service (XposedOrNot in the URL path, HIBP with your key).
    Exit codes: 0 none found, 1 breaches found, 2 usage error, 3 nothing could be checked.
    """
    from lowprofile.checkers.base import ScanOptions, select_checkers
    from lowprofile.cli.scan import execute_scan
    from lowprofile.config import load_settings
    from lowprofile.pipeline import Outputs
    from lowprofile.privacy import Redactor, install_redactor
    from lowprofile.results import Severity
    from lowprofile.subject import Subject

    subject = Subject(names=(), emails=tuple(e.strip() for e in emails))
    install_redactor(Redactor(values=subject.emails))
    specs, _ = select_checkers(["xposedornot", "hibp"])
    outputs = Outputs(json="-" if as_json else None, save=False)
    code = execute_scan(
        subject,
        specs,
        load_settings(),
        Severity.LOW,
        outputs,
        quiet=quiet,
        options=ScanOptions(reveal_emails=not redact),
        view=breach_table,
    )
    raise typer.Exit(code)


def breach_table(report: Any) -> Any:
    """Breaches as a table a person acts on: which address, which breach, when, what leaked,
    what to do. No risk score or opt-out plan: this is a lookup, not a scan of a person."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from lowprofile.report.base import clean_text
    from lowprofile.report.terminal import status_text

    table = Table(title="Breaches", expand=True)
    for column in ("address", "breach", "date", "what leaked", "what to do"):
        table.add_column(column, overflow="fold")
    lines: list[Any] = []
    for result in report.results:
        for finding in result.findings:
            evidence = finding.evidence
            table.add_row(
                Text(clean_text(evidence.get("email") or result.target)),
                Text(clean_text(evidence.get("title") or finding.title)),
                Text(clean_text(evidence.get("date") or "")),
                Text(clean_text(", ".join(evidence.get("data_classes") or []))),
                Text(clean_text(finding.remedy.summary if finding.remedy else "")),
            )
        if not result.findings:
            line = Text(f"{result.checker}: {clean_text(result.target)}: ")
            line.append_text(status_text(result.status))
            if result.detail:
                line.append(f" ({clean_text(result.detail)})", style="dim")
            if result.url and result.status.needs_hand_check:
                line.append(f" {clean_text(result.url)}", style="underline")
            lines.append(line)
    return Group(table, *lines) if table.row_count else Group(*lines)


@app.command("password")
def password_command(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from stdin (for scripts).")
    ] = False,
) -> None:
    """Check a password against Pwned Passwords; only 5 hex digits of its SHA-1 are sent.

    Exit 1 when the password is known from breaches, 0 when it is not.
    """
    import asyncio
    import sys

    from lowprofile.checkers.breaches.common import BreachResponseError
    from lowprofile.checkers.breaches.passwords import times_pwned
    from lowprofile.config import load_settings
    from lowprofile.errors import NetError
    from lowprofile.fetch.http import Http

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password (hidden, never stored)", hide_input=True)
    if not password:
        fail("empty password")
    settings = load_settings()

    async def check() -> int:
        async with Http(settings) as http:
            return await times_pwned(password, http, settings.pwnedpasswords_url)

    try:
        count = asyncio.run(check())
    except (NetError, BreachResponseError) as exc:
        fail(f"could not check: {exc}", EXIT_FAILED)
    console = stderr_console()
    if count:
        console.print(
            f"[bold red]This password appears {count:,} times in known breaches.[/] "
            "Do not use it anywhere; change it wherever you did."
        )
        raise typer.Exit(EXIT_FOUND)
    console.print(
        "This password does not appear in known breaches (that alone does not make it strong)."
    )
    raise typer.Exit(EXIT_OK)
