"""``lowprofile report FILE.json``: show a saved report again, in the terminal or as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowprofile.cli.common import PersonOpt


def report_command(
    source: Annotated[
        str,
        typer.Argument(metavar="FILE.json|latest", help="A saved JSON report, or a stored scan."),
    ],
    html_out: Annotated[
        Path | None, typer.Option("--html", metavar="FILE", help="Write the HTML report here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    profile: PersonOpt = None,
) -> None:
    """Show a saved JSON report, or one of your stored scans, again.

    FILE.json is a report written by `scan --json`; `latest` (or a scan id) is one from the
    history. Terminal by default, or --html FILE, or --json.
    """
    from rich.text import Text

    from lowprofile.cli.common import stderr_console, stdout_console
    from lowprofile.files import write_private
    from lowprofile.report.json import dumps
    from lowprofile.report.terminal import TerminalReport
    from lowprofile.reportfile import read_report

    path = Path(source).expanduser()
    person = None
    if not path.is_file() and (source in ("latest", "previous") or source.isdigit()):
        from lowprofile.cli.subject_args import current_person
        from lowprofile.store import Store

        person = current_person(profile)
        with Store() as store:
            report = store.load(store.resolve(source, person))
    else:
        report = read_report(path)
    # Loading checked the report against its schema and assessed it where it had to (an older
    # report has no risk or plan yet, an edited one may have broken sections).
    if html_out:
        from lowprofile.pipeline import History, score_history
        from lowprofile.report.html import render_html

        if person is None:
            trend = score_history(report, None)
        else:
            with History(person) as history:
                trend = score_history(report, history)
        write_private(html_out.expanduser(), render_html(report, trend=trend))
        stderr_console().print(Text(f"HTML report written to {html_out}"))
    if as_json:
        typer.echo(dumps(report), nl=False)
    elif not html_out:
        stdout_console().print(TerminalReport(report))
