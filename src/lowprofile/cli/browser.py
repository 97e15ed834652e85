"""``lowprofile browser``: the browser engine's per-site profiles."""

from __future__ import annotations

from typing import Annotated

import typer

from lowprofile.cli.common import command_group

app = command_group("The real browser used for the sites that need one.")


@app.command("reset")
def reset_command(
    site: Annotated[
        str | None,
        typer.Argument(help="The site (its host, e.g. www.spokeo.com); all sites when left out."),
    ] = None,
) -> None:
    """Forget the cookies kept for one site, or for all: their checks will be asked again."""
    from rich.text import Text

    from lowprofile.browser.profiles import profiles_dir, reset_profiles
    from lowprofile.cli.common import stdout_console

    forgotten = reset_profiles(site)
    if not forgotten:
        where = f" for {site}" if site else ""
        stdout_console().print(Text(f"No browser profile{where} in {profiles_dir()}"))
        return
    stdout_console().print(Text(f"Forgot the browser profile of {', '.join(forgotten)}"))
