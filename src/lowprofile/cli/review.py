"""``lowprofile review``: one sitting in a visible browser for the sites a robot cannot read
and the opt-outs that wait for you (``review/``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from lowprofile.cli.common import ProfileOpt

if TYPE_CHECKING:
    from lowprofile.brokers.schema import Broker
    from lowprofile.review.queue import Item
    from lowprofile.subject import Subject

NO_DISPLAY = "no display: run it on your desktop, or under xvfb-run"


class ConsoleTerminal:
    """Lines to stderr (stdout stays clean), keys from stdin one line at a time."""

    def __init__(self) -> None:
        from lowprofile.cli.common import stderr_console

        self.console = stderr_console()

    def say(self, line: str) -> None:
        from rich.text import Text

        self.console.print(Text(line), soft_wrap=True)

    async def ask(self, prompt: str) -> str | None:
        import asyncio

        self.console.print(prompt, end="", markup=False, highlight=False)
        line = await asyncio.to_thread(sys.stdin.readline)
        return line.rstrip("\n") if line else None


def review_command(
    resume: Annotated[
        bool, typer.Option("--resume", help="Go on from the first stop not yet answered.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="SITE", help="Only these broker ids (repeatable)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", metavar="search|optout", help="Only searches or opt-outs."),
    ] = None,
    profile: ProfileOpt = None,
) -> None:
    """Sit with the sites a robot cannot read: one visible window, one stop at a time.

    Recipe sites are read by themselves once you pass their check; on the others press l
    (listed), n (not listed), s (skip) or o URL (a listing's address). Exit codes: 0 done or
    stopped to resume later; 2 usage or input error; 3 no display or no browser."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.browser.engine import no_screen
    from lowprofile.cli.common import exit_code_for, fail
    from lowprofile.cli.inputs import require_brokers
    from lowprofile.config import default_profile_path
    from lowprofile.errors import EXIT_FAILED, LowprofileError
    from lowprofile.subject import load_profile

    if kind not in (None, "search", "optout"):
        fail(f"--kind {kind!r}: give search or optout")
    try:  # what was typed is checked first (exit 2), then whether a window can open (exit 3)
        subject = load_profile((profile or default_profile_path()).expanduser())
        known = load_brokers().brokers
        require_brokers(only or [], known, "--only")
        if no_screen():
            fail(NO_DISPLAY, EXIT_FAILED)
        _sit(subject, known, resume, only or [], kind)
    except LowprofileError as exc:
        fail(exc.for_terminal, exit_code_for(exc))


def _sit(
    subject: Subject, known: dict[str, Broker], resume: bool, only: list[str], kind: str | None
) -> None:
    import asyncio

    from lowprofile.cli.common import fail
    from lowprofile.config import load_settings
    from lowprofile.errors import EXIT_FAILED, RequestFailed
    from lowprofile.optout.records import RequestLedger
    from lowprofile.review.queue import Kind, build_queue
    from lowprofile.review.session import sit, summary
    from lowprofile.sitting import Progress, opened_line
    from lowprofile.store import Store

    settings = load_settings()
    person = subject.person_id
    with Store() as store:
        report = store.load(store.resolve("latest", person))
    terminal = ConsoleTerminal()
    with RequestLedger(person) as ledger:
        chosen = Kind(kind) if kind else None
        items = build_queue(report, known, ledger.requests(), kind=chosen, only=only)
        if not items:
            terminal.say("Nothing waits for you: every site of your latest scan was read.")
            return
        earlier = Progress.load(person)
        progress = earlier if resume else Progress(person)
        opened = opened_line(earlier, report)
        if opened and not resume:
            terminal.say(opened)
        left = [i for i in items if i.key not in progress.answers]
        _announce(terminal, items, left, progress.seconds_per_site)
        try:
            asyncio.run(sit(items, subject, settings, ledger, progress, terminal))
        except RequestFailed as exc:  # the browser could not start: nothing to sit with
            fail(str(exc), EXIT_FAILED)
        except KeyboardInterrupt:  # every stop answered is kept, and so are the cookies
            terminal.say("stopped: `lowprofile review --resume` goes on from here")
    for line in summary(items, progress):
        terminal.say(line)


def _announce(
    terminal: ConsoleTerminal, items: list[Item], left: list[Item], per_site: float | None
) -> None:
    from lowprofile.review.queue import estimate_minutes

    minutes = estimate_minutes(left, per_site)
    terminal.say(
        f"{len(left)} of {len(items)} stops wait for you (about {minutes} min). One window opens; "
        "the terminal says what to do at each."
    )
