"""``lowprofile evidence``: the pages and screenshots kept of what a scan found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowprofile.cli.common import EXIT_FAILED, EXIT_USAGE, command_group, fail

app = command_group("Evidence kept of what a scan found: pages, screenshots, hashes.")


@app.command("export")
def export_command(
    scan: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A scan's history id (history list) or an evidence folder (optout status).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE.zip", help="Where to write the pack.")
    ],
) -> None:
    """Write a zip for the police or a platform's abuse desk: each page as received, an inert
    copy of it that runs and fetches nothing, its screenshot, the manifests with their SHA-256
    values, and a one-page index.html. Evidence that is not as kept (unknown id, a changed file,
    a damaged manifest) is bad input (exit 2); a pack that cannot be written exits 3."""
    from rich.text import Text

    from lowprofile.browser.evidence import EvidenceError
    from lowprofile.browser.pack import export_pack
    from lowprofile.cli.common import stdout_console
    from lowprofile.errors import LowprofileError
    from lowprofile.safe_text import clean_text

    try:
        pack = export_pack(scan, out.expanduser())
    except EvidenceError as exc:  # file names from the folder are shown, never obeyed
        fail(clean_text(exc), EXIT_USAGE)
    except LowprofileError as exc:
        fail(clean_text(exc), EXIT_FAILED)
    except OSError as exc:
        fail(clean_text(f"{exc.filename or out}: {exc.strerror or exc}"), EXIT_FAILED)
    stdout_console().print(
        Text(
            clean_text(
                f"Evidence pack written to {pack.path} ({pack.kept} files kept, {pack.inert} "
                "inert copies of pages and index.html)"
            )
        )
    )
