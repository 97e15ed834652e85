"""``lowprofile usernames``: accounts under a username (check), rule self-test (doctor), update."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    EXIT_FOUND,
    EXIT_OK,
    QuietOpt,
    ShowSensitiveOpt,
    command_group,
    fail,
    stderr_console,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from lowprofile.config import Settings
    from lowprofile.results import ScanReport
    from lowprofile.usernames.doctor import SiteHealth
    from lowprofile.usernames.sites import SiteList
    from lowprofile.usernames.update import UpdateResult

app = command_group(
    "Accounts a doxer finds from your usernames, on WhatsMyName's 700+ sites "
    "(data CC BY-SA 4.0, WebBreacher/WhatsMyName)."
)

SitesOpt = Annotated[
    Path | None,
    typer.Option(
        "--sites",
        metavar="FILE",
        help="A site list in WhatsMyName's format instead of the installed one.",
        envvar="LOWPROFILE_USERNAME_SITES",
    ),
]
SkipCategoryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--skip-category",
        metavar="CAT",
        help="Leave out a WhatsMyName category, e.g. 'xx NSFW xx' (repeatable).",
    ),
]
ProxyOpt = Annotated[
    str | None,
    typer.Option(
        "--proxy",
        help="Send every request through this proxy, e.g. socks5://127.0.0.1:9050 (Tor).",
        envvar="LOWPROFILE_PROXY",
    ),
]


def _sites(path: Path | None, skip: list[str] | None, settings: Settings) -> SiteList:
    """The site list, or a one-line error (exit 2) that names the file and what is wrong."""
    from lowprofile.usernames.sites import load_sites

    loaded = load_sites(path, loopback=settings.allow_loopback)
    if not loaded.sites:
        first = loaded.problems[0] if loaded.problems else "the list is empty"
        fail(f"no usable site in {loaded.source}: {first}")
    unknown = [c for c in skip or [] if c.lower() not in {k.lower() for k in loaded.categories}]
    if unknown:
        known = ", ".join(repr(c) for c in loaded.categories)
        fail(f"--skip-category: unknown {', '.join(map(repr, unknown))} (known: {known})")
    return loaded.without_categories(skip or [])


@app.command("check")
def check_command(
    usernames: Annotated[
        list[str], typer.Argument(metavar="NAME...", help="Usernames to look for.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report (the scan report's form).")
    ] = False,
    sites: SitesOpt = None,
    skip_category: SkipCategoryOpt = None,
    proxy: ProxyOpt = None,
    quiet: QuietOpt = False,
    show_sensitive: ShowSensitiveOpt = False,
) -> None:
    """Look for accounts named NAME on every site; each hit is confirmed with a made-up name.

    Each site receives the username in its URL or form, as a browser visiting the profile would.
    Exit codes: 0 no account, 1 accounts found, 2 usage error, 3 nothing could be checked.
    """
    from lowprofile.checkers.base import CheckerSpec, ScanOptions
    from lowprofile.checkers.usernames import UsernameChecker
    from lowprofile.cli.scan import execute_scan
    from lowprofile.config import load_settings
    from lowprofile.pipeline import Outputs
    from lowprofile.privacy import Redactor, install_redactor
    from lowprofile.results import Severity
    from lowprofile.subject import Subject

    names = tuple(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    if not names:
        fail("give at least one username")
    settings = load_settings().with_overrides(proxy=proxy)
    site_list = _sites(sites, skip_category, settings)
    install_redactor(Redactor(usernames=names))
    checker = UsernameChecker(site_list=site_list)
    spec = CheckerSpec(checker.id, "usernames check", "builtin", lambda: checker)
    code = execute_scan(
        Subject(names=(), usernames=names),
        [spec],
        settings,
        Severity.LOW,
        Outputs(json="-" if as_json else None, save=False),
        quiet=quiet,
        options=ScanOptions(browser="never"),  # no probe reads a page in a browser: none loaded
        view=functools.partial(_check_view, show_sensitive=show_sensitive),
        sources="site",
    )
    raise typer.Exit(code)


def _check_view(report: ScanReport, *, show_sensitive: bool) -> RenderableType | None:
    """The accounts view, or nothing when no site could be reached at all: then the closing
    line ("no site could be reached: are you offline?") is the whole answer, not a list of
    700 failed sites."""
    from lowprofile.report.accounts import AccountsReport

    if report.coverage is not None and report.coverage.offline:
        return None
    return AccountsReport(report, show_sensitive=show_sensitive)


@app.command("doctor")
def doctor_command(
    site_names: Annotated[
        list[str] | None, typer.Argument(metavar="[SITE...]", help="Sites to test (default all).")
    ] = None,
    sites: SitesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    proxy: ProxyOpt = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="List every site and what each probe said."),
    ] = False,
) -> None:
    """Test each site both ways: its known accounts must be found, a made-up name not found.

    Prints one line per site whose rules no longer hold, then the count. Exit 1 when a site is
    broken, 3 when none could be tested at all.
    """
    import asyncio

    from lowprofile.config import load_settings
    from lowprofile.fetch.http import Http
    from lowprofile.safe_text import clean_text
    from lowprofile.usernames.doctor import BROKEN, OK, examine_all, health_lines

    settings = load_settings().with_overrides(proxy=proxy)
    site_list = _sites(sites, None, settings)
    if site_names:
        site_list, missing = site_list.only(site_names)
        if missing:
            fail(f"no such site: {', '.join(missing)} (see the site list)")

    async def run() -> tuple[list[SiteHealth], bool]:
        async with Http(settings) as http:
            return await examine_all(site_list.sites, http), http.network_down

    health, network_down = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in health], indent=2, ensure_ascii=False))
    else:
        for line in health_lines(health, verbose=verbose):
            typer.echo(clean_text(line))
    tested = any(h.state in (OK, BROKEN) for h in health)
    if network_down and not tested:
        stderr_console().print("lowprofile: no site could be reached: are you offline?")
    if any(h.state == BROKEN for h in health):
        raise typer.Exit(EXIT_FOUND)
    if health and not any(h.state == OK for h in health):
        raise typer.Exit(EXIT_FAILED)
    raise typer.Exit(EXIT_OK)


@app.command("update")
def update_command(
    url: Annotated[
        str | None, typer.Option("--url", help="Fetch the list from here instead of upstream.")
    ] = None,
    proxy: ProxyOpt = None,
) -> None:
    """Fetch the newest WhatsMyName list, check it against their schema, and install it.

    The shipped list stays as the fallback; a list that fails the checks replaces nothing.
    """
    import asyncio

    from rich.text import Text

    from lowprofile.config import load_settings
    from lowprofile.fetch.http import Http
    from lowprofile.usernames.update import DATA_URL, update_sites

    settings = load_settings().with_overrides(proxy=proxy)

    async def run() -> UpdateResult:
        async with Http(settings) as http:
            return await update_sites(http, url or DATA_URL)

    result = asyncio.run(run())
    console = stderr_console()
    if result.note:
        console.print(Text(f"note: {result.note}"))
    console.print(
        f"Site list updated: {result.after} sites (was {result.before}), saved to {result.path}"
    )
