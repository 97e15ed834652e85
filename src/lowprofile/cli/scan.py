"""``lowprofile scan``: run the checkers for one person and report what is exposed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    BirthYearOpt,
    CityOpt,
    CountryOpt,
    EmailOpt,
    JsonOpt,
    NameOpt,
    PhoneOpt,
    PhotosOpt,
    ProfileOpt,
    QuietOpt,
    ShowSensitiveOpt,
    StateOpt,
    UsernameOpt,
    VerboseOpt,
    ZipOpt,
    fail,
    freeze_what_is_loaded,
    setup_logging,
    stderr_console,
    stdout_console,
)
from lowprofile.cli.subject_args import resolve_subject

if TYPE_CHECKING:
    from lowprofile.checkers.base import CheckerSpec, ScanOptions
    from lowprofile.config import Settings
    from lowprofile.pipeline import Outputs, ScanOutcome
    from lowprofile.results import ScanReport, Severity
    from lowprofile.scan import ScanObserver
    from lowprofile.subject import Subject


AFTER_THE_SCAN = ("rich.text", "lowprofile.report.terminal")
"""What ``execute_scan`` draws with once the scan is done: loaded while its requests are out
(``run_pipeline``'s ``meanwhile``), not before the first of them."""


def execute_scan(
    subject: Subject,
    specs: list[CheckerSpec],
    settings: Settings,
    threshold: Severity,
    outputs: Outputs,
    *,
    quiet: bool,
    details: bool = False,
    show_sensitive: bool = False,
    options: ScanOptions | None = None,
    view: Callable[[ScanReport], Any] | None = None,
    sources: str = "source",
) -> int:
    """Run the pipeline with progress on a terminal, tell the person what came of it, and return
    the exit code. Shared by ``scan`` and ``breaches check`` so both print and exit the same way;
    ``view`` draws the report for the terminal (the full report by default; None from it draws
    nothing); ``sources`` is what the closing line calls the things asked ("site").
    """
    from lowprofile.pipeline import run_pipeline

    def run(observer: ScanObserver | None) -> ScanOutcome:
        return run_pipeline(
            subject,
            specs,
            settings,
            outputs,
            threshold=threshold,
            observer=observer,
            options=options,
            meanwhile=AFTER_THE_SCAN,
        )

    from lowprofile.cli.progress import with_progress

    freeze_what_is_loaded()
    outcome = with_progress(run, quiet=quiet)
    from rich.text import Text

    from lowprofile.report.terminal import TerminalReport

    people = stderr_console() if outputs.json == "-" else stdout_console()
    if not quiet:
        shown = (
            view(outcome.report)
            if view
            else TerminalReport(outcome.report, details=details, show_sensitive=show_sensitive)
        )
        if shown is not None:
            people.print(shown)
        for what, path in outcome.written:
            people.print(Text(f"{what} written to {path}"))
    for problem in outcome.problems:
        stderr_console().print(Text(f"lowprofile: could not write {problem}", style="bold red"))
    coverage = outcome.report.coverage
    if coverage is not None and coverage.checked == 0 and coverage.failed:
        why = (
            f"no {sources} could be reached: are you offline?"
            if coverage.offline
            else (f"no {sources} gave an answer (blocked or unreadable): check them by hand")
        )
        stderr_console().print(Text(f"lowprofile: {why}", style="bold red"))
    return outcome.exit_code


def scan_command(
    name: NameOpt = None,
    city: CityOpt = None,
    state: StateOpt = None,
    postcode: ZipOpt = None,
    country: CountryOpt = None,
    birth_year: BirthYearOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    username: UsernameOpt = None,
    photos: PhotosOpt = None,
    profile: ProfileOpt = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Run only these checkers (repeatable; see `lowprofile checkers`)."
        ),
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="Do not run these checkers (repeatable).")
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            metavar="BROKER",
            help="Search only these people-search sites (repeatable; broker ids from "
            "`lowprofile brokers list`), e.g. to see whether an opt-out took.",
        ),
    ] = None,
    json_out: JsonOpt = None,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Write a self-contained HTML report."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding has at least this severity "
            "(critical, high, medium, low, info; default high).",
        ),
    ] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy",
            help="Send every request through this proxy, e.g. socks5://127.0.0.1:9050 (Tor).",
            envvar="LOWPROFILE_PROXY",
        ),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Do not keep this scan in the local history.")
    ] = False,
    save_pages: Annotated[
        Path | None,
        typer.Option("--save-pages", help="Keep every fetched page in DIR, for debugging recipes."),
    ] = None,
    browser: Annotated[
        str | None,
        typer.Option(
            "--browser",
            help="auto: a real browser for the sites that need one, and once more for a site "
            "that blocked a plain fetch; always: every site through the browser; never: none "
            "(default: the setting browser_mode, LOWPROFILE_BROWSER_MODE, else auto).",
        ),
    ] = None,
    show_browser: Annotated[
        bool,
        typer.Option(
            "--show-browser",
            help="Open a visible browser window: when a site asks for a check, solve it there.",
        ),
    ] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    show_sensitive: ShowSensitiveOpt = False,
    household: Annotated[
        bool,
        typer.Option(
            "--household",
            help="Scan you and each member of `lowprofile household` together, politely as one "
            "scan; --json/--html write the one household report.",
        ),
    ] = False,
) -> None:
    """Scan people-search sites, breach services and photo folders for one person.

    Exit codes: 0 nothing at or above --fail-on; 1 exposures at or above it; 2 usage or input
    error; 3 the scan could not run (e.g. no network for any source).
    """
    from lowprofile.checkers.base import ScanOptions, select_checkers
    from lowprofile.config import BROWSER_MODES, load_settings
    from lowprofile.privacy import install_redactor
    from lowprofile.results import Severity

    setup_logging(verbose)
    _check_typed_paths(photos, json_out, html_out, save_pages)
    subject = resolve_subject(
        profile,
        name,
        city=city,
        state=state,
        postcode=postcode,
        country=country,
        birth_year=birth_year,
        emails=email,
        phones=phone,
        usernames=username,
        photo_dirs=photos,
    )
    install_redactor(subject.redactor())
    if browser is not None and browser not in BROWSER_MODES:
        fail(f"--browser: {browser!r} is not one of {', '.join(BROWSER_MODES)}")
    settings = load_settings().with_overrides(proxy=proxy, fail_on=fail_on, browser_mode=browser)
    try:
        threshold = Severity(settings.fail_on)
    except ValueError:
        fail(f"--fail-on: {settings.fail_on!r} is not a severity")
    specs, unknown = select_checkers(only, skip)
    if unknown:
        fail(f"unknown checker(s): {', '.join(unknown)} (see `lowprofile checkers`)")
    if not specs:
        fail("no checkers to run (see `lowprofile checkers`)", EXIT_FAILED)

    if site:
        from lowprofile.brokers.loader import load_brokers
        from lowprofile.cli.inputs import require_brokers

        require_brokers(site, load_brokers().brokers, "--site")
    from lowprofile.pipeline import Outputs

    outputs = Outputs(json=json_out, html=html_out, save=not no_save)
    options = ScanOptions(
        show_browser=show_browser,
        notify=_tell_waiting,
        sites=tuple(site or ()),
        save_pages=save_pages,
    )
    if household:
        from lowprofile.cli.household import scan_household

        code = scan_household(
            subject,
            specs,
            settings,
            threshold,
            outputs,
            quiet=quiet,
            details=verbose,
            options=options,
        )
        raise typer.Exit(code)
    code = execute_scan(
        subject,
        specs,
        settings,
        threshold,
        outputs,
        quiet=quiet,
        details=verbose,
        show_sensitive=show_sensitive,
        options=options,
    )
    raise typer.Exit(code)


def _check_typed_paths(
    photos: list[Path] | None, json_out: str | None, html_out: Path | None, save_pages: Path | None
) -> None:
    """The paths on the command line are usable before the scan starts: a typo found after
    minutes of requests (or read as "no photo reveals anything") costs the person a rerun."""
    from lowprofile.cli.inputs import require_paths, writable_file, writable_folder

    require_paths(photos or (), "--photos")
    if json_out is not None and json_out != "-":
        writable_file(Path(json_out), "--json")
    if html_out is not None:
        writable_file(html_out, "--html")
    if save_pages is not None:
        writable_folder(save_pages, "--save-pages")


def _tell_waiting(message: str) -> None:
    """A site's check waits for the person in the visible browser: say which one."""
    from rich.text import Text

    stderr_console().print(Text(f"lowprofile: {message}", style="bold yellow"))
