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

    if site is not None:
        site = _host(site)
    forgotten = reset_profiles(site)
    if not forgotten:
        where = f" for {site}" if site else ""
        stdout_console().print(Text(f"No browser profile{where} in {profiles_dir()}"))
        return
    stdout_console().print(Text(f"Forgot the browser profile of {', '.join(forgotten)}"))


def _host(site: str) -> str:
    """The site's host from what was typed (a host, or a URL pasted from the browser). Anything
    else is refused rather than read as "every site": ``browser reset ""`` forgetting them all
    would be a typo's price."""
    import re
    from urllib.parse import urlsplit

    from lowprofile.errors import InputError
    from lowprofile.safe_text import shown_name

    text = site.strip()
    host = (urlsplit(text).hostname or "") if "://" in text else text.lower()
    if not re.fullmatch(r"[a-z0-9:]([a-z0-9.:-]*[a-z0-9])?", host):
        raise InputError(f"SITE {shown_name(site)!r}: not a site's host (e.g. www.spokeo.com)")
    return host
