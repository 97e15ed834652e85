"""What every command shares: consoles, logging, subject options, and error-to-exit-code mapping.

People-facing text goes to stderr whenever stdout may carry data (``--json -``), so a pipe gets
clean JSON and the person still sees progress and warnings.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from lowprofile.errors import (
    EXIT_FAILED,
    EXIT_USAGE,
    BrokerFileError,
    ConfigError,
    LowprofileError,
    MetadataError,
    ProfileError,
    ReportError,
)
from lowprofile.errors import EXIT_FOUND as EXIT_FOUND  # re-exported for the commands
from lowprofile.errors import EXIT_OK as EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

INPUT_ERRORS = (ProfileError, ConfigError, BrokerFileError, MetadataError, ReportError)


PLAIN_HELP: dict[str, Any] = {"rich_markup_mode": None}
"""Help drawn by typer's own plain formatter: ``--help`` and shell completion stay fast because
rich is never imported for them (rich help alone costs about 0.25 s of start-up)."""


def command_group(help: str) -> typer.Typer:
    """A sub-command group (``lowprofile photos …``) with the settings every group shares."""
    return typer.Typer(help=help, **PLAIN_HELP)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def say_error(message: str) -> None:
    """One line on stderr, never wrapped: a script (or a log) reading stderr gets the whole
    message on one line, whatever the width."""
    from rich.markup import escape

    stderr_console().print(f"[bold red]lowprofile:[/] {escape(message)}", soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    say_error(message)
    raise typer.Exit(code)


def exit_code_for(exc: LowprofileError) -> int:
    return EXIT_USAGE if isinstance(exc, INPUT_ERRORS) else EXIT_FAILED


def setup_logging(verbose: bool) -> None:
    """Debug logs to stderr with ``--verbose``; warnings only otherwise. Redaction is added by the
    scan once the subject is known."""
    level = logging.DEBUG if verbose else logging.WARNING
    root = logging.getLogger()
    if not any(getattr(h, "_lowprofile", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._lowprofile = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every URL at INFO; our own net layer logs them at DEBUG through the redactor.
    for noisy in ("httpx", "httpcore", "hpack", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


NameOpt = Annotated[
    list[str] | None,
    typer.Option("--name", "-n", help="Full name, e.g. \"Jane Q Doe\". Repeat for aliases and "
                 "former names; the first is the primary name."),
]  # fmt: skip
CityOpt = Annotated[str | None, typer.Option(help="City of the current address.")]
StateOpt = Annotated[
    str | None, typer.Option(help="US state (TX or Texas), or the region elsewhere (free text).")
]
CountryOpt = Annotated[
    str | None,
    typer.Option(help="Country of the current address, as an ISO code (DE, GB, FR; default US)."),
]
ZipOpt = Annotated[str | None, typer.Option("--zip", help="Postcode of the current address.")]
BirthYearOpt = Annotated[
    int | None, typer.Option("--birth-year", min=1900, max=2030, help="Year of birth.")
]
EmailOpt = Annotated[
    list[str] | None, typer.Option("--email", "-e", help="Email address (repeatable).")
]
PhoneOpt = Annotated[list[str] | None, typer.Option("--phone", help="Phone number (repeatable).")]
UsernameOpt = Annotated[
    list[str] | None, typer.Option("--username", "-u", help="Online username (repeatable).")
]
PhotosOpt = Annotated[
    list[Path] | None,
    typer.Option("--photos", help="Folder of photos to check for location data (repeatable)."),
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        "-p",
        help="Profile file (default: the one `lowprofile init` wrote); "
        "other flags given replace those details of it.",
        envvar="LOWPROFILE_PROFILE",
    ),
]
PersonOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        "-p",
        help="Whose records: this profile's person (default: the one `lowprofile init` wrote).",
        envvar="LOWPROFILE_PROFILE",
    ),
]
JsonOpt = Annotated[
    str | None,
    typer.Option("--json", metavar="FILE", help="Write the JSON report to FILE, or - for stdout."),
]
ShowSensitiveOpt = Annotated[
    bool,
    typer.Option(
        "--show-sensitive",
        help="Print the address of accounts found on adult or dating sites (hidden otherwise).",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress and no summary; only errors.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Debug logs on stderr (personal details masked).")
]
