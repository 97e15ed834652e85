"""``lowprofile evidence``: the pages and screenshots kept of what a scan found."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowprofile.cli.common import EXIT_FAILED, command_group, fail

app = command_group("Evidence kept of what a scan found: pages, screenshots, hashes.")


@app.command("export")
def export_command(
    scan: Annotated[str, typer.Argument(metavar="SCAN-ID", help="The scan's history id.")],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE.zip", help="Where to write the pack.")
    ],
) -> None:
    """Write a zip for the police or a platform's abuse desk: each page as received, its
    screenshot, the manifests with their SHA-256 values, and a one-page index.html."""
    from rich.text import Text

    from lowprofile.browser.evidence import export_pack
    from lowprofile.cli.common import stdout_console
    from lowprofile.errors import LowprofileError

    try:
        path, count = export_pack(scan, out.expanduser())
    except LowprofileError as exc:
        fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}", EXIT_FAILED)
    stdout_console().print(Text(f"Evidence pack written to {path} ({count} files and index.html)"))
