"""The ``lowprofile`` command: every group joined here, and errors turned into exit codes.

Nothing heavy is imported at module level anywhere under ``cli/`` so that ``--help`` and shell
completion stay fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from lowprofile import __version__
from lowprofile.cli import breaches as breaches_cli
from lowprofile.cli import brokers as brokers_cli
from lowprofile.cli import browser as browser_cli
from lowprofile.cli import config as config_cli
from lowprofile.cli import evidence as evidence_cli
from lowprofile.cli import history as history_cli
from lowprofile.cli import household as household_cli
from lowprofile.cli import mentions as mentions_cli
from lowprofile.cli import optout as optout_cli
from lowprofile.cli import photos as photos_cli
from lowprofile.cli import registry as registry_cli
from lowprofile.cli import schedule as schedule_cli
from lowprofile.cli import settings as settings_cli
from lowprofile.cli import usernames as usernames_cli
from lowprofile.cli.checkers import checkers_command
from lowprofile.cli.common import PLAIN_HELP, exit_code_for, setup_logging
from lowprofile.cli.init import init_command
from lowprofile.cli.report import report_command
from lowprofile.cli.review import review_command
from lowprofile.cli.scan import scan_command
from lowprofile.errors import EXIT_USAGE, LowprofileError

# NOTE: https://github.com/encode/httpx/pull/3547 - `import httpx` also imports httpx's own
# command-line client (click, pygments, rich.progress and rich.syntax), which this process never
# runs: about a seventh of a whole `usernames check` of one site. Marked absent here, in the
# command's own process only, httpx falls back to the stub it has for a missing CLI.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


class _ErrorsAsExitCodes(TyperGroup):
    """Turns a LowprofileError from any command into one line on stderr and its exit code, and
    a usage error (an unknown flag, a value typer cannot read) into one line and exit 2.

    Done in the command group rather than around ``app()`` so the test runner sees exactly what a
    user sees: the message and the code, never a traceback. Parsing the top-level flags happens
    in ``make_context``, every sub-command's (and its group's) inside ``invoke``: both are
    covered.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        with _one_line_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_errors():
            return super().invoke(ctx)


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """``lowprofile: message`` and the exit code the README's table gives. A group called
    without a command still shows its help (``NoArgsIsHelpError`` is a usage error too)."""
    # NOTE: typer carries its own copy of Click; its exception classes live in typer._click.
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    from lowprofile.cli.common import say_error

    try:
        yield
    except LowprofileError as exc:
        say_error(exc.for_terminal)
        raise typer.Exit(exit_code_for(exc)) from None
    except NoArgsIsHelpError:
        raise
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "lowprofile"
        say_error(f"{exc.format_message().rstrip('.')} (see `{where} --help`)")
        raise typer.Exit(EXIT_USAGE) from None


app = typer.Typer(
    name="lowprofile",
    cls=_ErrorsAsExitCodes,
    help="Find the public pieces a doxer would use against you, and remove them.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    **PLAIN_HELP,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lowprofile {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Debug logs on stderr (personal details masked)."),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Find the public pieces a doxer would use against you, and remove them."""
    setup_logging(verbose)


app.command("scan")(scan_command)
app.command("init")(init_command)
app.command("checkers")(checkers_command)
app.command("report")(report_command)
app.command("review")(review_command)
app.add_typer(brokers_cli.app, name="brokers")
app.add_typer(breaches_cli.app, name="breaches")
app.add_typer(photos_cli.app, name="photos")
app.add_typer(usernames_cli.app, name="usernames")
app.add_typer(history_cli.app, name="history")
app.add_typer(optout_cli.app, name="optout")
app.add_typer(schedule_cli.app, name="schedule")
app.add_typer(config_cli.app, name="config")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(evidence_cli.app, name="evidence")
app.add_typer(browser_cli.app, name="browser")
app.add_typer(household_cli.app, name="household")
app.add_typer(settings_cli.app, name="settings")
app.add_typer(mentions_cli.app, name="mentions")


def run() -> None:
    """Console-script entry point."""
    app()
