"""The ``lowprofile`` command: every group joined here, and errors turned into exit codes.

Nothing heavy is imported at module level anywhere under ``cli/`` so that ``--help`` and shell
completion stay fast; each command imports what it needs when it runs. The console script goes
one step further: it joins only the command it was asked for (``lowprofile usernames check``
never loads the other groups' modules), and everything for help, completion or anything it does
not recognise.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator
from importlib import import_module
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from lowprofile import __version__
from lowprofile.cli import common
from lowprofile.cli.common import PLAIN_HELP, exit_code_for, setup_logging
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


@contextlib.contextmanager
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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lowprofile {__version__}")
        raise typer.Exit()


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


COMMANDS = {
    "scan": ("lowprofile.cli.scan", "scan_command"),
    "init": ("lowprofile.cli.init", "init_command"),
    "checkers": ("lowprofile.cli.checkers", "checkers_command"),
    "report": ("lowprofile.cli.report", "report_command"),
    "review": ("lowprofile.cli.review", "review_command"),
}
"""Single commands: name -> (module, function)."""
GROUPS = (
    "brokers", "breaches", "photos", "usernames", "history", "optout", "schedule", "config",
    "registry", "evidence", "browser", "household", "settings", "mentions",
)  # fmt: skip
"""Command groups: each is ``lowprofile.cli.<name>.app``."""
ONLINE = frozenset({"scan", "brokers", "breaches", "usernames", "optout", "mentions", "schedule"})
"""Commands and groups that usually make TLS connections: their process reads the certificate
authorities on a thread from its first moment (``fetch.trust.preload``)."""


def build_app(only: str | None = None) -> typer.Typer:
    """The command with every group, or with ``only`` the one named (what the console script
    runs when the command line names one)."""
    built = typer.Typer(
        name="lowprofile",
        cls=_ErrorsAsExitCodes,
        help="Find the public pieces a doxer would use against you, and remove them.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        **PLAIN_HELP,
    )
    built.callback()(main)
    for name, (module, function) in COMMANDS.items():
        if only in (None, name):
            built.command(name)(getattr(import_module(module), function))
    for name in GROUPS:
        if only in (None, name):
            built.add_typer(import_module(f"lowprofile.cli.{name}").app, name=name)
    return built


@functools.cache
def _whole() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> Any:
    """``from lowprofile.cli.main import app``: the whole command, built on first use."""
    if name == "app":
        return _whole()
    raise AttributeError(name)


def asked_for(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The command or group the command line names, when joining it alone is safe: never
    during shell completion (it lists every command), never for a name it does not know."""
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in environ):
        return None
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS or first in GROUPS else None


def run() -> None:
    """Console-script entry point: a process that ends with its one command."""
    common.ONE_COMMAND_PROCESS = True
    only = asked_for(sys.argv[1:], os.environ)
    if only in ONLINE and not {"--help", "-h"} & set(sys.argv):
        from lowprofile.fetch import trust

        trust.preload()
    try:
        (build_app(only) if only else _whole())()
    finally:
        leave_quickly()


def leave_quickly() -> None:
    """Spare the interpreter's teardown its garbage collections: called once the command has
    finished (its files written and closed, its databases and client closed), it flushes
    stdout and stderr and moves every object left into the collector's permanent generation.

    Tearing a process down collects its garbage several times over every object still alive,
    the modules of the whole command included: 70-90 ms of every run (a one-site ``usernames
    check`` or ``--help``), about a sixth of the run. Frozen objects are never collected, so
    a finaliser of an object in a reference cycle does not run: nothing lowprofile leaves
    open needs one (atexit handlers, such as logging's flush and ``weakref.finalize``
    clean-ups, still run)."""
    import gc

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    gc.freeze()
