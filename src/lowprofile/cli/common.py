"""What every command shares: consoles, logging, subject options, and error-to-exit-code mapping.

People-facing text goes to stderr whenever stdout may carry data (``--json -``), so a pipe gets
clean JSON and the person still sees progress and warnings.
"""

from __future__ import annotations

import gc
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
    InputError,
    LowprofileError,
    MetadataError,
    ProfileError,
    ReportError,
)
from lowprofile.errors import EXIT_FOUND as EXIT_FOUND  # re-exported for the commands
from lowprofile.errors import EXIT_OK as EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

INPUT_ERRORS = (
    ProfileError,
    ConfigError,
    InputError,
    BrokerFileError,
    MetadataError,
    ReportError,
)
"""What the person gave that cannot be used: exit 2. Every other ``LowprofileError`` is a
command that could not do its work: exit 3."""


ONE_COMMAND_PROCESS = False
"""True in the console script's process (``main.run`` sets it), which ends with its one command;
False where lowprofile's commands run inside a longer-lived process (the tests' runner, a script),
which must not be changed for good by one of them."""


def freeze_what_is_loaded() -> None:
    """Before a scan's long part, in the console script's process only: everything loaded by
    now (modules, settings, the site list) lives until the exit, so it goes into the garbage
    collector's permanent generation and is not walked again while the scan runs (one such
    walk cost a 300-site username check 30-50 ms). In a longer-lived process it would keep
    alive whatever garbage was waiting to be collected: nothing is done there."""
    if ONE_COMMAND_PROCESS:
        gc.freeze()


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


def print_rows(
    title: str, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...]
) -> None:
    """A list of one line per entry: each cell cut to its column (``…``), the last one to what
    the terminal has left, never wrapped (a URL is not folded every few characters; ``--json``
    has every value whole). Cells are shown as text, never read as markup."""
    from rich.text import Text

    console = stdout_console()
    room = console.width
    natural = [max(len(r[i]) for r in (header, *rows)) for i in range(len(widths))]
    if sum(natural) + 2 * len(widths) + LAST_COLUMN_ROOM <= room:
        widths = tuple(natural)  # a wide terminal shows every cell but the last one whole
    else:
        widths = tuple(min(n, w) for n, w in zip(natural, widths, strict=True))

    def line(cells: tuple[str, ...], style: str = "") -> Text:
        parts = [_cut(c, w).ljust(w) for c, w in zip(cells[:-1], widths, strict=False)]
        text = "  ".join([*parts, cells[-1]])
        return Text(_cut(text, room), style=style)

    console.print(Text(_cut(title, room), style="bold"), soft_wrap=True)
    console.print(line(header, "bold"), soft_wrap=True)
    for row in rows:
        console.print(line(row), soft_wrap=True)


LAST_COLUMN_ROOM = 40
"""What the last column (a URL or an address) keeps before the others are cut to their caps."""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def say_error(message: str) -> None:
    """One line on stderr, ``lowprofile: message``: never read as markup, never wrapped at the
    terminal's width (a script reading stderr, or a test, gets the whole error on one line)."""
    from rich.text import Text

    line = Text.assemble(("lowprofile:", "bold red"), " ", " ".join(message.splitlines()))
    stderr_console().print(line, soft_wrap=True)


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
